from datetime import timedelta

import pytest
from django.utils import timezone

from app.models import ApiToken
from app.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db


def _get(client, secret: str):  # type: ignore[no-untyped-def]
    return client.get("/api/v1/", HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_valid_token_authenticates(api_client, user):  # type: ignore[no-untyped-def]
    _, secret = api_token_create(user=user, name="ci", days=1)
    assert _get(api_client, secret).status_code == 200
    # gcapi sends the keyword in capitals
    assert api_client.get("/api/v1/", HTTP_AUTHORIZATION=f"BEARER {secret}").status_code == 200


def test_wrong_expired_and_revoked_tokens_get_401(api_client, user):  # type: ignore[no-untyped-def]
    token, secret = api_token_create(user=user, name="ci", days=1)
    assert _get(api_client, secret + "x").status_code == 401
    ApiToken.objects.filter(pk=token.pk).update(expires=timezone.now() - timedelta(seconds=1))
    response = _get(api_client, secret)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    ApiToken.objects.filter(pk=token.pk).update(expires=timezone.now() + timedelta(days=1))
    api_token_revoke(token=token, actor=user)
    response = _get(api_client, secret)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_no_token_is_stored_in_clear(user):  # type: ignore[no-untyped-def]
    from django.db import connection

    _, secret = api_token_create(user=user, name="ci", days=1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM app_apitoken")
        rows = cursor.fetchall()
    assert rows
    assert not any(secret in str(value) for row in rows for value in row)


def test_a_token_cannot_mint_a_token(api_client, user):  # type: ignore[no-untyped-def]
    _, secret = api_token_create(user=user, name="ci", days=1)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = api_client.post("/api/v1/tokens/", {"name": "forever", "days": 365}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "A request authenticated with an API token cannot create API tokens. "
        "Sign in to the site and create one on /accounts/tokens/."
    )
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["ci"]
    # Listing and revoking with a token still work; a signed-in session still creates.
    assert api_client.get("/api/v1/tokens/").json()["count"] == 1
    api_client.credentials()
    api_client.force_login(user)
    created = api_client.post("/api/v1/tokens/", {"name": "second", "days": 2}, format="json")
    assert created.status_code == 201, created.json()
    assert ApiToken.objects.count() == 2
