"""A reader paints a mask answer in a real Chromium: Niivue's brush with a segment's pen,
saved as a label map that the platform builds (upload, upload session, Celery) and checks,
read back through the API voxel by voxel, and shown again when the case is reopened."""

import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import SimpleITK as sitk
from django.conf import settings
from django.contrib.auth.models import User
from playwright.sync_api import expect

from app.storage import bucket_name, s3_client
from components.models import ComponentInterface
from components.services import socket_value_create
from reader_studies import services
from reader_studies.models import Answer, ReaderStudy
from tests.browser_checks import axe_violations
from tests.factories import UserFactory
from tests.viewer.conftest import browser_as  # noqa: F401  (the signed-in Chromium fixture)
from tests.viewer.volumes import store_volume

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(settings.VAR_DIR) / "screenshots" / "reader-studies"
SEGMENTS = [
    {"name": "lesion", "voxel_value": 1, "visible": True},
    {"name": "oedema", "voxel_value": 2, "visible": True},
]
VOXEL = re.compile(r"voxel (\d+), (\d+), (\d+)")


def small_volume() -> sitk.Image:
    """40 x 30 x 4 voxels, anisotropic, with an origin off zero: the label map must carry
    exactly this geometry."""
    z, y, x = np.mgrid[0:4, 0:30, 0:40]
    image = sitk.GetImageFromArray((x * 10 + y + 50 * z).astype(np.int16))
    image.SetSpacing((0.8, 1.2, 2.0))
    image.SetOrigin((-12.0, 30.5, 50.0))
    return image


def mask_study(editor: User, reader: User, **settings: Any) -> ReaderStudy:
    """One case of small_volume, one mask question ("Paint the oedema"), one reader."""
    study = services.reader_study_create(
        creator=editor,
        title="Paint the lesion",
        view_content={"main": ["generic-medical-image"]},
        allow_case_navigation=True,
        allow_answer_modification=True,
        **settings,
    )
    socket = ComponentInterface.objects.get(slug="generic-medical-image")
    case = services.display_set_create(reader_study=study, title="Slice")
    image = store_volume(small_volume(), name="volume", window=(200, 400))
    case.values.add(socket_value_create(socket=socket, image=image))
    services.question_create(
        reader_study=study,
        question_text="Paint the oedema",
        answer_type="MASK",
        image_port="M",
        overlay_segments=SEGMENTS,
    )
    services.reader_study_member_add(reader_study=study, role="readers", user=reader, actor=editor)
    return study


def voxel_under(page, x: float, y: float) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """The voxel the viewer's readout names for the mouse at (x, y)."""
    page.mouse.move(x, y)
    found = VOXEL.search(page.locator("[data-viewer=readout]").inner_text())
    assert found, page.locator("[data-viewer=readout]").inner_text()
    return int(found[1]), int(found[2]), int(found[3])


def stored_array(answer: Answer) -> tuple[sitk.Image, np.ndarray]:
    (image_file,) = answer.answer_image.files.all()  # type: ignore[union-attr]
    key = image_file.file.name
    body = s3_client("protected").get_object(Bucket=bucket_name("protected"), Key=key)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mask.mha"
        path.write_bytes(body["Body"].read())
        image = sitk.ReadImage(str(path))
    return image, sitk.GetArrayFromImage(image)


def test_a_reader_paints_a_mask_saves_it_and_sees_it_again(  # type: ignore[no-untyped-def]
    live_server,
    celery_worker,
    browser_as,  # noqa: F811
):
    editor: User = UserFactory()  # type: ignore[assignment]
    reader: User = UserFactory()  # type: ignore[assignment]
    study = mask_study(editor, reader)
    page = browser_as(reader)
    page.set_viewport_size({"width": 1280, "height": 1400})  # the whole viewer in view: no
    # scrolling when the canvas takes the focus mid-stroke
    page.goto(f"{live_server.url}/reader-studies/{study.slug}/read/")
    page.wait_for_selector(".tessera-viewer[data-state=ready]")
    page.get_by_role("button", name="Paint").wait_for()
    page.get_by_role("button", name="Axial", exact=True).click()
    assert page.locator("[data-mask-status]").inner_text() == "Nothing painted yet."

    canvas = page.locator(".tessera-viewer canvas[data-viewer=canvas]").bounding_box()
    # where Niivue shows the slice (CSS pixels: the page's device pixel ratio is 1)
    left, top, width, height = page.evaluate(
        "document.querySelector('.tessera-viewer').viewer.nv.screenSlices[0].leftTopWidthHeight"
    )
    at = lambda fx, fy: (canvas["x"] + left + fx * width, canvas["y"] + top + fy * height)  # noqa: E731
    # a stroke in the upper left part of the slice: not symmetric, so a flipped or
    # transposed label map would not match
    start, end = at(0.2, 0.3), at(0.6, 0.3)
    cx, cy = at(0.5, 0.8)
    first, last = voxel_under(page, *start), voxel_under(page, *end)
    assert first[1:] == last[1:] and last[0] - first[0] >= 4  # one row of one slice

    page.get_by_role("radio", name="oedema").check()
    page.locator("[data-mask-size]").evaluate(
        "el => { el.value = '1'; el.dispatchEvent(new Event('input', {bubbles: true})); }"
    )
    page.get_by_role("button", name="Paint").click()
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=12)
    page.mouse.up()
    expect(page.locator("[data-mask-status]")).to_have_text(re.compile("^Painted"))
    # and a dab of the other segment, undone: undo works on the drawing
    page.get_by_role("radio", name="lesion").check()
    page.mouse.click(cx, cy)
    page.get_by_role("button", name="Undo").click()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "mask-painted.png"), full_page=True)

    page.get_by_role("button", name="Save and next").click()
    page.wait_for_selector("text=You answered every case", timeout=120_000)

    answer = Answer.objects.get(creator=reader, question__reader_study=study)
    api = page.request.get(f"{live_server.url}/api/v1/reader-studies/answers/mine/").json()
    (mine,) = api["results"]
    assert set(mine["answer"]) == {"upload_session_pk"}
    assert mine["answer_image"].endswith(f"/cases/images/{answer.answer_image_id}/")
    image, voxels = stored_array(answer)
    assert image.GetSize() == (40, 30, 4)
    assert image.GetSpacing() == pytest.approx((0.8, 1.2, 2.0))
    assert image.GetOrigin() == pytest.approx((-12.0, 30.5, 50.0))
    assert set(np.unique(voxels)) == {0, 2}  # the oedema pen only; the lesion dab undone
    zs, ys, xs = np.nonzero(voxels == 2)
    assert set(zs) == {first[2]}  # the slice shown
    assert set(ys) <= {first[1] - 1, first[1], first[1] + 1}  # the stroke's row
    assert abs(xs.min() - first[0]) <= 1 and abs(xs.max() - last[0]) <= 1  # its ends
    assert page.console_errors == []

    # the case again: the saved mask is on the image, ready to change
    page.goto(f"{live_server.url}/reader-studies/{study.slug}/read/{answer.display_set_id}/")
    page.wait_for_selector(".tessera-viewer[data-state=ready]")
    expect(page.locator("[data-mask-status]")).to_have_text(
        "Your saved mask is shown.", timeout=30_000
    )
    painted = page.evaluate(
        "document.querySelector('.tessera-viewer').viewer.nv.drawBitmap.filter(v => v === 2).length"
    )
    assert painted == int((voxels == 2).sum())
    page.screenshot(path=str(SHOTS / "mask-reopened.png"), full_page=True)
    assert axe_violations(page, ".reading-form", serious_only=True) == []  # the painting tools
