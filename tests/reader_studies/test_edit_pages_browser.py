"""In Chromium, a new user without rights finds the way to create a reader study, then
builds one from the pages: settings, a choice question, a reader, ground truth from the
example CSV. Every editor page at 390 and 1400 px: nothing cut off, no serious axe finding."""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from PIL import Image as PILImage

from cases.models import Image
from reader_studies import services
from reader_studies.models import Answer, ReaderStudy
from tests.browser_checks import axe_violations
from tests.factories import UserFactory
from tests.viewer.conftest import browser_as  # noqa: F401  (the signed-in Chromium fixture)

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(settings.VAR_DIR) / "screenshots" / "reader-studies"


def test_a_new_user_builds_a_study_through_the_pages(browser_as, live_server, tmp_path):  # noqa: F811
    user: User = UserFactory(username="ada")  # type: ignore[assignment]
    reader: User = UserFactory(username="grace")  # type: ignore[assignment]
    page = browser_as(user)
    url = live_server.url

    page.goto(url + "/reader-studies/")
    page.get_by_role("link", name="Request creator rights").click()
    assert "reader study creator rights" in page.locator("h1").inner_text()
    Group.objects.get(name="reader study creators").user_set.add(user)  # staff accepted

    page.goto(url + "/reader-studies/")
    page.get_by_role("link", name="Create a reader study").click()
    page.get_by_label("Title").fill("Lung nodules")
    page.get_by_label("Instant verification").check()
    page.get_by_role("button", name="Create reader study").click()
    assert "Instant verification is only for educational reader studies." in page.inner_text("main")
    page.get_by_label("Instant verification").uncheck()
    page.get_by_role("button", name="Create reader study").click()
    page.wait_for_url("**/questions/")
    study = ReaderStudy.objects.get(title="Lung nodules")
    services.display_set_create(reader_study=study, title="case 1")
    assert Image.objects.count() == 0  # a value-less case is enough for CSV ground truth

    page.get_by_label("Question text").fill("Finding")
    page.get_by_label("Answer type").select_option("CHOI")
    page.get_by_label("Options").fill("Nodule *\nMass")
    page.get_by_role("button", name="Add question").click()
    assert "Question “Finding” added." in page.inner_text("main")
    assert "Nodule (default), Mass" in page.inner_text("table")
    page.get_by_role("link", name="Edit the question Finding").click()
    page.get_by_label("Help text").fill("The largest finding")
    page.get_by_label("Options").fill("Nodule *\nMass\nCyst")
    page.get_by_role("button", name="Save question").click()
    assert "Question “Finding” saved." in page.inner_text("main")
    assert "Nodule (default), Mass, Cyst" in page.inner_text("table")
    question = study.questions.get()
    assert question.help_text == "The largest finding"

    page.goto(url + f"/reader-studies/{study.slug}/settings/")
    logo = tmp_path / "logo.png"
    PILImage.new("RGB", (64, 64), (30, 90, 200)).save(logo)
    page.get_by_label("Logo").set_input_files(str(logo))
    page.get_by_label("Case text (JSON)").fill('{"chest.mha": "Look at the **left** lung."}')
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_url(f"**/reader-studies/{study.slug}/")
    assert page.locator("h1 img").evaluate("img => img.naturalWidth") == 64
    page.goto(url + "/reader-studies/")
    logo_shown = page.get_by_role("img", name="Logo of Lung nodules")
    assert logo_shown.evaluate("img => img.complete && img.naturalWidth") == 64

    page.goto(url + f"/reader-studies/{study.slug}/members/")
    page.get_by_label("Username").fill("grace")
    page.get_by_role("button", name="Add", exact=True).click()
    assert "grace added to the readers." in page.inner_text("main")
    assert study.readers_group and study.readers_group.user_set.filter(pk=reader.pk).exists()

    page.goto(url + f"/reader-studies/{study.slug}/ground-truth/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the example CSV").click()
    example = Path(download.value.path())
    page.get_by_label("Ground truth CSV").set_input_files(str(example))
    page.get_by_role("button", name="Import ground truth").click()
    assert "Ground truth imported: 1 answers." in page.inner_text("main")
    assert Answer.objects.filter(is_ground_truth=True).count() == 1

    page.goto(url + f"/reader-studies/{study.slug}/results/")
    assert "No scores yet: no reader has answered a question with ground truth." in (
        page.inner_text("main")
    )

    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (390, 1400):
        page.set_viewport_size({"width": width, "height": 900})
        for name, path in (
            ("list", "/reader-studies/"),
            ("create", "/reader-studies/create/"),
            ("detail", f"/reader-studies/{study.slug}/"),
            ("settings", f"/reader-studies/{study.slug}/settings/"),
            ("questions", f"/reader-studies/{study.slug}/questions/"),
            ("question-edit", f"/reader-studies/{study.slug}/questions/{question.pk}/"),
            ("members", f"/reader-studies/{study.slug}/members/"),
            ("ground-truth", f"/reader-studies/{study.slug}/ground-truth/"),
            ("results", f"/reader-studies/{study.slug}/results/"),
            ("access-requests", f"/reader-studies/{study.slug}/access-requests/"),
        ):
            page.goto(url + path)
            page.screenshot(path=str(SHOTS / f"edit-{name}-{width}.png"), full_page=True)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path} is {overflow} px wider than {width} px"
            assert axe_violations(page, "main", serious_only=True) == [], path
