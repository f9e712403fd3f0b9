"""Painted masks in a study with autosave, "show all annotations" and educational
verification, in a real Chromium: a mask is saved a moment after the last stroke without
the reader pressing Save (uploaded, built and stored); while another question's mask is
painted, "Show all annotations" shows the first one too, and turning back to the first
question shows its mask again; once the case is answered the correct mask is painted over
the image in the ground truth's colour."""

import re

import numpy as np
import pytest
import SimpleITK as sitk
from django.contrib.auth.models import User
from playwright.sync_api import expect

from cases.models import RawImageUploadSession
from reader_studies import services
from reader_studies.models import Answer
from tests.factories import UserFactory
from tests.reader_studies.test_mask_painting_browser import (
    SEGMENTS,
    SHOTS,
    mask_study,
    small_volume,
    stored_array,
    voxel_under,
)
from tests.viewer.conftest import browser_as  # noqa: F401  (the signed-in Chromium fixture)
from tests.viewer.test_hanging_protocol_keys import rgb
from tests.viewer.volumes import store_volume

pytestmark = pytest.mark.django_db(transaction=True)


def truth_mask(editor: User) -> dict:
    """The editor's correct mask: a block of 'lesion' through every slice, on the image's
    grid, as an upload session that built it."""
    voxels = np.zeros((4, 30, 40), dtype=np.uint8)
    voxels[:, 18:28, 24:36] = 1
    label_map = sitk.GetImageFromArray(voxels)
    label_map.CopyInformation(small_volume())
    image = store_volume(label_map, name="truth", window=None)
    session = RawImageUploadSession.objects.create(creator=editor, status="Succeeded")
    image.origin = session
    image.save()
    return {"upload_session_pk": str(session.pk)}


def green(png: bytes) -> int:
    """Pixels in the ground truth's green (#00e676 over the grey image), not the pens'."""
    p = rgb(png)
    return int(((p[..., 1] - p[..., 0] > 80) & (p[..., 1] - p[..., 2] > 30)).sum())


def orange(png: bytes) -> int:
    """Pixels in the second pen's orange (the oedema segment) over the grey image; not
    the yellow crosshair (255, 204, 0)."""
    p = rgb(png)
    return int(((p[..., 0] - p[..., 2] > 80) & (p[..., 0] - p[..., 1] > 58)).sum())


def warmer(before: bytes, after: bytes) -> int:
    """Pixels that turned warmer (more red than blue) from one picture to the other."""
    a, b = rgb(before), rgb(after)
    return int((((b[..., 0] - b[..., 2]) - (a[..., 0] - a[..., 2])) > 20).sum())


