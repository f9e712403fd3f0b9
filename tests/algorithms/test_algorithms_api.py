import pytest

from algorithms.models import Algorithm
from app.permissions import add_member
from tests.algorithms.factories import make_algorithm
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/algorithms/"


@pytest.fixture
def creator():
    return UserFactory(is_staff=True)


def _payload(**changes):
    return {
        "title": "Liver segmentation",
        "description": "Finds the liver",
        "interfaces": [{"inputs": ["ct-image"], "outputs": ["segmentation", "probability"]}],
        "time_limit": 600,
        "memory_limit_gb": 8,
        "requires_gpu": True,
        **changes,
    }


def test_create_algorithm_makes_creator_editor_and_answers_gcapi_shape(api_client, creator):
    api_client.force_authenticate(creator)
    response = api_client.post(URL, _payload(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "liver-segmentation"
    assert body["api_url"].endswith(f"/api/v1/algorithms/{body['pk']}/")
    assert body["url"].endswith("/algorithms/liver-segmentation/")
    assert body["logo"] == ""
    assert body["time_limit"] == 600 and body["memory_limit_gb"] == 8 and body["requires_gpu"]
    (interface,) = body["interfaces"]
    assert [s["slug"] for s in interface["inputs"]] == ["ct-image"]
    assert {s["slug"] for s in interface["outputs"]} == {"segmentation", "probability"}
    assert interface["inputs"][0]["super_kind"] == "Image"

    algorithm = Algorithm.objects.get(pk=body["pk"])
    assert algorithm.editors_group.user_set.filter(pk=creator.pk).exists()  # type: ignore[union-attr]

    # gcapi looks algorithms up by slug, then by pk
    listed = api_client.get(URL, {"slug": "liver-segmentation"}).json()
    assert listed["count"] == 1 and listed["results"][0]["pk"] == body["pk"]
    assert api_client.get(body["api_url"]).json()["title"] == "Liver segmentation"


def test_unknown_socket_slug_is_named(api_client, creator):
    api_client.force_authenticate(creator)
    response = api_client.post(
        URL,
        _payload(
            interfaces=[{"inputs": ["ct-image", "no-such-socket"], "outputs": ["probability"]}]
        ),
        format="json",
    )
    assert response.status_code == 400
    assert "no-such-socket" in str(response.json()["interfaces"])
    assert not Algorithm.objects.exists()


def test_input_and_output_sharing_a_path_are_refused(api_client, creator):
    # relative paths are unique per socket, so a shared path means the same socket twice
    api_client.force_authenticate(creator)
    response = api_client.post(
        URL,
        _payload(interfaces=[{"inputs": ["results-json-file"], "outputs": ["results-json-file"]}]),
        format="json",
    )
    assert response.status_code == 400
    assert "both input and output" in str(response.json())
    assert not Algorithm.objects.exists()


def test_bad_limits_and_unknown_fields_are_refused(api_client, creator):
    api_client.force_authenticate(creator)
    assert api_client.post(URL, _payload(time_limit=5), format="json").status_code == 400
    response = api_client.post(URL, _payload(memory_limit_gb=999), format="json")
    assert "memory_limit_gb" in response.json()
    response = api_client.post(URL, _payload(docker_image="x"), format="json")
    assert "docker_image" in response.json()
    make_algorithm(creator=creator, title="Liver segmentation")
    response = api_client.post(URL, _payload(), format="json")
    assert response.status_code == 400 and "already exists" in str(response.json()["title"])


def test_only_allowed_users_may_create(api_client, user):
    api_client.force_authenticate(user)
    assert api_client.post(URL, _payload(), format="json").status_code == 403
    api_client.force_authenticate(None)
    assert api_client.post(URL, _payload(), format="json").status_code in (401, 403)


def test_private_algorithm_answers_404_to_others(api_client, creator, user, other_user):
    algorithm = make_algorithm(creator=creator)
    api_client.force_authenticate(other_user)
    assert api_client.get(f"{URL}{algorithm.pk}/").status_code == 404
    assert api_client.get(URL).json()["count"] == 0
    add_member(obj=algorithm, role="users", user=user)
    api_client.force_authenticate(user)
    assert api_client.get(f"{URL}{algorithm.pk}/").status_code == 200
    api_client.force_authenticate(None)
    assert api_client.get(f"{URL}{algorithm.pk}/").status_code in (401, 403, 404)


def test_gcapi_reads_algorithm_by_slug(gcapi_client, user):
    algorithm = make_algorithm(creator=user)
    found = gcapi_client.algorithms.detail(slug=algorithm.slug)
    assert found.pk == str(algorithm.pk)
    assert found.interfaces[0].inputs[0].slug == "ct-image"
    assert gcapi_client.interfaces.detail(slug="generic-medical-image").super_kind == "Image"
