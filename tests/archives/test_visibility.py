"""Who sees an archive's images: members do, outsiders and anonymous users get 404."""

import os
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.conf import settings
from django.urls import reverse

from app.models import AuditRecord
from app.permissions import add_member
from tests.archives.helpers import MHA, archive_with_image, login, new_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(user):  # type: ignore[no-untyped-def]
    archive, item, image = archive_with_image(user)
    return archive, item, image


def file_url(image) -> str:  # type: ignore[no-untyped-def]
    f = image.files.get()
    return reverse("cases:image-file", args=[image.pk, f.pk, "mha"])


def test_an_outsider_cannot_list_see_or_download_the_images(client, api_client, setup, other_user):
    archive, item, image = setup
    api_client.force_authenticate(other_user)
    login(client, other_user)

    assert api_client.get("/api/v1/cases/images/").json()["count"] == 0
    assert api_client.get(f"/api/v1/cases/images/{image.pk}/").status_code == 404
    assert api_client.get(f"/api/v1/cases/images/?archive={archive.pk}").json()["count"] == 0
    assert api_client.get("/api/v1/archives/").json()["count"] == 0
    assert api_client.get(f"/api/v1/archives/{archive.pk}/").status_code == 404
    assert api_client.get(f"/api/v1/archives/?slug={archive.slug}").json()["count"] == 0
    assert api_client.get("/api/v1/archives/items/").json()["count"] == 0
    assert api_client.get(f"/api/v1/archives/items/{item.pk}/").status_code == 404
    assert api_client.get(file_url(image)).status_code == 404
    for page in (
        reverse("cases:image", args=[image.pk]),
        reverse("cases:thumbnail", args=[image.pk]),
        file_url(image),
        reverse("archives:detail", args=[archive.slug]),
        reverse("archives:item", args=[archive.slug, item.pk]),
        reverse("archives:add-cases", args=[archive.slug]),
        reverse("archives:members", args=[archive.slug]),
    ):
        assert client.get(page).status_code == 404, page
    assert archive.title not in client.get(reverse("archives:list")).content.decode()
    assert not AuditRecord.objects.filter(action=AuditRecord.Action.DOWNLOAD).exists()


def test_anonymous_users_see_nothing(client, api_client, setup):
    archive, item, image = setup
    assert api_client.get("/api/v1/cases/images/").status_code in (401, 403)
    assert api_client.get(f"/api/v1/archives/items/{item.pk}/").status_code in (401, 403)
    assert client.get(file_url(image)).status_code == 404
    assert client.get(reverse("cases:image", args=[image.pk])).status_code == 404
    assert client.get(reverse("cases:thumbnail", args=[image.pk])).status_code == 404
    assert client.get(reverse("archives:detail", args=[archive.slug])).status_code == 404
    assert archive.title not in client.get(reverse("archives:list")).content.decode()


@pytest.mark.parametrize("role", ["users", "uploaders", "editors"])
def test_members_see_and_download_and_each_download_is_audited(api_client, setup, role):
    archive, _item, image = setup
    member = new_user()
    add_member(obj=archive, role=role, user=member)
    api_client.force_authenticate(member)

    listed = api_client.get(f"/api/v1/cases/images/?archive={archive.pk}").json()
    assert [i["pk"] for i in listed["results"]] == [str(image.pk)]
    detail = api_client.get(f"/api/v1/cases/images/{image.pk}/").json()
    url = detail["files"][0]["file"]
    assert url.startswith("http://testserver/cases/images/") and url.endswith(".mha")

    response = api_client.get(url)
    assert response.status_code == 302
    signed = response["Location"]
    assert expires_in(signed) == settings.SIGNED_URL_LIFETIME == 300
    assert httpx.get(signed).content == MHA
    api_client.get(url)
    records = AuditRecord.objects.filter(action=AuditRecord.Action.DOWNLOAD, actor=member)
    assert records.count() == 2
    assert {r.detail["image"] for r in records} == {str(image.pk)}


def test_the_creator_of_an_upload_session_sees_its_images(api_client, user, other_user):
    from cases.models import RawImageUploadSession
    from tests.archives.helpers import stored_image

    session = RawImageUploadSession.objects.create(creator=other_user, status="Succeeded")
    image = stored_image()
    image.origin = session
    image.save()
    api_client.force_authenticate(other_user)
    assert api_client.get(f"/api/v1/cases/images/{image.pk}/").status_code == 200
    assert api_client.get(f"/api/v1/cases/images/?origin={session.pk}").json()["count"] == 1
    api_client.force_authenticate(user)
    assert api_client.get(f"/api/v1/cases/images/{image.pk}/").status_code == 404


def expires_in(signed: str) -> int:
    """The lifetime a SigV4 presigned URL carries, in seconds."""
    (value,) = parse_qs(urlsplit(signed).query)["X-Amz-Expires"]
    return int(value)


def test_a_longer_configured_lifetime_is_capped_at_300_seconds():
    code = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "from app.storage import signed_url\n"
        "print(settings.SIGNED_URL_LIFETIME)\n"
        "print(signed_url(bucket='protected', key='images/x.mha'))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "SIGNED_URL_LIFETIME": "3600"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out[0] == "300"
    assert expires_in(out[1]) == 300


def test_an_expired_signed_url_is_refused_by_the_store(api_client, setup, settings):  # type: ignore[no-untyped-def]
    archive, _item, image = setup
    member = new_user()
    add_member(obj=archive, role="users", user=member)
    api_client.force_authenticate(member)
    settings.SIGNED_URL_LIFETIME = 1

    signed = api_client.get(file_url(image))["Location"]
    assert expires_in(signed) == 1
    time.sleep(2.5)  # SigV4 expiry has one-second resolution

    refused = httpx.get(signed)
    assert refused.status_code == 403
    assert "<Message>Request has expired</Message>" in refused.text
    assert MHA not in refused.content
