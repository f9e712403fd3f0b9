"""End to end in a real Chromium: home page, sign-up, verification mail, sign-in, a token."""

import os
import re
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.core import mail

PASSWORD = "a long and unusual passphrase 42"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.fixture
def page():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test
    # makes between browser steps are still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(15_000)
            yield page
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def test_sign_up_verify_sign_in_and_make_a_token(page, live_server):  # type: ignore[no-untyped-def]
    shots = Path(settings.VAR_DIR) / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)

    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "Tessera"
    page.screenshot(path=str(shots / "home.png"), full_page=True)

    page.get_by_role("link", name="Sign up").first.click()
    page.get_by_label("Email:").fill("grace@example.org")
    page.get_by_label("Username:").fill("grace")
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again):").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_load_state()
    assert "Verify Your Email Address" in page.content()

    link = re.search(r"https?://\S+", str(mail.outbox[-1].body))
    assert link, mail.outbox[-1].body
    page.goto(link.group(0))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()

    assert "You have confirmed grace@example.org" in page.inner_text("main")
    page.get_by_label("Login:").fill("grace")
    page.get_by_label("Password:").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/accounts/profile/")
    assert "grace@example.org (verified" in page.content()

    page.get_by_role("link", name="Tokens", exact=True).click()
    page.get_by_label("Name").fill("notebook")
    page.get_by_label("Expires in (days)").fill("14")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#token-secret").inner_text().strip()
    page.screenshot(path=str(shots / "tokens.png"), full_page=True)
    assert page.get_by_role("cell", name="notebook", exact=True).is_visible()

    response = httpx.get(
        live_server.url + "/api/v1/tokens/", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 200
    assert response.json()["results"][0]["name"] == "notebook"
