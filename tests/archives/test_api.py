"""Archive, archive item and upload session API beyond the gcapi round trip."""

import pytest
from django.contrib.auth.models import Permission

from app.permissions import add_member, role_group
from archives.models import Archive, ArchiveItem
from cases.models import RawImageUploadSession
from tests.archives.helpers import archive_with_image, new_user
from tests.cases.helpers import completed_upload

pytestmark = pytest.mark.django_db


def test_only_archive_creators_create_archives_and_become_editors(api_client, user):
    api_client.force_authenticate(user)
    refused = api_client.post("/api/v1/archives/", {"title": "Mine"}, format="json")
    assert refused.status_code == 403
    assert Archive.objects.count() == 0

    user.user_permissions.add(Permission.objects.get(codename="add_archive"))
    user = type(user).objects.get(pk=user.pk)  # fresh permission cache
    api_client.force_authenticate(user)
    created = api_client.post(
        "/api/v1/archives/", {"title": "Mine", "description": "d"}, format="json"
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["slug"] == "mine" and body["api_url"].endswith(f"/archives/{body['pk']}/")
    archive = Archive.objects.get()
    assert role_group(archive, "editors").user_set.filter(pk=user.pk).exists()
    again = api_client.post("/api/v1/archives/", {"title": "Mine"}, format="json").json()
    assert again["slug"] == "mine-2"
    unknown = api_client.post("/api/v1/archives/", {"title": "X", "colour": "red"}, format="json")
    assert unknown.status_code == 400 and "colour" in unknown.json()


def test_upload_session_api_creates_an_import_into_an_archive_and_shows_only_own(
    api_client, user, other_user
):
    archive, _, _ = archive_with_image(user)
    upload = completed_upload(user, "scan.mha", b"not really")
    api_client.force_authenticate(user)
    url = f"http://testserver/api/v1/uploads/{upload.pk}/"

    response = api_client.post(
        "/api/v1/cases/upload-sessions/",
        {"uploads": [url], "archive": archive.slug},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "Queued"
    assert body["user_uploads"] == [url] and body["uploads"] == [url]
    session = RawImageUploadSession.objects.get()
    assert session.target == {
        "kind": "archive",
        "archive": str(archive.pk),
        "interface": "generic-medical-image",
    }
    assert api_client.get("/api/v1/cases/upload-sessions/").json()["count"] == 1
    api_client.force_authenticate(other_user)
    assert api_client.get("/api/v1/cases/upload-sessions/").json()["count"] == 0
    assert api_client.get(f"/api/v1/cases/upload-sessions/{session.pk}/").status_code == 404


def test_upload_session_refuses_archives_the_user_may_not_add_to(api_client, user):
    archive, _, _ = archive_with_image(new_user())
    viewer = user
    add_member(obj=archive, role="users", user=viewer)
    upload = completed_upload(viewer, "scan.mha", b"x")
    api_client.force_authenticate(viewer)
    response = api_client.post(
        "/api/v1/cases/upload-sessions/",
        {"uploads": [str(upload.pk)], "archive": archive.slug},
        format="json",
    )
    assert response.status_code == 400
    assert "may not add cases" in str(response.json())
    response = api_client.post(
        "/api/v1/cases/upload-sessions/",
        {"uploads": [str(upload.pk)], "archive": "no-such-archive"},
        format="json",
    )
    assert "was not found" in str(response.json())
    assert RawImageUploadSession.objects.count() == 0


def test_archive_item_patch_sets_and_replaces_values(api_client, user):
    archive, _item, image = archive_with_image(user)
    api_client.force_authenticate(user)
    image_url = f"http://testserver/api/v1/cases/images/{image.pk}/"

    created = api_client.post(
        "/api/v1/archives/items/",
        {"archive": f"http://testserver/api/v1/archives/{archive.pk}/"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["pk"]
    patched = api_client.patch(
        f"/api/v1/archives/items/{pk}/",
        {"values": [{"interface": "generic-medical-image", "image": image_url}]},
        format="json",
    )
    assert patched.status_code == 200, patched.json()
    assert patched.json()["values"][0]["image"] == image_url
    assert patched.json()["values"][0]["interface"] == "generic-medical-image"
    # again: the value is replaced, not added
    api_client.patch(
        f"/api/v1/archives/items/{pk}/",
        {"values": [{"interface": "generic-medical-image", "image": image_url}]},
        format="json",
    )
    assert ArchiveItem.objects.get(pk=pk).values.count() == 1

    bad = api_client.patch(
        f"/api/v1/archives/items/{pk}/",
        {"values": [{"interface": "no-such-socket", "value": 1}]},
        format="json",
    )
    assert bad.status_code == 400 and "no-such-socket" in str(bad.json())

    detail = api_client.get(f"/api/v1/archives/items/{pk}/").json()
    assert detail["values"][0]["interface"]["slug"] == "generic-medical-image"
    assert detail["values"][0]["interface"]["super_kind"] == "Image"


def test_users_of_an_archive_cannot_change_its_items(api_client, user):
    archive, item, _ = archive_with_image(new_user())
    add_member(obj=archive, role="users", user=user)
    api_client.force_authenticate(user)
    response = api_client.patch(
        f"/api/v1/archives/items/{item.pk}/", {"title": "mine now"}, format="json"
    )
    assert response.status_code == 403
    outsider = new_user()
    api_client.force_authenticate(outsider)
    response = api_client.patch(
        f"/api/v1/archives/items/{item.pk}/", {"title": "mine now"}, format="json"
    )
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.title == ""


def test_image_that_does_not_fit_the_overlay_segments_is_refused(api_client, user):
    from components.models import ComponentInterface

    ComponentInterface.objects.filter(slug="segmentation").update(
        overlay_segments=[{"name": "organ", "visible": True, "voxel_value": 1}]
    )
    _archive, item, image = archive_with_image(user)
    image.segments = [0, 1]
    image.save()
    api_client.force_authenticate(user)
    before = item.values.count()

    response = api_client.patch(
        f"/api/v1/archives/items/{item.pk}/",
        {
            "values": [
                {
                    "interface": "segmentation",
                    "image": f"http://testserver/api/v1/cases/images/{image.pk}/",
                }
            ]
        },
        format="json",
    )

    assert response.status_code == 400
    assert "holds voxel values [0] that are not among the socket's overlay segments [1]" in str(
        response.json()
    )
    assert item.values.count() == before
