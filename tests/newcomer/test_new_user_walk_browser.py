"""In Chromium, one brand-new user from sign-up through every feature, by the pages alone:
creator rights asked for and granted on the staff page; an archive with an uploaded .mha
(thumbnail, viewer); a reader study with a question and that image as its case, read by a
second user who asked to join, and through the API with a token from the tokens page; a
challenge with a phase. Every page answers 200, logs no console error, fits 390 px and has
no serious axe-core finding; screenshots of the key steps go to var/screenshots/walk."""

import re
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk
from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import connections

from archives.models import Archive
from cases.models import RawImageUploadSession
from reader_studies.models import Answer, ReaderStudy
from tests.browser_checks import axe_violations, sign_in, sign_up
from tests.cases.helpers import wait_for_sessions
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a long and unusual passphrase 42"
SHOTS = Path(settings.VAR_DIR) / "screenshots" / "walk"


class Walk:
    """A signed-in tab that checks each page it is shown: 200, fits 390 px, no errors."""

    def __init__(self, browser, url: str) -> None:  # type: ignore[no-untyped-def]
        self.url = url
        self.page = browser.new_page(viewport={"width": 1400, "height": 900})
        self.page.set_default_timeout(30_000)
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on(
            "response",
            lambda r: (
                self.errors.append(f"{r.status} {r.url}")
                if r.status >= 400 and r.request.resource_type == "document"
                else None
            ),
        )

    def go(self, path: str) -> None:
        response = self.page.goto(self.url + path)
        assert response is not None and response.status == 200, (path, response)

    def check(self, name: str) -> None:
        """This page at 390 px and 1400 px: nothing wider than the window, no serious axe
        finding; a screenshot."""
        for width in (390, 1400):
            self.page.set_viewport_size({"width": width, "height": 900})
            overflow = self.page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, (
                f"{self.page.url} is {overflow} px wider than {width} px: {self._wide()}"
            )
            self.page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
            found = axe_violations(self.page, serious_only=True)
            assert not found, (self.page.url, width, found)
        assert not self.errors, (self.page.url, self.errors)

    def _wide(self) -> list[str]:
        """The innermost elements that stick out to the right, to name the culprit."""
        return list(
            self.page.evaluate(
                """() => [...document.querySelectorAll("body *")]
                .filter((e) => e.getBoundingClientRect().right > innerWidth + 1)
                .filter((e) => ![...e.children].some(
                  (c) => c.getBoundingClientRect().right > innerWidth + 1))
                .slice(0, 5).map((e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
                  + (e.className ? "." + e.className : ""))"""
            )
        )

    def main(self) -> str:
        return self.page.inner_text("main")


def _mha(path: Path) -> Path:
    array = np.random.default_rng(3).normal(100, 30, size=(6, 40, 48)).astype(np.int16)
    image = sitk.GetImageFromArray(array)
    image.SetSpacing((0.8, 0.8, 2.0))
    sitk.WriteImage(image, str(path), useCompression=True)
    return path


def _logo(path: Path) -> Path:
    from PIL import Image as Picture

    Picture.new("RGB", (48, 48), (30, 90, 200)).save(path)
    return path


def test_a_new_user_walks_through_every_feature(browser, live_server, celery_worker, tmp_path):  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        _walk(browser, live_server.url, tmp_path)
    finally:
        connections.close_all()  # Playwright-time ORM connections block the DB drop


