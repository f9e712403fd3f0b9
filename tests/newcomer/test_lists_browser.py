"""List pages and the input picker in Chromium at a phone's width (390 px): thumbnails
load, the filter form works, nothing is cut off. Screenshots go to var/screenshots/lists."""

import tempfile
import uuid
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

from algorithms.models import Job
from app.storage import bucket_name, s3_client
from archives.services import archive_create, archive_item_create
from cases.builders.thumbnails import write_png
from cases.models import Image
from tests.archives.helpers import login
from tests.newcomer.test_lists import _algorithm, _image, _job, _value

pytestmark = pytest.mark.django_db(transaction=True)


def _with_thumbnail(image: Image, seed: int) -> Image:
    """Store a real middle-slice-like PNG so the browser draws it."""
    yy, xx = np.mgrid[0:128, 0:128]
    r = 30 + 8 * (seed % 4)
    plane = ((xx - 64 - seed) ** 2 + (yy - 64) ** 2 < r * r) * 200.0 + (xx % 16) * 2
    with tempfile.TemporaryDirectory() as folder:
        path = write_png(plane.astype(np.float32), Path(folder) / "t.png")
        key = f"images/{image.pk}/{uuid.uuid4()}.png"
        s3_client("protected").upload_file(str(path), bucket_name("protected"), key)
    image.thumbnail = key
    image.save(update_fields=["thumbnail"])
    return image


@pytest.fixture
def page(live_server, user, monkeypatch):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    client = Client()
    login(client, user)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        context = chromium.new_context(viewport={"width": 390, "height": 844})
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


def _nothing_cut_off(page) -> None:  # type: ignore[no-untyped-def]
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} is {overflow} px wider than the window"


def test_lists_and_picker_at_390_px(page, live_server, user):  # type: ignore[no-untyped-def]
    shots = Path(settings.VAR_DIR) / "screenshots" / "lists"
    shots.mkdir(parents=True, exist_ok=True)
    archive = archive_create(creator=user, title="Lung screening")
    algorithm = _algorithm(user, inputs=("ct-image", "segmentation"))
    for i, status in enumerate((Job.Status.SUCCEEDED, Job.Status.FAILED, Job.Status.EXECUTING)):
        image = _with_thumbnail(_image(user, f"CT Chest 1.0 B30f series {i + 1}"), i)
        item = archive_item_create(archive=archive, title=image.name)
        item.values.add(_value("generic-medical-image", image))
        _job(user, algorithm, status, image)
    _with_thumbnail(_image(user, "Liver mask", modality="", segments=[0, 1]), 7)

    page.goto(f"{live_server.url}/algorithms/jobs/")
    page.wait_for_load_state("networkidle")
    assert page.locator("tbody tr").count() == 3
    loaded = page.evaluate(
        "Array.from(document.querySelectorAll('img.thumb')).every(i => i.naturalWidth > 0)"
    )
    assert loaded, "a thumbnail did not load"
    page.screenshot(path=str(shots / "jobs-390.png"), full_page=True)
    _nothing_cut_off(page)

    page.select_option("#list-status", "Failed")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("tbody tr").count() == 1
    assert "status=Failed" in page.url
    page.screenshot(path=str(shots / "jobs-failed-390.png"), full_page=True)

    for name, path in (
        ("items", archive.get_absolute_url()),
        ("images", "/cases/images/"),
        ("try-out", f"/algorithms/jobs/try/{algorithm.slug}/"),
        ("imports", "/cases/upload-sessions/"),
        ("image", f"/cases/images/{image.pk}/?from={item.pk}"),
    ):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(shots / f"{name}-390.png"), full_page=True)
        _nothing_cut_off(page)
