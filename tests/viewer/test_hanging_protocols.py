"""An archive whose viewer is laid out by a hanging protocol: an item opens one viewer per
viewport with the images of the view content, in the viewport's orientation, and the
reader switches to an optional one-viewport layout; `?` shows the keyboard help."""

import pytest
from django.contrib.auth.models import User

from archives.services import archive_create, archive_item_create
from components.models import ComponentInterface
from components.services import socket_value_create
from hanging_protocols.services import viewer_settings_update
from tests.hanging_protocols.helpers import ONE, TWO_SIDE_BY_SIDE, layout_maker, protocol
from tests.viewer.test_volume_viewer import SHOTS
from tests.viewer.volumes import ct_volume, store_volume

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_viewport_protocol_and_switching(live_server, browser_as) -> None:  # type: ignore[no-untyped-def]
    user: User = layout_maker()
    archive = archive_create(creator=user, title="Follow-up")
    prior = ComponentInterface.objects.create(
        title="Prior CT", slug="prior-ct", kind="Image", relative_path="images/prior-ct"
    )
    item = archive_item_create(archive=archive)
    item.values.add(
        socket_value_create(
            socket=ComponentInterface.objects.get(slug="generic-medical-image"),
            image=store_volume(ct_volume(), name="Current", window=(100, 1000)),
        ),
        socket_value_create(
            socket=prior, image=store_volume(ct_volume(), name="Prior", window=(100, 1000))
        ),
    )
    viewer_settings_update(
        obj=archive,
        hanging_protocol=protocol(user, "Current and prior", TWO_SIDE_BY_SIDE),
        optional_hanging_protocols=[protocol(user, "Current only", ONE)],
        view_content={"main": ["generic-medical-image"], "secondary": ["prior-ct"]},
    )

    page = browser_as(user)
    page.goto(live_server.url + item.get_absolute_url())
    page.wait_for_selector("[data-viewport=main] .tessera-viewer[data-state=ready]")
    page.wait_for_selector("[data-viewport=secondary] .tessera-viewer[data-state=ready]")
    main = page.locator("[data-viewport=main]")
    secondary = page.locator("[data-viewport=secondary]")
    assert main.locator("canvas").get_attribute("aria-label") == "Current in the volume viewer"
    assert secondary.locator("canvas").get_attribute("aria-label") == "Prior in the volume viewer"
    # side by side on the protocol's 2-column grid, the secondary viewport coronal
    main_box, secondary_box = main.bounding_box(), secondary.bounding_box()
    assert secondary_box["x"] > main_box["x"] + main_box["width"] - 1
    assert abs(main_box["y"] - secondary_box["y"]) < 2
    assert main.locator(".tessera-viewer").get_attribute("data-plane") == "multiplanar"
    assert secondary.locator(".tessera-viewer").get_attribute("data-plane") == "coronal"
    assert secondary.locator("[data-viewer=slice-label]").inner_text().startswith("Coronal slice")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "hanging-protocol-two.png"), full_page=True)

    page.get_by_role("radio", name="Current only").check()
    page.wait_for_timeout(300)
    assert secondary.is_hidden() and main.is_visible()
    assert main.bounding_box()["width"] > 1.5 * main_box["width"]  # the one view fills the row
    page.screenshot(path=str(SHOTS / "hanging-protocol-one.png"), full_page=True)

    page.get_by_role("radio", name="Current and prior").check()
    page.wait_for_timeout(300)
    assert secondary.is_visible()

    # `?` opens the one keyboard help of the page; Escape closes it
    main.locator("canvas").focus()
    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    assert help_dialog.is_visible()
    assert help_dialog.get_by_role("row", name="r Reset the view").is_visible()
    page.screenshot(path=str(SHOTS / "viewer-keys.png"))
    page.keyboard.press("Escape")
    assert help_dialog.is_hidden()
    secondary.get_by_role("button", name="Keys").click()
    assert help_dialog.is_visible()
    assert page.locator("dialog").count() == 1
    assert page.console_errors == []  # type: ignore[attr-defined]
