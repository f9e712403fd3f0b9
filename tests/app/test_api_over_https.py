"""With API_HTTPS_URL set (as `make run` does), the plain-HTTP listener serves pages only:
API reads redirect to HTTPS, API writes are refused naming the HTTPS URL."""

import pytest
from django.test import override_settings

from app.services import api_token_create

pytestmark = pytest.mark.django_db
HTTPS = "https://127.0.0.1:8443"


@override_settings(API_HTTPS_URL=HTTPS + "/")
def test_api_over_plain_http_redirects_reads_and_refuses_writes(client, user):  # type: ignore[no-untyped-def]
    _, secret = api_token_create(user=user, name="ci", days=1)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    read = client.get("/api/v1/algorithms/?limit=5", **bearer)
    assert read.status_code == 301
    assert read["Location"] == f"{HTTPS}/api/v1/algorithms/?limit=5"

    write = client.post("/api/v1/uploads/", {"filename": "a.mha"}, **bearer)
    assert write.status_code == 403
    assert write.json()["detail"] == (
        f"The API is served over HTTPS only: send this request to {HTTPS}/api/v1/uploads/"
    )
    # A token sent to a page path over plain HTTP is not honoured there either.
    assert client.get("/archives/", **bearer).status_code == 301

    # Pages stay on plain HTTP; the same request over HTTPS is served.
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/algorithms/", secure=True, **bearer).status_code == 200


def test_without_the_setting_the_api_answers_on_any_scheme(client, user):  # type: ignore[no-untyped-def]
    _, secret = api_token_create(user=user, name="ci", days=1)
    response = client.get("/api/v1/algorithms/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
