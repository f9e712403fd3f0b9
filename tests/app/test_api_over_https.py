"""With API_HTTPS_URL set (as `make run` does), the plain-HTTP listener serves pages only:
API reads redirect to HTTPS, API writes are refused naming the HTTPS URL."""

import os
import socket
import subprocess
import sys
import time

import pytest
import requests
from django.db import connection
from django.test import override_settings

from app.services import api_token_create
from app.tls import ensure_certificates

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.django_db(transaction=True)
def test_make_runs_two_listeners_split_pages_and_api(tmp_path):  # type: ignore[no-untyped-def]
    """The real thing: gunicorn on plain HTTP and on HTTPS, as `make run` starts them, with
    the API_HTTPS_URL that `make run` sets for its children."""
    tls = ensure_certificates(tmp_path / "tls")
    http_port, https_port = _free_port(), _free_port()
    https_url = f"https://127.0.0.1:{https_port}"
    db = connection.settings_dict  # the servers use this test's database
    env = {
        **os.environ,
        "API_HTTPS_URL": https_url,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    gunicorn = [sys.executable, "-m", "gunicorn", "app.wsgi:application", "--workers=1"]
    servers = [
        subprocess.Popen(
            [*gunicorn, "--no-control-socket", f"--bind=127.0.0.1:{http_port}"], env=env
        ),
        subprocess.Popen(
            [
                *gunicorn,
                "--no-control-socket",
                f"--bind=127.0.0.1:{https_port}",
                f"--certfile={tls.cert}",
                f"--keyfile={tls.key}",
            ],
            env=env,
        ),
    ]
    try:
        http = f"http://127.0.0.1:{http_port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{http}/", timeout=(2, 60))
                requests.get(f"{https_url}/", timeout=(2, 60), verify=str(tls.ca))
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "gunicorn did not come up"
                time.sleep(0.3)

        read = requests.get(f"{http}/api/v1/gcapi/", allow_redirects=False, timeout=10)
        assert read.status_code == 301
        assert read.headers["Location"] == f"{https_url}/api/v1/gcapi/"
        write = requests.post(f"{http}/api/v1/uploads/", json={}, timeout=10)
        assert write.status_code == 403
        assert write.json()["detail"] == (
            f"The API is served over HTTPS only: send this request to {https_url}/api/v1/uploads/"
        )
        assert requests.get(f"{http}/", timeout=10).status_code == 200

        served = requests.get(f"{https_url}/api/v1/gcapi/", timeout=10, verify=str(tls.ca))
        assert served.status_code == 200 and served.json()["latest_version"] == "0.16.1"
        # The HTTPS listener serves writes (this one fails only for want of credentials).
        anonymous = requests.post(f"{https_url}/api/v1/uploads/", timeout=10, verify=str(tls.ca))
        assert anonymous.status_code == 401
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
