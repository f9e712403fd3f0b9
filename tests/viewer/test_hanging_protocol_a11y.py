"""axe-core finds no WCAG 2 A/AA violation on the hanging-protocol pages, the viewer
settings page and an item page laid out by a protocol."""

import pytest

from archives.services import archive_create, archive_item_create
from components.models import ComponentInterface
from components.services import socket_value_create
from hanging_protocols.services import viewer_settings_update
from tests.browser_checks import axe_violations
from tests.hanging_protocols.helpers import ONE, layout_maker, protocol
from tests.viewer.volumes import ct_volume, store_volume

pytestmark = pytest.mark.django_db(transaction=True)


def test_pages_have_no_axe_violations(live_server, browser_as) -> None:  # type: ignore[no-untyped-def]
    user = layout_maker()
    hp = protocol(user)
    archive = archive_create(creator=user, title="Lungs")
    item = archive_item_create(archive=archive)
    item.values.add(
        socket_value_create(
            socket=ComponentInterface.objects.get(slug="generic-medical-image"),
            image=store_volume(ct_volume(), name="CT", window=(100, 1000)),
        )
    )
    viewer_settings_update(
        obj=archive,
        hanging_protocol=protocol(user, "One", ONE),
        optional_hanging_protocols=[hp],
        view_content={"main": ["generic-medical-image"]},
    )
    page = browser_as(user)
    for path in [
        "/hanging-protocols/",
        hp.get_absolute_url(),
        "/hanging-protocols/create/",
        f"/hanging-protocols/{hp.slug}/update/",
        f"/archives/{archive.slug}/viewer/",
    ]:
        page.goto(live_server.url + path)
        assert axe_violations(page, run_only=["wcag2a", "wcag2aa"]) == [], path
    page.goto(live_server.url + item.get_absolute_url())
    page.wait_for_selector(".tessera-viewer[data-state=ready]")
    assert axe_violations(page, run_only=["wcag2a", "wcag2aa"]) == []
