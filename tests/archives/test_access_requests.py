"""Public archives: anyone signed in sees one exists and may request access; its editors
answer on a requests page, by hand or by the archive's policy. Items stay members-only."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from app.models import AccessRequest, AccessRequestHandling
from archives.services import archive_create
from tests.archives.helpers import archive_with_image, new_user

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_private_archive_stays_hidden_from_non_members(user):  # type: ignore[no-untyped-def]
    archive_create(creator=new_user(), title="Secret scans")
    newcomer = _client(user)
    assert "Secret scans" not in newcomer.get("/archives/").content.decode()
    assert newcomer.get("/archives/secret-scans/").status_code == 404
    assert newcomer.get("/archives/secret-scans/request-access/").status_code == 404


def test_public_archive_is_listed_and_access_is_requested_and_accepted(  # type: ignore[no-untyped-def]
    user, django_capture_on_commit_callbacks
):
    editor = new_user()
    archive, item, _ = archive_with_image(editor, title="Open chest CT")
    archive.public = True
    archive.save()
    newcomer = _client(user)
    assert "Open chest CT" in newcomer.get("/archives/").content.decode()
    page = newcomer.get(archive.get_absolute_url()).content.decode()
    assert "Request access" in page
    assert item.get_absolute_url() not in page  # items are members-only
    assert newcomer.get(item.get_absolute_url()).status_code == 404
    assert Client().get(archive.get_absolute_url()).status_code == 404  # anonymous: nothing

    sent = newcomer.post(
        f"/archives/{archive.slug}/request-access/", {"reason": "Validating my model"}
    )
    assert sent.status_code == 302
    assert "the request is pending" in newcomer.get(archive.get_absolute_url()).content.decode()
    assert newcomer.get(f"/archives/{archive.slug}/requests/").status_code in (403, 404)

    editors = _client(editor)
    assert "Access requests (1 open)" in editors.get(archive.get_absolute_url()).content.decode()
    listing = editors.get(f"/archives/{archive.slug}/requests/").content.decode()
    assert "Validating my model" in listing
    pending = AccessRequest.objects.get(user=user)
    with django_capture_on_commit_callbacks(execute=True):
        editors.post(f"/requests/{pending.pk}/decide/", {"decision": "accept"})
    page = newcomer.get(archive.get_absolute_url()).content.decode()
    assert "was accepted" in page and "Request access" not in page
    assert newcomer.get(item.get_absolute_url()).status_code == 200
    assert "“Open chest CT” was accepted" in mail.outbox[0].subject


def test_editors_set_public_and_policy_and_verified_users_get_in_at_once(user):  # type: ignore[no-untyped-def]
    editor = new_user()
    archive = archive_create(creator=editor, title="Brain MR")
    editors = _client(editor)
    saved = editors.post(
        "/archives/brain-mr/requests/",
        {"public": "on", "access_request_handling": AccessRequestHandling.ACCEPT_VERIFIED_USERS},
    )
    assert saved.status_code == 302
    archive.refresh_from_db()
    assert archive.public
    assert archive.access_request_handling == AccessRequestHandling.ACCEPT_VERIFIED_USERS
    assert _client(user).post("/archives/brain-mr/requests/", {"public": ""}).status_code in (
        403,
        404,
    )

    unverified = new_user()
    _client(unverified).post("/archives/brain-mr/request-access/", {"reason": "please"})
    assert AccessRequest.objects.get(user=unverified).status == AccessRequest.Status.PENDING

    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    _client(user).post("/archives/brain-mr/request-access/", {"reason": "please"})
    assert AccessRequest.objects.get(user=user).status == AccessRequest.Status.ACCEPTED
    assert archive.users_group.user_set.filter(pk=user.pk).exists()  # type: ignore[union-attr]
    page = _client(user).get("/archives/brain-mr/").content.decode()
    assert "Request access" not in page and "Items" in page
