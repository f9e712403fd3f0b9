"""A real Chromium (Debian's, never a downloaded one) signed in as a given user."""

import os
from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import ConsoleMessage, Error, sync_playwright

# WebGL2 runs on SwiftShader (software) in headless Chromium; no GPU is needed.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.fixture
def browser_as(live_server) -> Iterator[Callable]:  # type: ignore[no-untyped-def]
    """browser_as(user) -> a Playwright page with that user's session cookie."""

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # ORM calls between browser steps
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)

            def open_as(user: User):  # type: ignore[no-untyped-def]
                user.save()
                client = Client()
                client.force_login(user)
                context = browser.new_context(viewport={"width": 1280, "height": 1000})
                context.add_cookies(
                    [
                        {
                            "name": "sessionid",
                            "value": client.cookies["sessionid"].value,
                            "url": live_server.url,
                        }
                    ]
                )
                page = context.new_page()
                page.set_default_timeout(30_000)
                errors: list[str] = []

                def console(message: ConsoleMessage) -> None:
                    # browsers ask for /favicon.ico on their own; the site has none
                    if message.type == "error" and not message.location.get("url", "").endswith(
                        "/favicon.ico"
                    ):
                        errors.append(message.text)

                def page_error(error: Error) -> None:
                    errors.append(str(error))

                page.on("console", console)
                page.on("pageerror", page_error)
                page.console_errors = errors  # type: ignore[attr-defined]
                return page

            yield open_as
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
