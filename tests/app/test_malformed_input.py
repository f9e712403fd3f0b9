"""Every bad request shape gets a 4xx naming the problem on several endpoints, never a
500; a dead object store gets a 503 naming it."""

import html
import json
import socket

import pytest
from django.test import override_settings

from app.models import ApiToken
from uploads.models import UserUpload

pytestmark = pytest.mark.django_db

WRITE_ENDPOINTS = [
    "/api/v1/tokens/",
    "/api/v1/uploads/",
    "/api/v1/algorithms/jobs/",
    "/api/v1/archives/items/",
    "/api/v1/cases/upload-sessions/",
]


@pytest.fixture
def signed_in(api_client, user):  # type: ignore[no-untyped-def]
    api_client.force_authenticate(user)
    return api_client


def _post(client, url: str, body: bytes | str, **extra):  # type: ignore[no-untyped-def]
    return client.generic("POST", url, body, content_type="application/json", **extra)


def _nothing_written() -> None:
    assert not ApiToken.objects.exists()
    assert not UserUpload.objects.exists()


@pytest.mark.parametrize("url", WRITE_ENDPOINTS)
def test_json_nested_thousands_deep_is_refused_naming_the_depth(signed_in, url):  # type: ignore[no-untyped-def]
    body = '{"name": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = _post(signed_in, url, body)
    assert response.status_code == 400
    assert response.json() == {"detail": "JSON nested too deeply: at most 64 levels"}
    _nothing_written()


@pytest.mark.parametrize("url", WRITE_ENDPOINTS)
def test_json_nested_just_past_the_limit_is_refused(signed_in, url):  # type: ignore[no-untyped-def]
    body = '{"a": ' + "[" * 64 + "]" * 64 + "}"  # 65 levels with the outer object
    response = _post(signed_in, url, body)
    assert response.status_code == 400
    assert response.json() == {"detail": "JSON nested too deeply: at most 64 levels"}


@pytest.mark.parametrize("url", WRITE_ENDPOINTS)
def test_nul_characters_in_json_strings_are_refused(signed_in, url):  # type: ignore[no-untyped-def]
    response = _post(signed_in, url, '{"name": "a\\u0000b", "filename": "x\\u0000.mha"}')
    assert response.status_code == 400
    assert response.json() == {"detail": "JSON strings must not contain NUL characters (\\u0000)"}
    _nothing_written()


@pytest.mark.parametrize("url", WRITE_ENDPOINTS)
def test_chunked_body_without_length_gets_411_naming_the_header(signed_in, url):  # type: ignore[no-untyped-def]
    response = signed_in.generic(
        "POST",
        url,
        b"",
        content_type="application/json",
        HTTP_TRANSFER_ENCODING="chunked",
    )
    assert response.status_code == 411
    assert "Transfer-Encoding: chunked" in response.json()["detail"]
    assert "Content-Length" in response.json()["detail"]
    _nothing_written()


@pytest.mark.parametrize("url", WRITE_ENDPOINTS)
def test_body_over_the_limit_names_the_limit(signed_in, url, settings):  # type: ignore[no-untyped-def]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = _post(signed_in, url, '{"name": "' + "x" * 2000 + '"}')
    assert response.status_code == 400
    assert "the limit is 1000 bytes" in response.json()["detail"]
    _nothing_written()


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "17", "null", "true"])
@pytest.mark.parametrize("url", ["/api/v1/tokens/", "/api/v1/uploads/"])
def test_a_body_that_is_not_an_object_gets_400(signed_in, url, body):  # type: ignore[no-untyped-def]
    response = _post(signed_in, url, body)
    assert response.status_code == 400, response.content
    assert response.json()  # a message, not an empty body
    _nothing_written()


@pytest.mark.parametrize(
    "url", ["/api/v1/archives/?title=a%00b", "/api/v1/algorithms/jobs/?x=%00", "/archives/?q=%00"]
)
def test_nul_in_the_url_is_refused(signed_in, url):  # type: ignore[no-untyped-def]
    response = signed_in.get(url)
    assert response.status_code == 400
    assert b"The URL contains a NUL character (%00)" in response.content


def _dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_dead_object_store_answers_503_naming_it(signed_in, settings):  # type: ignore[no-untyped-def]
    dead = f"http://127.0.0.1:{_dead_port()}"
    # New STORAGES makes Django build the storages again, now against the dead endpoint.
    with override_settings(AWS_S3_ENDPOINT_URL=dead, STORAGES={**settings.STORAGES}):
        response = signed_in.post("/api/v1/uploads/", {"filename": "a.mha"}, format="json")
    assert response.status_code == 503
    assert response.json()["detail"].startswith("The object store (S3) is unavailable: ")
    assert dead in response.json()["detail"]
    assert response["Retry-After"] == "30"
    assert not UserUpload.objects.exists()


@pytest.mark.parametrize(
    ("exc", "message"),
    [
        (
            "botocore",
            "The object store (S3) is unavailable: Could not connect to the endpoint URL: "
            '"http://127.0.0.1:9/b". Please try again shortly.',
        ),
        (
            "kombu",
            "The task queue (broker) is unavailable: Error 111 connecting to 127.0.0.1:9. "
            "Connection refused. Please try again shortly.",
        ),
        (
            "database",
            "The database is unavailable: connection refused. Please try again shortly.",
        ),
    ],
)
def test_pages_get_a_503_page_naming_the_part_that_is_down(rf, exc, message):  # type: ignore[no-untyped-def]
    """The page side of the 503 (the API side is tested above against a dead store)."""
    from botocore.exceptions import EndpointConnectionError
    from django.db import OperationalError
    from kombu.exceptions import OperationalError as BrokerError

    from app.unavailable import ServiceUnavailableMiddleware

    error = {
        "botocore": EndpointConnectionError(endpoint_url="http://127.0.0.1:9/b"),
        "kombu": BrokerError("Error 111 connecting to 127.0.0.1:9. Connection refused."),
        "database": OperationalError("connection refused"),
    }[exc]
    middleware = ServiceUnavailableMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]
    page = middleware.process_exception(rf.get("/archives/"), error)
    assert page is not None and page.status_code == 503
    assert page["Retry-After"] == "30"
    assert "<h1>Temporarily unavailable</h1>" in page.content.decode()
    assert html.escape(message) in page.content.decode()
    api = middleware.process_exception(rf.get("/api/v1/archives/"), error)
    assert api is not None and api.status_code == 503
    assert json.loads(api.content) == {"detail": message}
    assert middleware.process_exception(rf.get("/"), ValueError("a bug")) is None  # stays a 500
