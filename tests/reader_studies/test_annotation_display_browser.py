"""What the reading page draws besides the question being answered, in a real Chromium:
"Show all annotations" (studies that allow it) adds the reader's other drawings, labelled
and read-only; in an educational study the ground truth of a drawing question is drawn
in its own colour beside the reader's answer, with the score."""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from components.models import ComponentInterface
from components.services import socket_value_create
from reader_studies import services
from reader_studies.models import Answer
from tests.browser_checks import axe_violations
from tests.factories import UserFactory
from tests.viewer.conftest import browser_as  # noqa: F401  (the signed-in Chromium fixture)
from tests.viewer.volumes import ct_volume, store_volume

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(settings.VAR_DIR) / "screenshots" / "reader-studies"
V = {"major": 1, "minor": 0}


def box(x0: float, y0: float, x1: float, y1: float) -> dict:
    """A box on the CT's middle axial slice (z = 150 mm), world mm."""
    z = 150
    corners = [[x0, y0, z], [x1, y0, z], [x1, y1, z], [x0, y1, z]]
    return {"type": "2D bounding box", "version": V, "corners": corners}


LAYERS = "[...document.querySelector('.tessera-viewer').viewer.annotations.layers.values()]"


def overlay(page, key: str) -> int:  # type: ignore[no-untyped-def]
    return int(page.locator("canvas.viewer-annotations").get_attribute(f"data-{key}") or 0)


def test_show_all_annotations_and_the_ground_truth_drawn(live_server, browser_as):  # type: ignore[no-untyped-def]  # noqa: F811
    editor: User = UserFactory()  # type: ignore[assignment]
    reader: User = UserFactory()  # type: ignore[assignment]
    study = services.reader_study_create(
        creator=editor,
        title="Boxes",
        view_content={"main": ["generic-medical-image"]},
        is_educational=True,
        allow_show_all_annotations=True,
        allow_case_navigation=True,
        allow_answer_modification=True,
    )
    socket = ComponentInterface.objects.get(slug="generic-medical-image")
    case = services.display_set_create(reader_study=study, title="CT")
    case.values.add(
        socket_value_create(
            socket=socket, image=store_volume(ct_volume(), name="ct", window=(100, 1000))
        )
    )
    lesion = services.question_create(
        reader_study=study,
        question_text="Box the lesion",
        answer_type="2DBB",
        image_port="M",
        order=1,
    )
    bone = services.question_create(
        reader_study=study,
        question_text="Box the bone",
        answer_type="2DBB",
        image_port="M",
        order=2,
    )
    services.reader_study_member_add(reader_study=study, role="readers", user=reader, actor=editor)
    services.answer_create(
        creator=editor,
        question=lesion,
        display_set=case,
        answer=box(-5, -5, 15, 15),
        is_ground_truth=True,
    )
    for question, value in ((lesion, box(-10, -10, 10, 10)), (bone, box(-20, 5, -12, 20))):
        services.answer_create(creator=reader, question=question, display_set=case, answer=value)
    score = Answer.objects.get(creator=reader, question=lesion).score
    assert score == pytest.approx(225 / 575)  # IoU: 15 x 15 shared of 20 x 20 + 20 x 20 - 225

    page = browser_as(reader)
    page.set_viewport_size({"width": 1280, "height": 1400})
    page.goto(f"{live_server.url}/reader-studies/{study.slug}/read/{case.pk}/")
    page.wait_for_selector(".tessera-viewer[data-state=ready]")
    page.get_by_role("button", name="Axial", exact=True).click()
    truth_text = page.locator("#question-" + str(lesion.pk) + " .truth").inner_text()
    assert "Correct answer: drawn on the image, labelled “Correct answer”" in truth_text
    assert f"your score: {score:.2f}" in truth_text

    # the question being answered (the first) and its ground truth, both labelled
    page.wait_for_function(f"{LAYERS}.length === 3")
    assert overlay(page, "drawn") == 2 and overlay(page, "labelled") == 2
    layers = page.evaluate(f"{LAYERS}.map(l => [l.label, l.hidden, l.readOnly, l.color])")
    assert ["Correct answer: Box the lesion", False, True, "#00e676"] in layers
    assert ["Box the bone", True, False, "#ff0000"] in layers  # not the question answered
    page.screenshot(path=str(SHOTS / "ground-truth-drawn.png"), full_page=True)

    # show all: the other question's drawing too, labelled and read-only
    page.get_by_label("Show all annotations").check()
    assert overlay(page, "drawn") == 3 and overlay(page, "labelled") == 3
    layers = page.evaluate(f"{LAYERS}.map(l => [l.label, l.hidden, l.readOnly])")
    assert ["Box the bone", False, True] in layers
    page.screenshot(path=str(SHOTS / "show-all-annotations.png"), full_page=True)
    assert axe_violations(page, ".reading-form", serious_only=True) == []
    # answering the other question makes its drawing the editable one
    page.locator(f"#question-{bone.pk} summary").click()
    layers = page.evaluate(f"{LAYERS}.map(l => [l.label, l.hidden, l.readOnly])")
    assert ["Box the bone", False, False] in layers
    page.get_by_label("Show all annotations").uncheck()
    assert overlay(page, "drawn") == 1  # the bone box; the lesion's with its ground truth hide
    assert page.console_errors == []
