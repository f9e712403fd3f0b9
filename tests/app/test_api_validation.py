"""Malformed JSON, unknown fields and oversized bodies: 400 naming the problem, nothing written."""

import pytest

from app.models import ApiToken

pytestmark = pytest.mark.django_db
URL = "/api/v1/tokens/"


@pytest.fixture
def signed_in(api_client, user):  # type: ignore[no-untyped-def]
    api_client.force_authenticate(user)
    return api_client


def test_malformed_json_names_the_parse_problem(signed_in):  # type: ignore[no-untyped-def]
    response = signed_in.post(URL, '{"name": "ci",', content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]
    assert "line 1" in response.json()["detail"]
    assert not ApiToken.objects.exists()


def test_unknown_fields_are_named(signed_in):  # type: ignore[no-untyped-def]
    response = signed_in.post(URL, {"name": "ci", "dayz": 3, "owner": 1}, format="json")
    assert response.status_code == 400
    assert response.json() == {"dayz": ["Unknown field."], "owner": ["Unknown field."]}
    assert not ApiToken.objects.exists()


def test_unknown_fields_are_named_along_with_invalid_ones(signed_in):  # type: ignore[no-untyped-def]
    response = signed_in.post(URL, {"name": "ci", "days": 0, "dayz": 3}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"days", "dayz"}
    assert not ApiToken.objects.exists()


def test_body_over_the_limit_is_refused_naming_the_limit(signed_in, settings):  # type: ignore[no-untyped-def]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"name": "' + "x" * 2000 + '"}'
    response = signed_in.post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert "the limit is 1000 bytes" in response.json()["detail"]
    assert not ApiToken.objects.exists()


def test_the_json_parser_enforces_the_limit_without_content_length(settings):  # type: ignore[no-untyped-def]
    """Bodies whose size is not announced (chunked) are cut off at the limit as they are read."""
    import io

    from rest_framework.exceptions import ParseError

    from app.parsers import LimitedJSONParser

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    with pytest.raises(ParseError, match="limit is 1000 bytes"):
        LimitedJSONParser().parse(io.BytesIO(b'{"a": "' + b"x" * 5000 + b'"}'))
    assert LimitedJSONParser().parse(io.BytesIO(b'{"a": 1}')) == {"a": 1}
