"""Drawing on a whole-slide image: a box dragged with the mouse over OpenSeadragon becomes
GC's "2D bounding box" JSON in millimetres (slide pixel times µm per pixel / 1000), saved on
the archive item by the same Annotate panel as the volume viewer's, read back from the
API; the stored value shows again; select, delete and undo work on the slide too."""

import io

import numpy as np
import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from PIL import Image as PILImage
from rest_framework.test import APIClient

from components.services import socket_create
from tests.cases.slide_data import MPP
from tests.factories import UserFactory
from tests.viewer.test_slide_viewer import SHOTS, STAGE, slide_in_archive, wait_ready

pytestmark = pytest.mark.django_db(transaction=True)


def screen_of(page, pixel: tuple[float, float]) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Page coordinates of a slide pixel, by OpenSeadragon's own mapping."""
    xy = page.evaluate(
        """([x, y]) => {
          const v = document.querySelector(".tessera-slide").slideViewer;
          const p = v.viewer.viewport.imageToViewerElementCoordinates(new v.OSD.Point(x, y));
          const r = v.part("canvas").getBoundingClientRect();
          return [r.left + p.x, r.top + p.y];
        }""",
        list(pixel),
    )
    return xy[0], xy[1]


def slide_pixels_per_screen_pixel(page) -> float:  # type: ignore[no-untyped-def]
    return float(
        page.evaluate("() => 1 / document.querySelector('.tessera-slide').slideViewer.imageZoom()")
    )


def red(page, name: str) -> int:  # type: ignore[no-untyped-def]
    png = page.locator(STAGE).screenshot(path=str(SHOTS / f"{name}.png"))
    rgb = np.asarray(PILImage.open(io.BytesIO(png)).convert("RGB")).astype(int)
    return int(((rgb[..., 0] > 200) & (rgb[..., 1] < 80) & (rgb[..., 2] < 80)).sum())


ROTATION = (
    "() => document.querySelector('.tessera-slide').slideViewer.viewer.viewport.getRotation()"
)


def test_draw_a_box_on_a_slide_save_it_and_read_the_micrometres_back(  # type: ignore[no-untyped-def]
    live_server, browser_as, tmp_path
):
    user: User = UserFactory()  # type: ignore[assignment]
    item, _ = slide_in_archive(user, tmp_path)
    socket = socket_create(title="Mitosis box", kind="2D bounding box", relative_path="m.json")
    url = live_server.url + reverse("archives:item", args=[item.archive.slug, item.pk])
    page = browser_as(user)
    page.goto(url)
    wait_ready(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    panel = page.locator("[data-annotation-panel]")
    panel.get_by_label("Socket").select_option(socket.slug)
    panel.get_by_role("button", name="Draw").click()

    # the Draw button scrolled the page: bring the whole stage back on screen
    page.locator(STAGE).evaluate("el => el.scrollIntoView({block: 'start'})")
    # r would rotate the slide under the tools, which map pixels to mm upright: it is off
    page.locator(".openseadragon-canvas").first.focus()
    page.keyboard.press("r")
    page.wait_for_timeout(300)
    assert page.evaluate(ROTATION) == 0
    before = red(page, "slide-before")  # the synthetic tissue has some red of its own
    a, b = (200.0, 150.0), (600.0, 450.0)  # slide pixels
    start, end = screen_of(page, a), screen_of(page, b)
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=8)
    page.mouse.up()
    # drawing did not pan the slide: the same pixels are where they were
    assert np.allclose(screen_of(page, a), start, atol=0.5)
    assert red(page, "slide-box-drawn") > before + 200
    panel.get_by_role("button", name="Save to this item").click()
    page.get_by_text("Saved as Mitosis box on this item.").wait_for()
    page.screenshot(path=str(SHOTS / "slide-annotate.png"), full_page=True)

    client = APIClient()
    client.force_authenticate(user)
    response = client.get(reverse("api:archive-item-detail", args=[item.pk]))
    stored = {v["interface"]["slug"]: v["value"] for v in response.json()["values"]}
    box = stored[socket.slug]
    assert box["type"] == "2D bounding box" and box["version"] == {"major": 1, "minor": 0}
    mm = MPP / 1000
    expected = [[x * mm, y * mm, 0.0] for x, y in [a, (b[0], a[1]), b, (a[0], b[1])]]
    # within one screen pixel, in millimetres
    tolerance = slide_pixels_per_screen_pixel(page) * mm
    assert np.allclose(box["corners"], expected, atol=tolerance), (box["corners"], expected)

    # select it, delete it, undo: it comes back (the layer is still editable)
    page.mouse.click(*screen_of(page, (400.0, 150.0)))  # on its top edge
    page.keyboard.press("Delete")
    page.wait_for_timeout(200)
    assert red(page, "slide-box-deleted") < before + 50
    page.keyboard.press("Control+z")
    page.wait_for_timeout(200)
    assert red(page, "slide-box-undone") > before + 200

    # a reload shows the stored box (with the older boxes) drawn by the slide viewer
    page.reload()
    wait_ready(page)
    assert page.locator("svg[data-slide=annotations] polygon").count() == 2
    assert page.console_errors == []  # type: ignore[attr-defined]


