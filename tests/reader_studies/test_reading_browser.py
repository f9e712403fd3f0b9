"""A brand-new reader in a real Chromium: asks for access, reads a study like the demo
(a choice, a number, a box), moves between cases, and the editor sees the answers."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from components.models import ComponentInterface
from components.services import socket_value_create
from reader_studies import services
from reader_studies.models import Answer, ReaderStudy
from tests.factories import UserFactory
from tests.viewer.conftest import browser_as  # noqa: F401  (the signed-in Chromium fixture)
from tests.viewer.volumes import ct_volume, store_volume

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(settings.VAR_DIR) / "screenshots" / "reader-studies"
ANNOTATIONS = Path(settings.BASE_DIR) / "static" / "viewer" / "annotations.mjs"
# inside the CT of tests.viewer.volumes: x, y in -26..25.2 mm, z in 98.75..198.75 mm
BOX = {
    "type": "2D bounding box",
    "version": {"major": 1, "minor": 0},
    "corners": [[-10, -10, 150], [10, -10, 150], [10, 10, 150], [-10, 10, 150]],
}


def demo_like_study(editor: User) -> ReaderStudy:
    study = services.reader_study_create(
        creator=editor,
        title="Find the lesion",
        description="Two CT cases.",
        public=True,
        access_request_handling="ACCEPT_ALL",
        view_content={"main": ["generic-medical-image"]},
        allow_case_navigation=True,
        allow_answer_modification=True,
    )
    socket = ComponentInterface.objects.get(slug="generic-medical-image")
    for n in (1, 2):
        case = services.display_set_create(reader_study=study, title=f"Case {n}")
        image = store_volume(ct_volume(), name=f"ct-{n}", window=(100, 1000))
        case.values.add(socket_value_create(socket=socket, image=image))
    services.question_create(
        reader_study=study,
        question_text="Is there a lesion?",
        answer_type="CHOI",
        widget="RADIO_SELECT",
        options=[{"title": "Yes"}, {"title": "No"}],
        order=1,
    )
    services.question_create(
        reader_study=study,
        question_text="Lesion diameter (mm)",
        answer_type="NUMB",
        widget="NUMBER_INPUT",
        answer_min_value=0,
        answer_max_value=100,
        order=2,
    )
    services.question_create(
        reader_study=study,
        question_text="Draw a box around the lesion",
        answer_type="2DBB",
        image_port="M",
        order=3,
    )
    return study


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def start_reading(page, live_server, study: ReaderStudy) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/reader-studies/{study.slug}/")
    page.get_by_role("button", name="Request to read this study").click()
    page.get_by_role("link", name="Start reading").click()
    page.wait_for_selector(".tessera-viewer[data-state=ready]")
    assert page.locator("h1").inner_text() == "Case 1 of 2: Case 1"


def test_a_new_reader_answers_moves_and_the_editor_sees_it(live_server, browser_as):  # type: ignore[no-untyped-def]  # noqa: F811
    editor: User = UserFactory()  # type: ignore[assignment]
    study = demo_like_study(editor)
    reader: User = UserFactory()  # type: ignore[assignment]
    page = browser_as(reader)
    start_reading(page, live_server, study)

    page.keyboard.press("1")  # the first option of the choice question
    assert page.get_by_role("radio", name="Yes").is_checked()
    page.get_by_label("Answer", exact=True).fill("12")
    box = page.locator("textarea[data-annotation]")
    if not ANNOTATIONS.exists():  # until the viewer draws: the JSON field is the answer
        assert "Enter the answer as JSON below" in page.locator(".annotation-tools").inner_text()
    else:
        page.locator("details summary").click()
    box.fill(json.dumps(BOX))
    shot(page, "case-1-answered")
    page.get_by_role("button", name="Save and next").click()

    page.wait_for_selector(".tessera-viewer[data-state=ready]")
    assert page.locator("h1").inner_text() == "Case 2 of 2: Case 2"
    assert "1 of 2 cases answered" in page.locator(".reading-progress").inner_text()
    page.locator("h1").click()  # focus out of any field: n/p are shortcuts
    page.keyboard.press("p")
    page.wait_for_url("**/read/**")
    assert page.locator("h1").inner_text() == "Case 1 of 2: Case 1"
    assert page.get_by_role("radio", name="Yes").is_checked()  # its saved answers are back
    assert page.get_by_label("Answer", exact=True).input_value() == "12"

    mine = page.request.get(f"{live_server.url}/api/v1/reader-studies/answers/mine/").json()
    boxes = [a["answer"] for a in mine["results"] if isinstance(a["answer"], dict)]
    assert boxes == [BOX]  # world coordinates in mm, as posted
    assert page.console_errors == []

    narrow = browser_as(reader)
    narrow.set_viewport_size({"width": 390, "height": 900})
    narrow.goto(page.url)
    narrow.wait_for_selector(".tessera-viewer[data-state=ready]")
    shot(narrow, "case-1-390px")

    # the second case, then the end of the study
    page.keyboard.press("n")
    page.wait_for_selector(".tessera-viewer[data-state=ready]")
    page.keyboard.press("2")
    page.get_by_label("Answer", exact=True).fill("0")
    if ANNOTATIONS.exists():  # the JSON field is folded away beside the drawing tools
        page.locator("details summary").click()
    page.locator("textarea[data-annotation]").fill(json.dumps(BOX))
    page.get_by_role("button", name="Save and next").click()
    page.wait_for_selector("text=You answered every case")
    assert "2 of 2 cases answered" in page.locator("main").inner_text()
    shot(page, "end-of-study")

    outsider = browser_as(UserFactory())
    outsider.goto(page.url)
    assert "Request access" in outsider.locator("main").inner_text()
    shot(outsider, "not-a-reader-403")

    results = browser_as(editor)
    results.goto(f"{live_server.url}/reader-studies/{study.slug}/results/")
    row = results.locator("tr", has_text=reader.username).first.inner_text()
    assert "2 of 2" in row and "6 of 6" in row  # cases complete, answers
    shot(results, "editor-results")
    assert Answer.objects.filter(creator=reader).count() == 6


@pytest.mark.skipif(
    not ANNOTATIONS.exists(),
    reason="needs static/viewer/annotations.mjs (helper A's annotation API), not on main yet",
)
def test_a_reader_draws_the_box_with_the_mouse(live_server, browser_as):  # type: ignore[no-untyped-def]  # noqa: F811
    editor: User = UserFactory()  # type: ignore[assignment]
    study = demo_like_study(editor)
    reader: User = UserFactory()  # type: ignore[assignment]
    page = browser_as(reader)
    start_reading(page, live_server, study)
    page.get_by_role("radio", name="No").check()
    page.get_by_label("Answer", exact=True).fill("0")
    page.get_by_role("button", name="Axial", exact=True).click()
    page.get_by_role("button", name="Draw (2D bounding box)").click()
    canvas = page.locator(".tessera-viewer canvas[data-viewer=canvas]").bounding_box()
    cx, cy = canvas["x"] + canvas["width"] / 2, canvas["y"] + canvas["height"] / 2
    page.mouse.move(cx - 60, cy - 40)
    page.mouse.down()
    page.mouse.move(cx + 60, cy + 40, steps=8)
    page.mouse.up()
    page.wait_for_function("document.querySelector('[data-annotation-status]').value === 'Drawn.'")
    shot(page, "box-drawn")
    page.get_by_role("button", name="Save and next").click()
    page.wait_for_selector(".tessera-viewer[data-state=ready]")

    mine = page.request.get(f"{live_server.url}/api/v1/reader-studies/answers/mine/").json()
    (drawn,) = [a["answer"] for a in mine["results"] if isinstance(a["answer"], dict)]
    corners = drawn["corners"]
    assert drawn["type"] == "2D bounding box" and len(corners) == 4
    assert len({c[2] for c in corners}) == 1  # on one axial slice
    xs, ys = sorted({c[0] for c in corners}), sorted({c[1] for c in corners})
    assert len(xs) == 2 and len(ys) == 2 and xs[1] - xs[0] > 1 and ys[1] - ys[0] > 1
    assert xs[0] >= -26 and xs[1] <= 25.2 and ys[0] >= -26 and ys[1] <= 25.2  # world mm
