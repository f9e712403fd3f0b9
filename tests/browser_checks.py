"""Checks shared by the browser tests: axe-core (npm, never served to users) over a page,
and signing up and in through the site's own forms."""

import re
import uuid
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core import mail

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"

RUN = """async ([context, options, impacts]) =>
  (await axe.run(context ?? document, options)).violations
  .filter((v) => !impacts || impacts.includes(v.impact))
  .map((v) => v.id + ": " + v.nodes.map((n) => n.target.join(" ")).join(", "))"""


@cache
def _axe_source() -> str:
    return AXE.read_text()


def axe_violations(  # type: ignore[no-untyped-def]
    page,
    context: str = "document",
    *,
    serious_only: bool = False,
    run_only: list[str] | None = None,
) -> list[str]:
    """axe-core's violations ("rule-id: targets") within the `context` selector; only the
    serious and critical ones with `serious_only`; only the rule tags of `run_only`.
    Evaluated over the DevTools protocol, which the page's CSP does not govern."""
    page.evaluate(_axe_source())
    options = {"resultTypes": ["violations"], **({"runOnly": run_only} if run_only else {})}
    impacts = ["serious", "critical"] if serious_only else None
    target = None if context == "document" else context
    found = page.evaluate(
        RUN,
        [target, options, impacts],
    )
    return list(found)


def sign_in(page, url: str, login: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url + "/accounts/login/")
    page.get_by_label("Login:").fill(login)
    page.get_by_label("Password:").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()


def sign_up(page, url: str, username: str, password: str, *, email: str = "") -> None:  # type: ignore[no-untyped-def]
    """A new account from the sign-up form, confirmed by the e-mailed link, signed in.
    allauth mails one confirmation per address in minutes, and its count outlives a test:
    without `email`, an address no other test uses."""
    page.goto(url + "/accounts/signup/")
    page.get_by_label("Email:").fill(email or f"{username}.{uuid.uuid4().hex[:8]}@example.org")
    page.get_by_label("Username:").fill(username)
    page.get_by_label("Password:", exact=True).fill(password)
    page.get_by_label("Password (again):").fill(password)
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_load_state()
    link = re.search(r"https?://\S+", str(mail.outbox[-1].body))
    assert link, mail.outbox[-1].body
    page.goto(link.group(0))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()
    sign_in(page, url, username, password)
