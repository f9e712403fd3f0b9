"""In Chromium, the rest of a newcomer's first visit (creator rights: test_newcomer_browser):
drop a 40-file DICOM series on the upload widget, follow one summary line, find the image
named from its series description, then run a public algorithm on it and watch the job
page go from queued to succeeded with its outputs, output viewer, timings and logs, without
a reload."""

import base64
import re
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Permission, User
from django.db import connections
from django.test import Client

from archives.services import archive_create
from cases.models import Image
from cases.synthetic import write_ct_series
from tests.algorithms.test_jobs_support import copy_algorithm_for
from tests.factories import UserFactory
from tests.uploads.test_uppy_widget import DROP

SHOTS = Path(settings.VAR_DIR) / "screenshots" / "newcomer"


def test_newcomer_drops_a_series_and_runs_an_algorithm_on_it(  # type: ignore[no-untyped-def]
    browser, live_server, celery_worker, tmp_path
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    newcomer: User = UserFactory()  # type: ignore[assignment]
    newcomer.user_permissions.add(Permission.objects.get(codename="add_archive"))
    algorithm = copy_algorithm_for(UserFactory())  # someone else's, public
    algorithm.public = True
    algorithm.save()
    archive = archive_create(creator=newcomer, title="My first CTs")
    series = tmp_path / "series"
    write_ct_series(series, slices=40, size=32)
    files = [[p.name, base64.b64encode(p.read_bytes()).decode()] for p in sorted(series.iterdir())]

    client = Client()
    client.force_login(newcomer)
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{live_server.url}/archives/{archive.slug}/add-cases/")
        page.wait_for_selector("[data-upload-widget][data-ready=true]")
        page.evaluate(DROP, [page.query_selector("[data-upload-widget]"), files])
        summary = page.locator(".upload-summary-text")
        summary.filter(has_text="40 of 40 files").wait_for(timeout=90_000)
        assert "all uploaded" in summary.inner_text()
        assert page.locator(".upload-failed li").count() == 0
        page.screenshot(path=str(SHOTS / "series-dropped-1400.png"), full_page=True)
        page.get_by_role("button", name="Start import").click()
        page.wait_for_url(re.compile(r".*/upload-sessions/.*"))
        page.wait_for_selector("#session-images a", timeout=120_000)  # follows the import
        image = Image.objects.get(origin__creator=newcomer)
        assert image.name == "CT Chest"  # series description, scrubbed of the patient
        assert "CT Chest" in page.inner_text("#session-images")
        page.screenshot(path=str(SHOTS / "series-imported-1400.png"), full_page=True)

        page.goto(f"{live_server.url}/algorithms/{algorithm.slug}/")
        page.get_by_role("link", name="Try it out").click()
        page.get_by_role("radio", name=re.compile("CT Chest")).check()
        page.get_by_label("Probability").fill("0.4")
        page.screenshot(path=str(SHOTS / "try-out-1400.png"), full_page=True)
        page.get_by_role("button", name="Run the algorithm").click()
        page.wait_for_url(re.compile(r".*/algorithms/jobs/[0-9a-f-]+/$"))
        page.evaluate("window.notReloaded = true")
        status = page.locator("#job-status .job-status")
        status.filter(has_text="Succeeded").wait_for(timeout=180_000)
        assert '"threshold": 0.4' in page.inner_text("#job-outputs")
        assert page.get_by_role("button", name="Cancel job").count() == 0
        assert "No outputs" not in page.inner_text("main")
        # the rest of the page followed: output viewer, timings, logs
        viewers = page.locator("#job-viewers .tessera-viewer")
        viewers.nth(1).and_(page.locator("[data-state=ready]")).wait_for(timeout=60_000)
        assert "appear here when the job succeeds" not in page.inner_text("main")
        assert "Succeeded" in page.inner_text("#job-timings")
        assert "done" in page.inner_text("#job-logs")  # the algorithm's stdout
        assert page.evaluate("window.notReloaded") is True  # updated in place
        page.screenshot(path=str(SHOTS / "job-succeeded-1400.png"), full_page=True)
        assert errors == []
    finally:
        context.close()
        connections.close_all()  # Playwright-time ORM connections block the DB drop
