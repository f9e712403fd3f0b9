"""The Content-Security-Policy holds and the pages still work under it (real Chromium),
and redirects to signed URLs are never cached."""

import os
import re
from collections.abc import Iterator

import pytest
from django.db import connections
from django.test import Client

from algorithms.jobs.permissions import grant_job_permissions
from algorithms.models import AlgorithmImage, Job
from tests.algorithms.factories import make_algorithm
from tests.archives.helpers import archive_with_image, login

pytestmark = pytest.mark.django_db(transaction=True)


def test_pages_carry_the_policy_and_inline_scripts_its_nonce(client, user):  # type: ignore[no-untyped-def]
    policy = client.get("/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    script_src = policy.split("script-src")[1].split(";")[0]
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src

    login(client, user)
    job = _queued_job(user)
    # the jobs list polls with an inline script (the job page uses a static file)
    response = client.get("/algorithms/jobs/")
    assert str(job.pk) in response.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])
    assert nonce is not None
    assert f'<script nonce="{nonce[1]}">' in response.content.decode()
    again = client.get("/algorithms/jobs/")["Content-Security-Policy"]
    assert nonce[1] not in again  # a fresh nonce for every response


def test_redirects_to_signed_urls_are_not_stored(client, user):  # type: ignore[no-untyped-def]
    login(client, user)
    archive, _, image = archive_with_image(user)
    archive.logo.name = "archives/logos/logo.png"
    archive.save(update_fields=["logo"])
    for url in (f"/cases/images/{image.pk}/thumbnail.png", f"/archives/{archive.slug}/logo"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "X-Amz-Signature=" in response["Location"]
        assert response["Cache-Control"] == "no-store", url
    assert client.get("/archives/").get("Cache-Control") != "no-store"  # pages are untouched


def _queued_job(user) -> Job:  # type: ignore[no-untyped-def]
    algorithm = make_algorithm(creator=user)
    algorithm_image = AlgorithmImage.objects.create(
        algorithm=algorithm, image="images/none.tar", image_sha256="0" * 64
    )
    job = Job.objects.create(
        creator=user,
        algorithm_image=algorithm_image,
        algorithm_interface=algorithm.interfaces.get(),
        time_limit=60,
    )
    grant_job_permissions(job=job)
    return job


@pytest.fixture
def browser(live_server, user, monkeypatch) -> Iterator:  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    client = Client()
    login(client, user)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        context = chromium.new_context()
        context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": live_server.url,
                }
            ]
        )
        try:
            yield context.new_page()
        finally:
            chromium.close()
            connections.close_all()


def test_main_pages_report_no_csp_violation_and_the_viewer_draws(browser, live_server, user):  # type: ignore[no-untyped-def]
    archive, item, image = archive_with_image(user)
    job = _queued_job(user)
    algorithm = job.algorithm_image.algorithm
    page = browser
    violations: list[str] = []
    current = [""]
    page.on(
        "console",
        lambda message: (
            violations.append(f"{current[0]}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.expose_function("reportViolation", lambda text: violations.append(f"{current[0]}: {text}"))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e =>"
        " window.reportViolation(e.violatedDirective + ' ' + e.blockedURI));"
    )
    pages = [
        "/",
        "/archives/",
        f"/archives/{archive.slug}/",
        f"/archives/{archive.slug}/items/{item.pk}/",
        f"/cases/images/{image.pk}/",
        "/algorithms/",
        f"/algorithms/{algorithm.slug}/",
        f"/algorithms/jobs/{job.pk}/",
        "/uploads/",
        "/api/v1/schema/ui/",
    ]
    for path in pages:
        current[0] = path
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
        if path.startswith("/cases/images/"):
            # the viewer fetched the image (through the signed redirect) and drew it
            page.wait_for_selector(".tessera-viewer[data-state=ready]")
        if path == "/api/v1/schema/ui/":
            page.wait_for_selector(".swagger-ui .info")
    assert violations == []
    if os.environ.get("CSP_SCREENSHOT"):
        page.screenshot(path=os.environ["CSP_SCREENSHOT"], full_page=True)
