"""Query counts of list endpoints: a page of 20 costs the same queries as a page of 2."""

from collections.abc import Callable

from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from app.services import api_token_create


def token_client(user: User) -> APIClient:
    """A client that authenticates as gcapi does (Bearer token), so auth is counted too."""
    _, secret = api_token_create(user=user, name="query counts", days=1)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    # the first use stamps the token's last_used (once a minute): not part of any list
    assert client.get("/api/v1/gcapi/").status_code == 200
    return client


def page_queries(client: APIClient, url: str, expected: int) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    body = response.json()
    results = body["results"] if isinstance(body, dict) else body
    assert len(results) == expected, (url, len(results))
    return [q["sql"] for q in queries.captured_queries]


def assert_queries_constant_in_page_size(
    client: APIClient, url: str, add: Callable[[int], object], *, already: int = 0
) -> int:
    """List url with 2 objects, then with 20: the same number of queries both times.

    `add(n)` creates n more objects the client sees; `already` counts those listed
    before any were added. Returns that number of queries.
    """
    add(2)
    page_queries(client, url, already + 2)  # fills per-process caches (content types)
    small = page_queries(client, url, already + 2)
    add(18)
    large = page_queries(client, url, min(already + 20, 20))
    assert len(large) == len(small), (
        f"{url}: {len(small)} queries for {already + 2} objects, {len(large)} for 20:\n"
        + "\n".join(large)
    )
    return len(large)
