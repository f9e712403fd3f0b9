"""Creator-rights and algorithm access requests: ask with a reason, the right people decide,
the user is told by e-mail (naming the site) and by a message on their next visit."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from guardian.shortcuts import assign_perm

from app.models import AccessRequest, AuditRecord
from tests.algorithms.factories import make_algorithm
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_newcomer_asks_for_archive_creator_rights_and_staff_accept(
    user, settings, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    settings.SITE_NAME = "Lung Lab"
    newcomer = _client(user)
    listing = newcomer.get("/archives/").content.decode()
    assert "Request creator rights" in listing and "Create an archive" not in listing
    assert newcomer.get("/archives/create/").status_code == 403

    form = newcomer.get("/requests/creator/?for=archives.Archive").content.decode()
    assert "Request archive creator rights" in form and "Why do you ask?" in form
    sent = newcomer.post(
        "/requests/creator/?for=archives.Archive", {"reason": "I run the lung screening study."}
    )
    assert sent.status_code == 302 and sent["Location"] == "/archives/"
    assert "pending" in newcomer.get("/requests/creator/?for=archives.Archive").content.decode()
    # asking twice makes no second request
    newcomer.post("/requests/creator/?for=archives.Archive", {"reason": "again"})
    assert AccessRequest.objects.filter(user=user).count() == 1

    staff = _client(UserFactory(is_staff=True))
    page = staff.get("/staff/requests/").content.decode()
    assert user.username in page and "I run the lung screening study." in page
    pending = AccessRequest.objects.get(user=user)
    # the mail goes once the decision is committed
    with django_capture_on_commit_callbacks(execute=True):
        decided = staff.post(f"/requests/{pending.pk}/decide/", {"decision": "accept"})
    assert decided.status_code == 302

    assert Group.objects.get(name="archive creators").user_set.filter(pk=user.pk).exists()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert message.subject == "[Lung Lab] Your request for archive creator rights was accepted"
    assert "Lung Lab" in message.body and "127.0.0.1" not in message.body
    assert AuditRecord.objects.filter(action="permission-granted", actor__is_staff=True).exists()

    # told once on the next visit, then not again
    home = newcomer.get("/archives/").content.decode()
    assert "Your request for archive creator rights was accepted." in home
    assert "Create an archive" in home and "Request creator rights" not in home
    assert "was accepted" not in newcomer.get("/archives/").content.decode()
    assert newcomer.get("/archives/create/").status_code == 200


def test_rejected_request_is_told_and_grants_nothing(user, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    newcomer = _client(user)
    newcomer.post("/requests/creator/?for=algorithms.Algorithm", {"reason": "please"})
    pending = AccessRequest.objects.get(user=user)
    staff = _client(UserFactory(is_staff=True))
    # the mail goes once the decision is committed
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"/requests/{pending.pk}/decide/", {"decision": "reject"})
    assert not Group.objects.get(name="algorithm creators").user_set.filter(pk=user.pk).exists()
    assert mail.outbox[0].subject.endswith("algorithm creator rights was rejected")
    assert AuditRecord.objects.get(action="access-request-rejected").detail == {
        "user": user.username,
        "role": "",
    }
    assert "was rejected" in newcomer.get("/algorithms/").content.decode()
    # deciding twice is refused with a clear message, not a second mail or a grant
    again = staff.post(f"/requests/{pending.pk}/decide/", {"decision": "accept"}, follow=True)
    assert "This request was already rejected." in again.content.decode()
    assert len(mail.outbox) == 1
    assert not Group.objects.get(name="algorithm creators").user_set.filter(pk=user.pk).exists()


def test_only_staff_see_and_decide_creator_requests(user, other_user):  # type: ignore[no-untyped-def]
    _client(user).post("/requests/creator/?for=archives.Archive", {"reason": "why not"})
    pending = AccessRequest.objects.get(user=user)
    outsider = _client(other_user)
    assert outsider.get("/staff/requests/").status_code == 403
    assert (
        outsider.post(f"/requests/{pending.pk}/decide/", {"decision": "accept"}).status_code == 404
    )
    assert (
        _client(user).post(f"/requests/{pending.pk}/decide/", {"decision": "accept"}).status_code
        == 404
    )
    pending.refresh_from_db()
    assert pending.status == "pending"
    assert _client(user).get("/requests/creator/?for=nope.Model").status_code == 404


def test_a_reason_is_required(user):  # type: ignore[no-untyped-def]
    page = _client(user).post("/requests/creator/?for=archives.Archive", {"reason": ""})
    assert page.status_code == 200 and "This field is required." in page.content.decode()
    assert not AccessRequest.objects.exists()


def test_request_access_shown_to_those_who_may_not_run(user, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    from app.access_requests import access_request_create

    editor = UserFactory()
    algorithm = make_algorithm(creator=editor, title="Nodule finder")  # type: ignore[arg-type]
    # one who may see the algorithm but not run it (a viewer without the execute right)
    assign_perm("algorithms.view_algorithm", user, algorithm)
    page = _client(user).get("/algorithms/nodule-finder/").content.decode()
    assert "Request access" in page and "Try it out" not in page

    sent = _client(user).post(
        "/algorithms/nodule-finder/request-access/", {"reason": "For my thesis"}
    )
    assert sent.status_code == 302
    assert (
        "the request is pending" in _client(user).get("/algorithms/nodule-finder/").content.decode()
    )
    with pytest.raises(Exception, match="already asked"):
        access_request_create(user=user, target=algorithm, role="users", reason="x")

    editors = _client(editor)
    assert "Requests (1)" in editors.get("/algorithms/nodule-finder/").content.decode()
    listing = editors.get("/algorithms/nodule-finder/requests/").content.decode()
    assert "For my thesis" in listing
    assert _client(user).get("/algorithms/nodule-finder/requests/").status_code == 404
    pending = AccessRequest.objects.get(user=user)
    # the mail goes once the decision is committed
    with django_capture_on_commit_callbacks(execute=True):
        editors.post(f"/requests/{pending.pk}/decide/", {"decision": "accept"})
    assert algorithm.users_group.user_set.filter(pk=user.pk).exists()  # type: ignore[union-attr]
    page = _client(user).get("/algorithms/nodule-finder/").content.decode()
    assert "Try it out" in page and "Request access" not in page
    assert "was accepted" in page
    assert mail.outbox[0].subject == (
        "[Tessera] Your request for users access to the algorithm “Nodule finder” was accepted"
    )


def test_account_mails_name_the_site_not_the_host(client, settings):  # type: ignore[no-untyped-def]
    settings.SITE_NAME = "Lung Lab"
    client.post(
        "/accounts/signup/",
        {
            "email": "mailcheck@example.org",
            "username": "mailcheck",
            "password1": "a long and unusual passphrase 42",
            "password2": "a long and unusual passphrase 42",
        },
        HTTP_HOST="127.0.0.1:8000",
    )
    message = mail.outbox[-1]
    assert message.subject == "[Lung Lab] Please Confirm Your Email Address"
    assert message.body.startswith("Hello from Lung Lab!")
    assert "register an account on Lung Lab." in message.body
    # the link still works: it points at the host the user signed up on
    assert "http://127.0.0.1:8000/accounts/confirm-email/" in message.body
    assert "Thank you for using Lung Lab!" in message.body
