"""The browser widget, driven by a real Chromium against the live server and store."""

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections
from django.test import Client

from app.storage import bucket_name, s3_client
from tests.uploads.conftest import MiB, stored_bytes
from uploads.models import UserUpload

S3_PART = re.compile(r".*[?&]partNumber=(\d+).*")


@pytest.fixture
def logged_in_user(user):  # type: ignore[no-untyped-def]
    user.save()  # the factory's password only lives on the instance until saved
    return user


def test_page_lists_only_my_uploads_and_needs_a_login(client, logged_in_user, other_user):
    from uploads import services

    services.upload_create(creator=logged_in_user, filename="mine.mha")
    services.upload_create(creator=other_user, filename="theirs.mha")
    assert client.get("/uploads/").status_code == 302
    client.force_login(logged_in_user)
    page = client.get("/uploads/").content.decode()
    assert "mine.mha" in page
    assert "theirs.mha" not in page
    assert "data-upload-widget" in page and "webkitdirectory" in page
    # a form shown again (an error elsewhere) keeps the finished uploads and says so
    upload = services.upload_create(creator=logged_in_user, filename="kept.mha")
    from uploads.forms import UploadWidget

    html = UploadWidget().render("uploads", [f"/api/v1/uploads/{upload.pk}/"])
    assert f'value="/api/v1/uploads/{upload.pk}/"' in html
    assert "1 file uploaded before is kept" in html


@pytest.fixture
def browser_page(live_server, logged_in_user, monkeypatch) -> Iterator:  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test
    # makes between browser steps are still plain synchronous calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    client = Client()
    client.force_login(logged_in_user)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        context = browser.new_context()
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
        try:
            yield page
        finally:
            if os.environ.get("UPLOADS_SCREENSHOT"):
                page.screenshot(path=os.environ["UPLOADS_SCREENSHOT"], full_page=True)
            browser.close()
            # ORM calls made while Playwright runs hold a connection of their own
            # context; left open it blocks dropping the test database.
            connections.close_all()


def _file(tmp_path: Path, size: int) -> tuple[Path, bytes]:
    data = os.urandom(size)
    path = tmp_path / "ct-volume.mha"
    path.write_bytes(data)
    return path, data


def test_widget_uploads_in_parts_and_retries_a_dropped_part(
    browser_page, live_server, tmp_path, logged_in_user
):
    page = browser_page
    path, data = _file(tmp_path, 12 * MiB)  # two parts of the widget's 8 MiB
    dropped: list[str] = []

    def drop_first_try_of_part_2(route):  # type: ignore[no-untyped-def]
        match = S3_PART.match(route.request.url)
        if route.request.method == "PUT" and match and match[1] == "2" and not dropped:
            dropped.append(route.request.url)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route(re.compile(r".*[?&]uploadId=.*"), drop_first_try_of_part_2)
    page.goto(f"{live_server.url}/uploads/")
    page.wait_for_selector("[data-upload-widget][data-ready=true]")
    page.set_input_files("#id_uploads-files", str(path))
    page.wait_for_selector(".upload-file[data-state=done]", state="attached", timeout=60_000)

    assert dropped, "the network drop was not simulated"
    from playwright.sync_api import expect

    expect(page.locator(".upload-summary-text")).to_contain_text(
        "1 of 1 file, 12.0 MiB of 12.0 MiB, all uploaded"
    )
    assert page.eval_on_selector(".upload-summary progress", "e => e.value") == 100
    assert page.locator(".upload-failed").is_hidden()
    api_url = page.input_value("input[type=hidden][name=uploads]")
    upload = UserUpload.objects.get(creator=logged_in_user)
    assert api_url.endswith(f"/api/v1/uploads/{upload.pk}/")
    assert upload.status == UserUpload.Status.COMPLETED
    assert upload.filename == "ct-volume.mha"
    assert stored_bytes(upload.key) == data

    page.click('main button:has-text("Done")')
    page.wait_for_selector("text=Received 1 upload(s): ct-volume.mha")


def _stored_part_numbers(upload: UserUpload) -> list[int]:
    parts = s3_client("uploads").list_parts(
        Bucket=bucket_name("uploads"), Key=upload.key, UploadId=upload.s3_upload_id
    )
    return [p["PartNumber"] for p in parts.get("Parts", [])]


def test_widget_resumes_after_a_reload_without_resending_stored_parts(
    browser_page, live_server, tmp_path, logged_in_user
):
    page = browser_page
    path, data = _file(tmp_path, 12 * MiB)

    page.route(
        re.compile(r".*[?&]partNumber=2&.*|.*[?&]partNumber=2$"),
        lambda route: route.abort("internetdisconnected"),
    )
    page.goto(f"{live_server.url}/uploads/")
    page.wait_for_selector("[data-upload-widget][data-ready=true]")
    page.set_input_files("#id_uploads-files", str(path))
    deadline = time.monotonic() + 30
    upload = None
    while time.monotonic() < deadline:
        upload = UserUpload.objects.filter(creator=logged_in_user).first()
        if upload and _stored_part_numbers(upload) == [1]:
            break
        time.sleep(0.2)
    assert upload is not None and _stored_part_numbers(upload) == [1]

    # The user reloads the page; the connection is back; they pick the same file again.
    page.reload()
    page.wait_for_selector("[data-upload-widget][data-ready=true]")
    page.unroute_all()  # only now: the old page's retries must not finish the upload
    sent_parts: list[str] = []
    page.on(
        "request",
        lambda r: sent_parts.extend(S3_PART.findall(r.url)) if r.method == "PUT" else None,
    )
    page.set_input_files("#id_uploads-files", str(path))
    page.wait_for_selector(".upload-file[data-state=done]", state="attached", timeout=60_000)

    assert sent_parts == ["2"]  # part 1 was already stored and is not sent again
    upload.refresh_from_db()
    assert upload.status == UserUpload.Status.COMPLETED
    assert UserUpload.objects.filter(creator=logged_in_user).count() == 1
    assert stored_bytes(upload.key) == data