def test_a_painted_mask_is_autosaved_and_the_correct_mask_shown(  # type: ignore[no-untyped-def]
    live_server,
    celery_worker,
    browser_as,  # noqa: F811
):
    editor: User = UserFactory()  # type: ignore[assignment]
    reader: User = UserFactory()  # type: ignore[assignment]
    study = mask_study(
        editor,
        reader,
        enable_autosaving=True,
        is_educational=True,
        allow_show_all_annotations=True,
    )
    case, question = study.display_sets.get(), study.questions.get()
    vessels = services.question_create(
        reader_study=study,
        question_text="Paint the vessels",
        answer_type="MASK",
        image_port="M",
        overlay_segments=SEGMENTS,
        required=False,
        order=question.order + 1,
    )
    services.answer_create(
        creator=editor,
        question=question,
        display_set=case,
        answer=truth_mask(editor),
        is_ground_truth=True,
    )

    page = browser_as(reader)
    page.set_viewport_size({"width": 1280, "height": 1400})
    case_url = f"{live_server.url}/reader-studies/{study.slug}/read/{case.pk}/"
    page.goto(case_url)
    page.wait_for_selector(".tessera-viewer[data-state=ready]")
    tools = page.locator(f"[data-mask-tools='{question.pk}']")
    tools.get_by_role("button", name="Paint").wait_for()
    page.get_by_role("button", name="Axial", exact=True).click()
    canvas = page.locator(".tessera-viewer canvas[data-viewer=canvas]")
    # not answered yet: no correct answer on the image
    assert green(canvas.screenshot()) == 0
    assert page.locator(".tessera-viewer").get_attribute("data-truth-mask") is None

    box = canvas.bounding_box()
    left, top, width, height = page.evaluate(
        "document.querySelector('.tessera-viewer').viewer.nv.screenSlices[0].leftTopWidthHeight"
    )
    start = (box["x"] + left + 0.2 * width, box["y"] + top + 0.3 * height)
    end = (box["x"] + left + 0.6 * width, box["y"] + top + 0.3 * height)
    first = voxel_under(page, *start)
    tools.get_by_role("radio", name="oedema").check()
    tools.get_by_role("button", name="Paint").click()
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=12)
    page.mouse.up()
    # no Save: the autosave uploads the mask, has it built and saves the answer
    saved = Answer.objects.filter(creator=reader, question=question, answer_image__isnull=False)
    for _ in range(180):
        if saved.exists():
            break
        page.wait_for_timeout(500)
    status = page.locator(f"[data-mask-status='{question.pk}']")
    mask_status = status.inner_text()
    expect(page.locator("#autosave-status")).to_have_text("All answers saved.", timeout=30_000)
    assert saved.exists(), mask_status
    answer = saved.get()
    _image, voxels = stored_array(answer)
    zs, ys, _xs = np.nonzero(voxels == 2)
    assert zs.size and set(zs) == {first[2]} and set(ys) <= {first[1] - 1, first[1], first[1] + 1}

    # painting the other question puts the first mask away; "Show all annotations"
    # shows it beside the one being painted, and hides it again
    assert orange(canvas.screenshot(path=str(SHOTS / "mask-autosaved.png"))) > 20
    page.locator(f"[data-mask-tools='{vessels.pk}']").get_by_role("button", name="Paint").click()
    page.wait_for_timeout(300)
    put_away = canvas.screenshot(path=str(SHOTS / "mask-put-away.png"))
    assert orange(put_away) == 0
    page.get_by_label("Show all annotations").check()
    page.wait_for_selector("#reading-form[data-masks-shown='1']")
    page.wait_for_timeout(300)
    shown = canvas.screenshot(path=str(SHOTS / "mask-show-all.png"))
    # the first mask's stroke, where it was painted, in its pen's warm colour
    assert warmer(put_away, shown) > 2000
    page.get_by_label("Show all annotations").uncheck()
    page.wait_for_selector("#reading-form[data-masks-shown='0']")
    page.wait_for_timeout(300)
    assert warmer(put_away, canvas.screenshot()) == 0
    # one pen paints at a time: the first question's Paint button is up again
    first_paint = tools.get_by_role("button", name="Paint", exact=True)
    assert first_paint.get_attribute("aria-pressed") == "false"
    # the reader stops painting and turns back to the first question: its mask shows again
    page.locator(f"[data-mask-tools='{vessels.pk}']").get_by_role(
        "button", name="Stop painting"
    ).click()
    tools.get_by_role("radio", name="lesion").focus()
    page.wait_for_timeout(300)
    assert warmer(put_away, canvas.screenshot(path=str(SHOTS / "mask-refocused.png"))) > 2000

    # answered: the case shows the correct mask, in green, under the reader's own
    page.goto(case_url)
    page.wait_for_selector(".tessera-viewer[data-state=ready]")
    expect(status).to_have_text("Your saved mask is shown.", timeout=30_000)
    page.wait_for_selector(f".tessera-viewer[data-truth-mask='{question.pk}']")
    page.get_by_role("button", name="Axial", exact=True).click()
    page.wait_for_timeout(300)
    assert green(canvas.screenshot(path=str(SHOTS / "mask-truth.png"))) > 50
    truth = page.locator(".truth").inner_text()
    assert re.search("Correct answer: painted on the image in green", truth), truth
    assert page.console_errors == []  # type: ignore[attr-defined]