def _walk(browser, url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ada = Walk(browser, url)
    page = ada.page
    sign_up(page, url, "ada", PASSWORD)
    ada.go("/")
    ada.check("home")

    # creator rights for archives, reader studies and challenges, asked for on each list
    for path, name in (
        ("/archives/", "archive"),
        ("/reader-studies/", "reader study"),
        ("/challenges/", "challenge"),
    ):
        ada.go(path)
        page.get_by_role("link", name="Request creator rights").click()
        assert page.locator("h1").inner_text() == f"Request {name} creator rights"
        page.get_by_label("Why do you ask?").fill("I run the lung screening study.")
        page.get_by_role("button", name="Send request").click()
        page.wait_for_load_state()
        assert "You will get an e-mail when it is decided." in ada.main()

    root = UserFactory(username="root", is_staff=True, password=PASSWORD)
    EmailAddress.objects.create(user=root, email=root.email, verified=True, primary=True)
    staff = Walk(browser, url)
    sign_in(staff.page, url, "root", PASSWORD)
    staff.go("/staff/requests/")
    staff.check("staff-requests")
    for _ in range(3):
        staff.page.get_by_role("button", name="Accept ada").first.click()
        staff.page.wait_for_load_state()
    assert staff.page.get_by_role("button", name="Accept ada").count() == 0

    # an archive, an .mha through the upload widget, its thumbnail and viewer
    ada.go("/archives/")
    assert "Your request for archive creator rights was accepted." in ada.main()
    page.get_by_role("link", name="Create an archive").click()
    page.get_by_label("Title").fill("Lung screening")
    page.get_by_role("button", name=re.compile("Create")).click()
    page.wait_for_load_state()
    archive = Archive.objects.get(title="Lung screening")
    ada.check("archive")
    page.get_by_role("link", name="Add cases").first.click()
    page.wait_for_selector("[data-upload-widget][data-ready=true]")
    ada.check("archive-add-cases")
    page.set_input_files("#id_user_uploads-files", str(_mha(tmp_path / "chest.mha")))
    page.wait_for_selector(".upload-file[data-state=done]", state="attached", timeout=120_000)
    page.get_by_role("button", name="Start import").click()
    page.wait_for_url(re.compile(r".*/upload-sessions/.*"))
    (session,) = wait_for_sessions(RawImageUploadSession.objects.get(creator__username="ada").pk)
    assert session.status == RawImageUploadSession.Status.SUCCEEDED, session.error_message
    page.wait_for_selector("#session-images a")
    ada.check("upload-session")
    ada.go(f"/archives/{archive.slug}/")
    thumb = page.get_by_role("img", name="Middle slice of chest")
    assert thumb.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    ada.check("archive-with-item")
    page.locator("td a").first.click()
    page.wait_for_selector(".tessera-viewer[data-state=ready]")
    ada.check("archive-item-viewer")

    # a reader study: a question, the archive's image as its case
    ada.go("/reader-studies/")
    page.get_by_role("link", name="Create a reader study").click()
    page.get_by_label("Title").fill("Lung nodules")
    page.get_by_role("button", name="Create reader study").click()
    page.wait_for_url("**/questions/")
    study = ReaderStudy.objects.get(title="Lung nodules")
    page.get_by_label("Question text").fill("Finding")
    page.get_by_label("Answer type").select_option("CHOI")
    page.get_by_label("Options").fill("Nodule *\nMass")
    page.get_by_role("button", name="Add question").click()
    assert "Question “Finding” added." in ada.main()
    ada.check("study-questions")
    ada.go(f"/reader-studies/{study.slug}/add-cases/")
    page.get_by_label("Archive", exact=True).select_option(archive.slug)
    page.get_by_role("button", name="Show items").click()
    page.get_by_role("button", name="Add the checked items as cases").click()
    page.wait_for_load_state()
    assert study.display_sets.count() == 1
    ada.check("study-cases-added")

    # a private study is listed to no one else: ada makes it public for readers to find it
    ada.go(f"/reader-studies/{study.slug}/settings/")
    page.get_by_label("Description", exact=True).fill("Is it a nodule or a mass?")
    page.get_by_label("Public", exact=True).check()
    page.get_by_label("Logo").set_input_files(str(_logo(tmp_path / "logo.png")))
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_url(f"**/reader-studies/{study.slug}/")

    # the same study through the API with a token from the tokens page, as gcapi sees it
    ada.go("/accounts/tokens/")
    page.get_by_label("Name").fill("laptop")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#token-secret").inner_text()
    ada.check("token")
    api = browser.new_context().request  # no session cookie: the token alone
    found = api.get(
        f"{url}/api/v1/reader-studies/?slug={study.slug}",
        headers={"Authorization": f"Bearer {secret}"},
    ).json()
    (listed,) = found["results"]
    assert listed["logo"] == f"{url}/reader-studies/{study.slug}/logo"
    logo = api.get(listed["logo"])  # a public study's logo: anyone's, by a signed redirect
    assert logo.ok and logo.headers["content-type"] == "image/png"

    # a second user asks to join, ada accepts, the reader answers the case
    grace = Walk(browser, url)
    sign_up(grace.page, url, "grace", PASSWORD)
    grace.go(f"/reader-studies/{study.slug}/")
    grace.page.get_by_role("button", name="Request to read this study").click()
    grace.page.wait_for_load_state()
    grace.check("study-requested")
    ada.go(f"/reader-studies/{study.slug}/access-requests/")
    page.get_by_role("button", name="Accept").first.click()
    page.wait_for_load_state()
    ada.check("study-access-requests")
    grace.go(f"/reader-studies/{study.slug}/")
    grace.page.get_by_role("link", name="Start reading").click()
    grace.page.wait_for_selector(".tessera-viewer[data-state=ready]")
    grace.check("reading")
    grace.page.get_by_role("radio", name="Mass").check()
    grace.page.get_by_role("button", name="Save and next").click()
    grace.page.wait_for_load_state()
    assert Answer.objects.filter(creator__username="grace").count() == 1
    grace.check("reading-done")

    # a challenge with a phase
    ada.go("/challenges/")
    page.get_by_role("link", name="Create challenge").click()
    page.get_by_label("Short name (used in the URL)").fill("lung-nodules")
    page.get_by_label("Title", exact=True).fill("Lung nodules 2027")
    page.get_by_label("Description (Markdown)").fill("Find **lung nodules** in CT.")
    page.get_by_role("button", name="Create challenge").click()
    page.wait_for_url("**/admin/phases/create/")
    ada.check("phase-create")
    page.get_by_label("Title", exact=True).fill("Final")
    page.get_by_label("Score path in metrics.json").fill("aggregates.dice")
    page.get_by_label("Score title").fill("Dice")
    page.get_by_role("button", name="Save phase").click()
    page.wait_for_url("**/phases/final/settings/")
    ada.check("phase-settings")
    ada.go("/challenges/lung-nodules/")
    ada.check("challenge")
