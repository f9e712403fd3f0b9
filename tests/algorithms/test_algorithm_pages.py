import pytest
from django.test import Client

from algorithms.models import Algorithm
from tests.algorithms.factories import make_algorithm
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def plain_static_files(settings):  # type: ignore[no-untyped-def]
    """Pages render without a collectstatic manifest in tests."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _login(client: Client, user) -> Client:  # type: ignore[no-untyped-def]
    # UserFactory leaves the hashed password unsaved, which would void the session
    user.save()
    client.force_login(user)
    return client


@pytest.fixture
def staff_client():
    return _login(Client(), UserFactory(is_staff=True))


def test_staff_creates_algorithm_through_the_form(staff_client):
    response = staff_client.post(
        "/algorithms/create/",
        {
            "title": "Nodule finder",
            "description": "Finds nodules",
            "inputs": ["ct-image"],
            "outputs": ["results-json-file"],
            "time_limit": 900,
            "memory_limit_gb": 4,
            "max_active_jobs_per_user": 3,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/algorithms/nodule-finder/"
    page = staff_client.get("/algorithms/nodule-finder/").content.decode()
    assert "Nodule finder" in page and "/input/images/ct" in page and "/output/results.json" in page
    assert "Nodule finder" in staff_client.get("/algorithms/").content.decode()


def test_form_shows_why_an_interface_is_refused(staff_client):
    response = staff_client.post(
        "/algorithms/create/",
        {
            "title": "Echo",
            "inputs": ["probability"],
            "outputs": ["probability"],
            "time_limit": 900,
            "memory_limit_gb": 4,
            "max_active_jobs_per_user": 3,
        },
    )
    assert response.status_code == 200
    assert "both input and output" in response.content.decode()
    assert not Algorithm.objects.exists()


def test_editor_adds_members_by_username_and_others_see_404(user, other_user):
    algorithm = make_algorithm(creator=user)
    editor, stranger = Client(), Client()
    _login(editor, user)
    _login(stranger, other_user)
    assert stranger.get(f"/algorithms/{algorithm.slug}/").status_code == 404
    assert stranger.get(f"/algorithms/{algorithm.slug}/images/").status_code == 404

    response = editor.post(
        f"/algorithms/{algorithm.slug}/members/", {"username": "nobody-here", "role": "users"}
    )
    assert "No active user is called" in response.content.decode()
    response = editor.post(
        f"/algorithms/{algorithm.slug}/members/", {"username": other_user.username, "role": "users"}
    )
    assert response.status_code == 302
    assert stranger.get(f"/algorithms/{algorithm.slug}/").status_code == 200
    # a user may see the algorithm but not manage it
    assert stranger.get(f"/algorithms/{algorithm.slug}/members/").status_code == 404
    assert stranger.get(f"/algorithms/{algorithm.slug}/update/").status_code == 404
    # the last editor stays
    editor.post(
        f"/algorithms/{algorithm.slug}/members/remove/",
        {"username": user.username, "role": "editors"},
    )
    assert algorithm.editors_group.user_set.filter(pk=user.pk).exists()  # type: ignore[union-attr]


def test_images_page_shows_upload_widget(user):
    algorithm = make_algorithm(creator=user)
    client = _login(Client(), user)
    page = client.get(f"/algorithms/{algorithm.slug}/images/").content.decode()
    assert "data-upload-widget" in page and "No images uploaded yet" in page


def test_images_page_adds_the_uploaded_tarball(user):  # type: ignore[no-untyped-def]
    from tests.cases.helpers import completed_upload

    algorithm = make_algorithm(creator=user)
    client = _login(Client(), user)
    url = f"/algorithms/{algorithm.slug}/images/"
    assert "Upload the image tarball first." in client.post(url, {}).content.decode()
    upload = completed_upload(user, "my-algorithm.tar.gz", b"not really a tarball")
    done = client.post(url, {"user_upload": str(upload.pk), "comment": "first try"})
    assert done.status_code == 302
    (image,) = algorithm.images.all()
    assert image.user_upload == upload and image.comment == "first try"
    again = client.post(url, {"user_upload": str(upload.pk)}).content.decode()
    assert "already used by another image" in again
