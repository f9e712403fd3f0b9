"""The hanging-protocol viewport keys a reader sees, checked on the screen's pixels:
relative_start_position opens the first or last slice, slice_plane_indicator draws where
another viewport's plane cuts this one and follows its slice, order stacks overlapping
viewports, opacity lets the page through, fullsizable alone offers full screen,
selectable viewports become the active one (the keys act on it), a draggable viewport
moves inside its parent, the readout shows what the protocol leaves on, views the viewer
does not draw are named."""

import io

import numpy as np
import pytest
from django.contrib.auth.models import User
from PIL import Image as PILImage

from archives.services import archive_create, archive_item_create
from components.models import ComponentInterface
from components.services import socket_value_create
from hanging_protocols.services import viewer_settings_update
from tests.browser_checks import axe_violations
from tests.hanging_protocols.helpers import layout_maker, protocol
from tests.viewer.test_volume_viewer import SHOTS, changed
from tests.viewer.volumes import ct_volume, store_volume

pytestmark = pytest.mark.django_db(transaction=True)

CELL = {"x": 0, "y": 0, "w": 1, "h": 1}
MAIN = {"viewport_name": "main", **CELL, "orientation": "axial", "fullsizable": True}
SECONDARY = {
    "viewport_name": "secondary",
    **CELL,
    "x": 1,
    "orientation": "coronal",
    "linkable": False,
    "selectable": False,
    "slice_plane_indicator": "main",
}
DRAGGED = {
    "viewport_name": "tertiary",
    **CELL,
    "draggable": True,
    "parent_id": "main",
    "orientation": "sagittal",
    "linkable": False,
}
FIRST = [
    {**MAIN, "relative_start_position": 0},
    {**SECONDARY, "relative_start_position": 1},
    DRAGGED,
]
LAST = [{**MAIN, "relative_start_position": 1}, SECONDARY, DRAGGED]
STACKED = [{**MAIN, "order": 1}, {**SECONDARY, "x": 0, "order": 0}]
SEE_THROUGH = [{**MAIN, "relative_start_position": 0, "opacity": 0.5}]
FADING = [MAIN, {**SECONDARY, "slice_plane_indicator_fade_ms": 300}]
VALUE_ONLY = [
    {**MAIN, "show_mouse_coordinate": False},
    {"viewport_name": "mini", **CELL, "specialized_view": "minimap", "parent_id": "main"},
]


def rgb(png: bytes) -> np.ndarray:
    return np.asarray(PILImage.open(io.BytesIO(png)).convert("RGB")).astype(int)


def indicator_rows(pixels: np.ndarray) -> np.ndarray:
    """Rows of the picture crossed by the cyan slice-plane line."""
    cyan = (pixels[..., 0] < 80) & (pixels[..., 1] > 150) & (pixels[..., 2] > 200)
    return np.flatnonzero(cyan.sum(axis=1) > pixels.shape[1] * 0.2)


