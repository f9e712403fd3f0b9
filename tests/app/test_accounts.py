"""Sign-up, e-mail verification, sign-in, sign-out, password reset, and their audit trail."""

import re

import pytest
from django.core import mail

from app.models import AuditRecord

pytestmark = pytest.mark.django_db

PASSWORD = "a long and unusual passphrase 42"


def _link(message: object) -> str:
    found = re.search(r"https?://[^\s]+", str(message))
    assert found, message
    return found.group(0).split("testserver", 1)[-1]


def test_sign_up_verify_then_sign_in_and_out(client):  # type: ignore[no-untyped-def]
    response = client.post(
        "/accounts/signup/",
        {
            "username": "ada",
            "email": "ada@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and "ada@example.org" in mail.outbox[0].to
    # Not verified yet: signing in only re-sends the verification mail.
    client.post("/accounts/login/", {"login": "ada", "password": PASSWORD})
    assert not AuditRecord.objects.filter(action="sign-in").exists()

    confirm = _link(mail.outbox[0].body)
    client.post(confirm)
    response = client.post("/accounts/login/", {"login": "ada", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/accounts/profile/").content.decode().count("ada@example.org (verified")
    client.post("/accounts/logout/")
    assert client.get("/accounts/profile/").status_code == 302  # back to sign-in

    actions = list(AuditRecord.objects.order_by("created").values_list("action", flat=True))
    assert actions[-2:] == ["sign-in", "sign-out"]
    assert AuditRecord.objects.get(action="sign-in").actor_name == "ada"


def test_failed_sign_in_is_audited_without_the_password(client, user):  # type: ignore[no-untyped-def]
    response = client.post("/accounts/login/", {"login": user.username, "password": "wrong"})
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    record = AuditRecord.objects.get(action="sign-in-failed")
    assert record.actor is None
    assert record.detail["username"] == user.username
    assert record.address == "127.0.0.1"
    assert "wrong" not in str(record.detail)


def test_password_reset_by_mail(client, user):  # type: ignore[no-untyped-def]
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.post("/accounts/password/reset/", {"email": user.email})
    assert len(mail.outbox) == 1
    reset = client.get(_link(mail.outbox[0].body), follow=True)
    form_url = reset.redirect_chain[-1][0] if reset.redirect_chain else _link(mail.outbox[0].body)
    client.post(form_url, {"password1": PASSWORD, "password2": PASSWORD})
    assert client.login(username=user.username, password=PASSWORD)


def test_account_pages_use_the_site_layout(client):  # type: ignore[no-untyped-def]
    page = client.get("/accounts/login/").content.decode()
    assert '<nav aria-label="Main">' in page
    assert '<label for="id_login">' in page
    assert "<title>Sign In — Tessera</title>" in page.replace("\n", "").replace("    ", "")