def tap(cdp, x: float, y: float) -> None:  # type: ignore[no-untyped-def]
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_tap_a_polygon_on_a_slide_with_a_finger(live_server, browser_as, tmp_path):  # type: ignore[no-untyped-def]
    """Touch: three taps and a double tap on the last point make a polygon; the slide
    neither pans nor zooms under the finger that draws."""
    user: User = UserFactory()  # type: ignore[assignment]
    item, _ = slide_in_archive(user, tmp_path)
    socket = socket_create(title="Gland outlines", kind="Multiple polygons", relative_path="g.json")
    page = browser_as(user)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})
    page.goto(live_server.url + reverse("archives:item", args=[item.archive.slug, item.pk]))
    wait_ready(page)
    panel = page.locator("[data-annotation-panel]")
    panel.get_by_label("Socket").select_option(socket.slug)
    panel.get_by_role("button", name="Draw").click()
    page.locator(STAGE).evaluate("el => el.scrollIntoView({block: 'start'})")
    corners = [(300.0, 200.0), (700.0, 250.0), (500.0, 550.0)]
    screens = [screen_of(page, c) for c in corners]
    zoom = slide_pixels_per_screen_pixel(page)
    for x, y in screens[:2]:
        tap(cdp, x, y)
        page.wait_for_timeout(500)  # taps apart, not a double tap
    tap(cdp, *screens[2])
    tap(cdp, *screens[2])  # a double tap on the last point finishes the polygon
    page.wait_for_timeout(300)
    assert slide_pixels_per_screen_pixel(page) == pytest.approx(zoom)  # no double-tap zoom
    assert np.allclose(screen_of(page, corners[0]), screens[0], atol=0.5)  # no pan
    panel.get_by_role("button", name="Save to this item").click()
    page.get_by_text("Saved as Gland outlines on this item.").wait_for()

    client = APIClient()
    client.force_authenticate(user)
    response = client.get(reverse("api:archive-item-detail", args=[item.pk]))
    stored = {v["interface"]["slug"]: v["value"] for v in response.json()["values"]}
    value = stored[socket.slug]
    assert value["type"] == "Multiple polygons" and len(value["polygons"]) == 1
    polygon = value["polygons"][0]
    mm = MPP / 1000
    expected = [[x * mm, y * mm, 0.0] for x, y in corners]
    assert np.allclose(polygon["path_points"], expected, atol=zoom * mm), polygon
    assert polygon["sub_type"] == "poly" and polygon["groups"] == []
    assert page.console_errors == []  # type: ignore[attr-defined]
