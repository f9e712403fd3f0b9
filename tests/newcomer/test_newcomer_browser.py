"""In Chromium, a brand-new user from sign-up: request creator rights, staff accept, the
user is told and creates an archive; home and lists at 390 px and 1400 px, nothing cut off."""

import re
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail

from tests.browser_checks import sign_in, sign_up
from tests.factories import UserFactory

PASSWORD = "a long and unusual passphrase 42"
WIDTHS = (390, 1400)


def _nothing_cut_off(page) -> None:  # type: ignore[no-untyped-def]
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} is {overflow} px wider than the window"
    assert page.get_by_role("navigation", name="Main").is_visible()


def test_newcomer_asks_for_creator_rights_and_creates_an_archive(browser, live_server):  # type: ignore[no-untyped-def]
    shots = Path(settings.VAR_DIR) / "screenshots" / "newcomer"
    shots.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.set_default_timeout(15_000)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # sign up and verify from the console mail
    sign_up(page, live_server.url, "ada", PASSWORD, email="ada.newcomer@example.org")

    # a wall no more: the archives list offers the request
    page.goto(live_server.url + "/archives/")
    assert page.get_by_role("link", name="Create an archive").count() == 0
    page.get_by_role("link", name="Request creator rights").click()
    assert page.locator("h1").inner_text() == "Request archive creator rights"
    page.get_by_label("Why do you ask?").fill("I run the lung screening study.")
    page.get_by_role("button", name="Send request").click()
    page.wait_for_url("**/archives/")
    assert "You will get an e-mail when it is decided." in page.inner_text("main")

    # staff accept on their page, in their own browser session
    root = UserFactory(username="root", is_staff=True, password=PASSWORD)
    EmailAddress.objects.create(user=root, email=root.email, verified=True, primary=True)
    staff = browser.new_page(viewport={"width": 1400, "height": 900})
    staff.set_default_timeout(15_000)
    sign_in(staff, live_server.url, "root", PASSWORD)
    staff.goto(live_server.url + "/staff/requests/")
    assert "I run the lung screening study." in staff.inner_text("main")
    staff.screenshot(path=str(shots / "staff-requests-1400.png"), full_page=True)
    staff.get_by_role("button", name="Accept ada").click()
    staff.wait_for_load_state()
    assert "accepted" in staff.inner_text("main")
    assert (
        mail.outbox[-1].subject == "[Tessera] Your request for archive creator rights was accepted"
    )

    # told on the next visit; now creates an archive
    page.goto(live_server.url + "/archives/")
    assert "Your request for archive creator rights was accepted." in page.inner_text("main")
    page.get_by_role("link", name="Create an archive").click()
    page.get_by_label("Title").fill("Lung screening")
    page.get_by_role("button", name=re.compile("Create")).click()
    page.wait_for_load_state()
    assert "Lung screening" in page.locator("h1").inner_text()

    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for name, path in (
            ("home", "/"),
            ("archives", "/archives/"),
            ("algorithms", "/algorithms/"),
            ("jobs", "/algorithms/jobs/"),
            ("uploads", "/uploads/"),
            ("tokens", "/accounts/tokens/"),
            ("not-found", "/nowhere/"),
        ):
            page.goto(live_server.url + path)
            page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
            _nothing_cut_off(page)
    assert "Lung screening" in page.goto(live_server.url + "/").text()  # type: ignore[union-attr]
    assert not [e for e in errors if "404" not in e], errors
