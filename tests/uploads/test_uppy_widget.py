"""The Uppy upload widget in Chromium against the live server, store and Celery: a folder
of DICOM files goes up with one summary line and is imported; a file that cannot be sent
is listed on top with its reason; a dropped connection is resumed."""

import base64
import os
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

from archives.services import archive_create
from cases.models import RawImageUploadSession
from cases.synthetic import write_ct_series
from tests.cases.helpers import wait_for_sessions
from tests.uploads.conftest import MiB, stored_bytes
from uploads.models import UserUpload

S3_PART = re.compile(r".*[?&]partNumber=(\d+).*")
SHOTS = Path(settings.VAR_DIR) / "screenshots" / "uploads"


@pytest.fixture
def page(live_server, user, monkeypatch) -> Iterator:  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    user.save()  # the factory's password only lives on the instance until saved
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM calls between steps
    client = Client()
    client.force_login(user)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": live_server.url,
                }
            ]
        )
        page = context.new_page()
        page.set_default_timeout(30_000)
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.errors = errors  # type: ignore[attr-defined]
        try:
            yield page
        finally:
            browser.close()
            connections.close_all()  # Playwright-time ORM connections block the DB drop


def expect(locator):  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    return expect(locator)


def _summary(page) -> str:  # type: ignore[no-untyped-def]
    return page.text_content(".upload-summary-text") or ""


def test_a_folder_goes_up_with_one_summary_and_is_imported(  # type: ignore[no-untyped-def]
    page, live_server, user, tmp_path, celery_worker
):
    archive = archive_create(creator=user, title="Lung screening")
    series = tmp_path / "series"
    write_ct_series(series, slices=30, size=32)
    (series / "empty.dcm").write_bytes(b"")

    page.goto(f"{live_server.url}/archives/{archive.slug}/add-cases/")
    page.wait_for_selector("[data-upload-widget][data-ready=true]")
    page.set_input_files("#id_user_uploads-folder", str(series))
    expect(page.locator(".upload-summary-text")).to_contain_text("30 of 31 files", timeout=90_000)
    summary = _summary(page)
    assert "1 failed" in summary and "all" not in summary, summary
    # the refused file is on top, with its reason; the per-file list is folded away
    failed = page.inner_text(".upload-failed")
    assert "empty.dcm" in failed and "The file is empty (0 bytes)." in failed
    assert not page.is_visible(".upload-files")
    page.click(".upload-details summary")
    assert page.locator(".upload-file[data-state=done]").count() == 30
    assert page.locator("input[type=hidden][name=user_uploads]").count() == 30
    page.screenshot(path=str(SHOTS / "folder-uploaded.png"), full_page=True)
    # the same folder again: nothing is sent twice, and the page says why
    page.set_input_files("#id_user_uploads-folder", str(series))
    expect(page.locator(".upload-note")).to_contain_text("30 files were not added again")
    assert page.locator("input[type=hidden][name=user_uploads]").count() == 30
    assert page.locator(".upload-failed li").count() == 1

    page.get_by_role("button", name="Start import").click()
    page.wait_for_url(re.compile(r".*/upload-sessions/.*"))
    (session,) = wait_for_sessions(RawImageUploadSession.objects.get(creator=user).pk)
    page.wait_for_selector("#session-images a")  # the page follows the import by itself
    assert session.status == RawImageUploadSession.Status.SUCCEEDED, session.error_message
    assert session.image_set.count() == 1  # the 30 slices are one series
    assert archive.items.count() == 1
    assert not page.errors  # type: ignore[attr-defined]


def test_a_dropped_connection_is_resumed_without_resending_stored_parts(  # type: ignore[no-untyped-def]
    page, live_server, user, tmp_path
):
    data = os.urandom(12 * MiB)  # two parts of 8 MiB
    path = tmp_path / "ct-volume.mha"
    path.write_bytes(data)
    dropped: list[str] = []
    sent: list[str] = []

    def drop_part_2(route):  # type: ignore[no-untyped-def]
        match = S3_PART.match(route.request.url)
        if route.request.method == "PUT" and match:
            sent.append(match[1])
            if match[1] == "2" and not dropped:
                dropped.append(route.request.url)
                route.abort("internetdisconnected")
                return
        route.continue_()

    page.route(re.compile(r".*[?&]uploadId=.*"), drop_part_2)
    page.goto(f"{live_server.url}/uploads/")
    page.wait_for_selector("[data-upload-widget][data-ready=true]")
    # one try per part: the file fails at the first drop, so the user sees it and retries
    page.eval_on_selector(
        "[data-upload-widget]",
        "e => e.uploadWidget.uppy.getPlugin('TesseraMultipart').opts.maxAttempts = 1",
    )
    page.set_input_files("#id_uploads-files", str(path))
    page.wait_for_selector(".upload-failed:not([hidden])")
    assert "ct-volume.mha" in page.inner_text(".upload-failed")
    assert "connection dropped" in page.inner_text(".upload-failed")
    page.get_by_role("button", name="Retry failed files").click()
    expect(page.locator(".upload-summary-text")).to_contain_text("1 of 1 file,")
    assert page.locator(".upload-failed").is_hidden()
    assert sent.count("1") == 1  # part 1 was stored once and listed, not sent again
    upload = UserUpload.objects.get(creator=user)
    assert upload.status == UserUpload.Status.COMPLETED
    assert stored_bytes(upload.key) == data
    page.get_by_role("button", name="Done").click()
    page.wait_for_selector("text=Received 1 upload(s): ct-volume.mha")


DROP = """([root, files]) => {
  const transfer = new DataTransfer();
  for (const [name, b64] of files) {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    transfer.items.add(new File([bytes], name));
  }
  for (const type of ["dragenter", "dragover", "drop"]) {
    const init = {dataTransfer: transfer, bubbles: true, cancelable: true};
    root.dispatchEvent(new DragEvent(type, init));
  }
}"""


def test_a_dropped_zip_of_a_series_is_uploaded_and_imported(  # type: ignore[no-untyped-def]
    page, live_server, user, tmp_path, celery_worker
):
    archive = archive_create(creator=user, title="Dropped")
    series = tmp_path / "series"
    write_ct_series(series, slices=5, size=32)
    packed = tmp_path / "series.zip"
    with zipfile.ZipFile(packed, "w") as zf:
        for f in series.iterdir():
            zf.write(f, f"series/{f.name}")
    payload = [["series.zip", base64.b64encode(packed.read_bytes()).decode()]]

    page.goto(f"{live_server.url}/archives/{archive.slug}/add-cases/")
    page.wait_for_selector("[data-upload-widget][data-ready=true]")
    root = page.query_selector("[data-upload-widget]")
    page.evaluate(DROP, [root, payload])
    expect(page.locator(".upload-summary-text")).to_contain_text("1 of 1 file,", timeout=60_000)
    assert "all uploaded" in _summary(page)
    page.get_by_role("button", name="Start import").click()
    page.wait_for_url(re.compile(r".*/upload-sessions/.*"))
    (session,) = wait_for_sessions(RawImageUploadSession.objects.get(creator=user).pk)
    assert session.status == RawImageUploadSession.Status.SUCCEEDED, session.error_message
    assert archive.items.count() == 1
