"""Archive pages: create, browse items, members, import progress."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from app.permissions import role_group
from archives.models import Archive
from cases.models import RawImageUploadSession
from tests.archives.helpers import archive_with_image, login, new_user

pytestmark = pytest.mark.django_db


def test_an_archive_creator_creates_an_archive_from_the_page(client, user):
    login(client, user)
    assert client.get(reverse("archives:create")).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="add_archive"))

    response = client.post(
        reverse("archives:create"), {"title": "Brain MRI", "description": "T1 scans"}
    )

    archive = Archive.objects.get()
    assert response.status_code == 302 and response["Location"] == archive.get_absolute_url()
    page = client.get(archive.get_absolute_url()).content.decode()
    assert "Brain MRI" in page and "Add cases" in page and "Members" in page
    assert "Brain MRI" in client.get(reverse("archives:list")).content.decode()


def test_archive_page_lists_items_with_thumbnails_and_links(client, user):
    archive, item, image = archive_with_image(user)
    login(client, user)
    page = client.get(archive.get_absolute_url()).content.decode()
    assert reverse("cases:thumbnail", args=[image.pk]) in page
    assert item.get_absolute_url() in page
    item_page = client.get(item.get_absolute_url()).content.decode()
    assert reverse("cases:image", args=[image.pk]) in item_page
    image_page = client.get(reverse("cases:image", args=[image.pk])).content.decode()
    assert "viewer/viewer.mjs" in image_page and ".mha" in image_page
    thumb = client.get(reverse("cases:thumbnail", args=[image.pk]))
    assert thumb.status_code == 302 and "X-Amz-Signature" in thumb["Location"]


def test_editors_manage_members_by_username(client, user):
    archive, _, image = archive_with_image(user)
    colleague = new_user(username="colleague")
    login(client, user)
    url = reverse("archives:members", args=[archive.slug])

    client.post(url, {"action": "add", "username": "colleague", "role": "users"})
    assert role_group(archive, "users").user_set.filter(pk=colleague.pk).exists()
    login(client, colleague)
    assert client.get(reverse("cases:image", args=[image.pk])).status_code == 200
    assert client.get(url).status_code == 403  # users do not manage members

    login(client, user)
    client.post(url, {"action": "remove", "role": "users", "user": colleague.pk})
    assert not role_group(archive, "users").user_set.filter(pk=colleague.pk).exists()
    response = client.post(url, {"action": "add", "username": "nobody", "role": "users"})
    assert "There is no active user" in response.content.decode()
    # the last editor stays
    client.post(url, {"action": "remove", "role": "editors", "user": user.pk})
    assert role_group(archive, "editors").user_set.filter(pk=user.pk).exists()


def test_upload_session_page_shows_status_and_per_file_errors(client, user, other_user):
    session = RawImageUploadSession.objects.create(
        creator=user,
        status="Failed",
        error_message="No image could be built.",
        file_errors={"notes.txt": "notes.txt: not an image format Tessera reads."},
    )
    login(client, user)
    page = client.get(reverse("cases:upload-session", args=[session.pk])).content.decode()
    assert "notes.txt" in page and "Failed" in page
    status = client.get(reverse("cases:upload-session-status", args=[session.pk])).json()
    assert status["finished"] and status["file_errors"]["notes.txt"]
    login(client, other_user)
    assert client.get(reverse("cases:upload-session", args=[session.pk])).status_code == 404


def test_add_cases_page_has_the_upload_widget_and_starts_an_import(client, user):
    from tests.cases.helpers import completed_upload

    archive, _, _ = archive_with_image(user)
    login(client, user)
    url = reverse("archives:add-cases", args=[archive.slug])
    page = client.get(url).content.decode()
    assert "data-upload-widget" in page and "generic-medical-image" in page
    upload = completed_upload(user, "scan.mha", b"x")

    response = client.post(
        url,
        {
            "user_uploads": [f"http://testserver/api/v1/uploads/{upload.pk}/"],
            "interface": "generic-medical-image",
        },
    )

    session = RawImageUploadSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:upload-session", args=[session.pk])
    assert session.target["archive"] == str(archive.pk)
    assert "This field is required" in client.post(url, {}).content.decode()
    assert RawImageUploadSession.objects.count() == 1


def test_without_annotation_sockets_the_item_page_says_who_creates_them(client, user):
    _archive, item, _image = archive_with_image(user)
    login(client, user)
    page = client.get(item.get_absolute_url()).content.decode()
    assert "only the site's staff create sockets: ask them for one" in page
    assert "/admin/components/componentinterface/add/" not in page  # a page they cannot use

    user.is_staff = True
    login(client, user)
    page = client.get(item.get_absolute_url()).content.decode()
    assert '<a href="/admin/components/componentinterface/add/">Create one</a>' in page
