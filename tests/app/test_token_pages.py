"""The API tokens page, the tokens API and `manage.py create_api_token`."""

import io
import re

import pytest
from django.core.management import CommandError, call_command

from app.models import ApiToken, AuditRecord

pytestmark = pytest.mark.django_db


def test_token_page_shows_the_secret_once_and_the_token_works(client, user, api_client):  # type: ignore[no-untyped-def]
    client.force_login(user)
    created = client.post("/accounts/tokens/", {"name": "CI pipeline", "days": 7})
    assert created.status_code == 302 and created["Location"] == "/accounts/tokens/"
    page = client.get("/accounts/tokens/").content.decode()
    secret = re.search(r'id="token-secret">([^<]+)<', page).group(1)  # type: ignore[union-attr]
    assert "shown only this once" in page
    token = ApiToken.objects.get(user=user)
    assert token.name == "CI pipeline" and secret.startswith(token.prefix)
    assert round((token.expires - token.created).total_seconds() / 86400) == 7
    listing = client.get("/accounts/tokens/").content.decode()
    assert "CI pipeline" in listing and secret not in listing and "active" in listing
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api_client.get("/api/v1/tokens/").json()["results"][0]["name"] == "CI pipeline"
    assert AuditRecord.objects.filter(action="token-created", actor=user).count() == 1


def test_reloading_after_creating_a_token_makes_no_second_token(client, user):  # type: ignore[no-untyped-def]
    client.force_login(user)
    shown = client.post("/accounts/tokens/", {"name": "laptop", "days": 7}, follow=True)
    assert shown.redirect_chain == [("/accounts/tokens/", 302)]
    assert 'id="token-secret"' in shown.content.decode()
    assert 'data-copy="token-secret"' in shown.content.decode()  # the copy button
    reloaded = client.get("/accounts/tokens/").content.decode()  # what a browser reload does
    assert ApiToken.objects.filter(user=user).count() == 1
    assert 'id="token-secret"' not in reloaded and "laptop" in reloaded


def test_revoking_asks_for_confirmation_first(client, user):  # type: ignore[no-untyped-def]
    from app.services import api_token_create

    token, _ = api_token_create(user=user, name="old desktop", days=1)
    client.force_login(user)
    listing = client.get("/accounts/tokens/").content.decode()
    assert f'href="/accounts/tokens/{token.pk}/revoke/"' in listing
    confirm = client.get(f"/accounts/tokens/{token.pk}/revoke/").content.decode()
    assert "Revoke the token “old desktop”?" in confirm and "cannot be undone" in confirm
    token.refresh_from_db()
    assert token.status == "active"  # opening the confirmation revokes nothing
    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.status == "revoked"


def test_bad_expiry_is_refused(client, user):  # type: ignore[no-untyped-def]
    client.force_login(user)
    page = client.post("/accounts/tokens/", {"name": "x", "days": 0}).content.decode()
    assert "greater than or equal to 1" in page
    assert not ApiToken.objects.exists()


def test_only_the_owner_sees_and_revokes_a_token(client, user, other_user, api_client):  # type: ignore[no-untyped-def]
    from app.services import api_token_create

    token, secret = api_token_create(user=user, name="old desktop", days=1)
    client.force_login(other_user)
    assert "old desktop" not in client.get("/accounts/tokens/").content.decode()
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    client.force_login(user)
    response = client.post(f"/accounts/tokens/{token.pk}/revoke/", follow=True)
    assert "revoked" in response.content.decode()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api_client.get("/api/v1/tokens/").status_code == 401
    assert AuditRecord.objects.filter(action="token-revoked", actor=user).count() == 1


def test_token_page_needs_sign_in(client):  # type: ignore[no-untyped-def]
    assert client.get("/accounts/tokens/")["Location"].startswith("/accounts/login/")


def test_tokens_api_creates_lists_and_revokes_own_tokens(api_client, user, other_user):  # type: ignore[no-untyped-def]
    api_client.force_authenticate(user)
    created = api_client.post("/api/v1/tokens/", {"name": "ci", "days": 3}, format="json")
    assert created.status_code == 201
    secret = created.json()["token"]
    assert created.json()["status"] == "active" and "days" not in created.json()
    pk = created.json()["id"]
    listed = api_client.get("/api/v1/tokens/").json()
    assert listed["count"] == 1 and "token" not in listed["results"][0]
    api_client.force_authenticate(other_user)
    assert api_client.delete(f"/api/v1/tokens/{pk}/").status_code == 404
    api_client.force_authenticate(user)
    assert api_client.delete(f"/api/v1/tokens/{pk}/").status_code == 204
    assert api_client.get(f"/api/v1/tokens/{pk}/").json()["status"] == "revoked"
    api_client.force_authenticate(None)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api_client.get("/api/v1/tokens/").status_code == 401


def test_create_api_token_command(user, api_client):  # type: ignore[no-untyped-def]
    out = io.StringIO()
    call_command(
        "create_api_token",
        user.username,
        "--name",
        "cli",
        "--days",
        "2",
        stdout=out,
        stderr=io.StringIO(),
    )
    secret = out.getvalue().strip()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api_client.get("/api/v1/tokens/").json()["results"][0]["name"] == "cli"
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("create_api_token", "nobody")
    with pytest.raises(CommandError, match="between 1 and 365"):
        call_command("create_api_token", user.username, "--days", "400")