def test_viewport_keys_on_screen(live_server, browser_as) -> None:  # type: ignore[no-untyped-def]
    user: User = layout_maker()
    archive = archive_create(creator=user, title="Keys")
    sockets = [ComponentInterface.objects.get(slug="generic-medical-image")] + [
        ComponentInterface.objects.create(
            title=title, slug=slug, kind="Image", relative_path=f"images/{slug}"
        )
        for title, slug in (("Prior CT", "prior-ct"), ("Third CT", "third-ct"))
    ]
    item = archive_item_create(archive=archive)
    for socket, name in zip(sockets, ("Current", "Prior", "Third"), strict=True):
        image = store_volume(ct_volume(), name=name, window=(100, 1000))
        item.values.add(socket_value_create(socket=socket, image=image))
    viewer_settings_update(
        obj=archive,
        hanging_protocol=protocol(user, "First slices", FIRST),
        optional_hanging_protocols=[
            protocol(user, "Last slice", LAST),
            protocol(user, "Stacked", STACKED),
            protocol(user, "See through", SEE_THROUGH),
            protocol(user, "Fading line", FADING),
            protocol(user, "Value only", VALUE_ONLY),
        ],
        view_content={
            "main": ["generic-medical-image"],
            "secondary": ["prior-ct"],
            "tertiary": ["third-ct"],
        },
    )

    page = browser_as(user)
    page.goto(live_server.url + item.get_absolute_url())
    for name in ("main", "secondary", "tertiary"):
        page.wait_for_selector(f"[data-viewport={name}] .tessera-viewer[data-state=ready]")
    page.wait_for_timeout(400)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "hp-keys-first.png"), full_page=True)
    main, secondary, tertiary = (
        page.locator(f"[data-viewport={n}]") for n in ("main", "secondary", "tertiary")
    )

    def label(vp):  # type: ignore[no-untyped-def]
        return vp.locator("[data-viewer=slice-label]").first.inner_text()

    def canvas(vp):  # type: ignore[no-untyped-def]
        return vp.locator("canvas[data-viewer=canvas]").first

    # relative_start_position: 0 opens the first slice, 1 the last
    assert label(main) == "Axial slice 1 of 40"
    assert label(secondary) == "Coronal slice 64 of 64"
    first = rgb(canvas(main).screenshot())

    # slice_plane_indicator: the coronal view shows where the axial viewport cuts it (at its
    # first slice, low down), and the line follows as the axial viewport scrolls up 20 slices
    rows_first = indicator_rows(rgb(canvas(secondary).screenshot()))
    assert rows_first.size, "no slice-plane line in the secondary viewport"
    assert indicator_rows(first).size == 0  # the main viewport has no indicator
    canvas(main).focus()
    page.keyboard.press("PageUp")
    page.keyboard.press("PageUp")
    page.wait_for_timeout(300)
    assert label(main) == "Axial slice 21 of 40"
    shot = canvas(secondary).screenshot(path=str(SHOTS / "hp-keys-indicator.png"))
    rows_moved = indicator_rows(rgb(shot))
    assert rows_moved.size
    height = canvas(secondary).bounding_box()["height"]
    # the coronal image fills the canvas's height, its first slice at the bottom: the line
    # runs through the middle of the axial viewport's slice n of 40
    assert abs(rows_first.mean() - (1 - 0.5 / 40) * height) < 0.03 * height
    assert abs(rows_moved.mean() - (1 - 20.5 / 40) * height) < 0.03 * height
    assert label(secondary) == "Coronal slice 64 of 64"  # not linked: it stays

    # the keys act on the active viewport: a click on the nested sagittal view makes it
    # the one that scrolls, though the main viewport's canvas had the focus
    sagittal = label(tertiary)
    canvas(tertiary).click()
    assert tertiary.get_attribute("aria-current") == "true"
    page.keyboard.press("PageUp")
    page.wait_for_timeout(200)
    assert label(tertiary) != sagittal
    assert label(main) == "Axial slice 21 of 40"
    # a click on a viewport's title (the focus leaves the canvases) keeps the keys on it
    main.locator(".hp-title").first.click()
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(200)
    assert label(main) == "Axial slice 20 of 40"
    page.screenshot(path=str(SHOTS / "hp-keys-active.png"), full_page=True)
    # the secondary viewport cannot be active: a click on it leaves the keys on the main one
    canvas(secondary).click()
    page.keyboard.press("ArrowUp")
    page.wait_for_timeout(200)
    assert label(main) == "Axial slice 21 of 40"
    assert label(secondary) == "Coronal slice 64 of 64"

    # fullsizable: only the main viewport offers full screen
    assert main.get_by_role("button", name="Full screen").first.is_visible()
    assert secondary.get_by_role("button", name="Full screen").is_hidden()
    main.get_by_role("button", name="Full screen").first.click()
    page.wait_for_function("document.fullscreenElement?.id === 'viewport-1'")
    page.wait_for_timeout(300)
    assert canvas(main).bounding_box()["height"] > 1.3 * canvas(secondary).bounding_box()["height"]
    page.evaluate("document.exitFullscreen()")
    page.wait_for_function("!document.fullscreenElement")

    # selectable: a click makes the main viewport active; the secondary one cannot be
    main.locator(".hp-title").first.click()
    assert main.get_attribute("aria-current") == "true"
    secondary.locator(".hp-title").click()
    assert main.get_attribute("aria-current") == "true"
    assert secondary.get_attribute("aria-current") is None

    # draggable: the tertiary viewport sits inside the main one; dragged by its title it
    # moves with its picture, and it cannot leave its parent
    parent, before = main.bounding_box(), tertiary.bounding_box()
    assert parent["x"] <= before["x"]
    assert before["x"] + before["width"] <= parent["x"] + parent["width"] + 1
    picture = rgb(page.screenshot(clip=canvas(tertiary).bounding_box()))
    handle = tertiary.locator(".hp-title").bounding_box()
    page.mouse.move(handle["x"] + 10, handle["y"] + 5)
    page.mouse.down()
    page.mouse.move(handle["x"] - 90, handle["y"] + 155, steps=5)
    page.mouse.up()
    after = tertiary.bounding_box()
    assert abs(after["x"] - (before["x"] - 100)) < 2 and abs(after["y"] - (before["y"] + 150)) < 2
    moved = rgb(page.screenshot(clip=canvas(tertiary).bounding_box()))
    assert changed(picture, moved) < 0.02  # the same picture, somewhere else
    page.screenshot(path=str(SHOTS / "hp-keys-dragged.png"), full_page=True)
    page.mouse.move(handle["x"] - 90, handle["y"] + 155)
    page.mouse.down()
    page.mouse.move(handle["x"] - 2000, handle["y"] + 3000, steps=3)
    page.mouse.up()
    clamped, parent = tertiary.bounding_box(), main.bounding_box()
    assert abs(clamped["x"] - parent["x"]) < 2
    assert abs(clamped["y"] + clamped["height"] - (parent["y"] + parent["height"])) < 2
    tertiary.locator(".hp-title").focus()
    page.keyboard.press("ArrowRight")
    assert abs(tertiary.bounding_box()["x"] - (clamped["x"] + 20)) < 2
    # the layout with a draggable, an active and a see-through viewport passes axe-core
    assert axe_violations(page, "[data-hp-layout]") == []

    # the other end of relative_start_position: the last slice, other pixels
    page.get_by_role("radio", name="Last slice").check()
    page.wait_for_timeout(400)
    assert label(main) == "Axial slice 40 of 40"
    assert changed(first, rgb(canvas(main).screenshot())) > 0.005

    # order: the secondary viewport (order 0) lies over the main one (order 1)
    page.get_by_role("radio", name="Stacked").check()
    page.wait_for_timeout(400)
    box = canvas(secondary).bounding_box()
    both = rgb(page.screenshot(clip=box, path=str(SHOTS / "hp-keys-stacked.png")))
    main.evaluate("el => el.style.visibility = 'hidden'")
    page.wait_for_timeout(200)
    front_only = rgb(page.screenshot(clip=box))
    main.evaluate("el => el.style.visibility = ''")
    secondary.evaluate("el => el.style.visibility = 'hidden'")
    page.wait_for_timeout(200)
    back_only = rgb(page.screenshot(clip=box))
    secondary.evaluate("el => el.style.visibility = ''")
    assert changed(both, front_only) < 0.01
    assert changed(both, back_only) > 0.05
    # the indicator, drawn again at the wider size: across the whole width, mid-height
    wide = rgb(canvas(secondary).screenshot())
    rows = indicator_rows(wide)
    assert rows.size and abs(rows.mean() - (1 - 20.5 / 40) * wide.shape[0]) < 0.03 * wide.shape[0]
    cyan_columns = np.flatnonzero(
        ((wide[..., 0] < 80) & (wide[..., 1] > 150) & (wide[..., 2] > 200))[rows].any(axis=0)
    )
    assert cyan_columns.max() - cyan_columns.min() > 0.9 * wide.shape[1]

    # slice_plane_indicator_fade_ms: after the axial viewport moves, the line fades out
    page.get_by_role("radio", name="Fading line").check()
    page.wait_for_timeout(300)
    canvas(main).focus()
    page.keyboard.press("PageDown")
    assert secondary.locator(".tessera-viewer").get_attribute("data-indicator") == "main"
    page.wait_for_timeout(1000)
    assert indicator_rows(rgb(canvas(secondary).screenshot())).size == 0

    # opacity: at 0.5 the black around the body shows the white page through, grey
    page.get_by_role("radio", name="First slices").check()
    page.wait_for_timeout(300)
    opaque_corner = rgb(canvas(main).screenshot())[5:15, 5:15].mean()
    page.get_by_role("radio", name="See through").check()
    page.wait_for_timeout(300)
    corner = rgb(canvas(main).screenshot(path=str(SHOTS / "hp-keys-opacity.png")))[5:15, 5:15]
    assert opaque_corner < 20
    assert 100 < corner.mean() < 160

    # show_mouse_coordinate: false leaves the voxel value alone under the mouse; the
    # minimap, which this viewer does not draw, is named above the layout
    notes = page.locator("[data-hp-notes]")
    assert notes.is_hidden()
    page.get_by_role("radio", name="Value only").check()
    page.wait_for_timeout(300)
    box = canvas(main).bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    readout = main.locator("[data-viewer=readout]").first.inner_text()
    assert readout.startswith("value ") and "mm" not in readout and "voxel" not in readout
    assert notes.inner_text() == "Viewport 'mini' is a minimap, which this viewer does not draw."
    page.screenshot(path=str(SHOTS / "hp-keys-value-only.png"), full_page=True)
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_scalebar_visible_hides_a_slides_scale_bar(live_server, browser_as, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.viewer.test_slide_viewer import slide_in_archive, stage_pixels, wait_ready

    user: User = layout_maker()
    item, _ = slide_in_archive(user, tmp_path)
    viewer_settings_update(
        obj=item.archive,
        hanging_protocol=protocol(
            user, "Bar hidden", [{**CELL, "viewport_name": "main", "scalebar_visible": False}]
        ),
        optional_hanging_protocols=[
            protocol(user, "Scale bar", [{**CELL, "viewport_name": "main"}])
        ],
        view_content={"main": ["generic-medical-image"]},
    )
    page = browser_as(user)
    page.goto(live_server.url + item.get_absolute_url())
    wait_ready(page)
    bar = page.locator("[data-slide=scalebar]")
    without = stage_pixels(page, "hp-no-scalebar")
    assert bar.is_hidden()
    page.get_by_role("radio", name="Scale bar").check()
    assert bar.is_visible() and bar.locator(".label").inner_text().endswith("µm")
    # the bar's white box appears in its corner of the stage
    corner = (slice(-60, None), slice(0, 150))
    assert stage_pixels(page, "hp-scalebar")[corner].mean() > without[corner].mean() + 20
    assert page.console_errors == []  # type: ignore[attr-defined]
