"""The algorithm-image page follows the image check in place (static/app/live-part.js):
no meta refresh, and the activate button appears once the check is done."""

from django.db import connections
from django.test import Client

from algorithms.models import AlgorithmImage
from tests.algorithms.factories import make_algorithm
from tests.archives.helpers import login


def test_the_image_page_follows_the_check_without_a_reload(browser, live_server, user):  # type: ignore[no-untyped-def]
    algorithm = make_algorithm(creator=user)
    image = AlgorithmImage.objects.create(
        algorithm=algorithm, status=AlgorithmImage.Status.VALIDATING
    )
    client = Client()
    login(client, user)
    page = browser.new_page(viewport={"width": 1400, "height": 900})  # the site's CSP holds
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(f"{live_server.url}/algorithms/{algorithm.slug}/images/{image.pk}/")
        assert "follows the check" in page.inner_text("#image-state")
        assert page.locator("meta[http-equiv=refresh]").count() == 0
        page.evaluate("window.stayed = true")  # gone if the page were reloaded
        AlgorithmImage.objects.filter(pk=image.pk).update(
            status=AlgorithmImage.Status.VALID, image_sha256="sha256:" + "a" * 64
        )
        page.get_by_role("button", name="Make this image active").wait_for(timeout=20_000)
        assert page.evaluate("window.stayed") is True
        assert "follows the check" not in page.inner_text("#image-state")
        assert page.locator("#image-state[data-live-part]").count() == 0  # polling stopped
        assert errors == []
    finally:
        connections.close_all()
