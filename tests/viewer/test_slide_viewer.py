"""The slide viewer in a real Chromium: tiles on the canvas, a scale bar that follows the
zoom, annotations in micrometres on top, and a message instead of a canvas for a user
who may not see the slide."""

import io
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse
from PIL import Image as PILImage

from archives.models import ArchiveItem
from archives.services import archive_create, archive_item_create
from cases.models import Image
from components.models import ComponentInterface
from components.services import socket_value_create
from tests.browser_checks import axe_violations
from tests.cases.slide_data import MPP, import_slide, pyramid, slide_pixels, write_slide
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(settings.VAR_DIR) / "screenshots" / "slides"
STAGE = ".tessera-slide .slide-stage"
YELLOW = np.array([255, 212, 0])


def stage_pixels(page, name: str) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The viewer's drawing area as an RGB array, also saved for a person to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    png = page.locator(STAGE).screenshot(path=str(SHOTS / f"{name}.png"))
    return np.asarray(PILImage.open(io.BytesIO(png)).convert("RGB")).astype(int)


def wait_ready(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector(".tessera-slide[data-state=ready]")
    page.wait_for_timeout(300)  # the frame after the last tile arrived


def scale_microns(page) -> float:  # type: ignore[no-untyped-def]
    return float(page.locator("[data-slide=scalebar]").get_attribute("data-microns"))


def slide_in_archive(user: User, tmp_path: Path) -> tuple[ArchiveItem, Image]:
    image = import_slide(
        user, write_slide(tmp_path / "tissue.tiff", pyramid(slide_pixels(1000, 700), 3))
    )
    archive = archive_create(creator=user, title="Pathology")
    item = archive_item_create(archive=archive, title="Biopsy 1")
    item.values.add(
        socket_value_create(
            socket=ComponentInterface.objects.get(slug="generic-medical-image"), image=image
        )
    )
    boxes = ComponentInterface.objects.create(
        title="Tumour regions", kind="Multiple 2D bounding boxes", relative_path="tumour.json"
    )
    # a box from pixel (100, 100) to (400, 300), in millimetres at 0.25 µm per pixel
    mm = MPP / 1000
    corners = [[x * mm, y * mm, 0.0] for x, y in [(100, 100), (400, 100), (400, 300), (100, 300)]]
    item.values.add(
        socket_value_create(
            socket=boxes,
            value={
                "type": "Multiple 2D bounding boxes",
                "version": {"major": 1, "minor": 0},
                "boxes": [{"corners": corners, "name": "region A"}],
            },
        )
    )
    return item, image


def test_slide_page_shows_tiles_scale_bar_and_annotations(live_server, browser_as, tmp_path):  # type: ignore[no-untyped-def]
    user: User = UserFactory()  # type: ignore[assignment]
    item, _ = slide_in_archive(user, tmp_path)
    page = browser_as(user)
    page.goto(live_server.url + reverse("archives:item", args=[item.archive.slug, item.pk]))
    wait_ready(page)

    fitted = stage_pixels(page, "fitted")
    # tiles drawn: the slide's colours, not an empty dark stage
    assert fitted.std() > 20
    assert (np.abs(fitted - [34, 34, 34]).max(axis=2) > 30).mean() > 0.3
    # the annotation box is drawn in yellow
    assert (np.abs(fitted - YELLOW).max(axis=2) < 40).sum() > 100
    assert page.locator("svg[data-slide=annotations] polygon").count() == 1
    label = page.locator("[data-slide=scalebar] .label").inner_text()
    assert label.endswith("µm")
    fitted_scale = scale_microns(page)

    page.get_by_role("button", name="1:1").click()
    page.wait_for_timeout(1500)  # the zoom animation and the full-resolution tiles
    one_to_one = stage_pixels(page, "one-to-one")
    assert one_to_one.std() > 20
    assert "zoom 1.0:1" in page.locator("[data-slide=zoom]").inner_text()
    # at 1:1 a screen pixel is one slide pixel, 0.25 µm: the bar is as long as it says
    bar = page.locator("[data-slide=scalebar] .bar").bounding_box()
    assert bar is not None
    assert bar["width"] == pytest.approx(scale_microns(page) / MPP, abs=3)

    page.get_by_role("button", name="Zoom in").click()
    page.get_by_role("button", name="Zoom in").click()
    page.wait_for_timeout(1500)
    assert scale_microns(page) < fitted_scale  # 2.25:1, so the bar stands for less
    stage_pixels(page, "zoomed-in")
    assert page.console_errors == []


def test_the_whole_slide_shows_with_the_page_before_any_tile(live_server, browser_as, tmp_path):  # type: ignore[no-untyped-def]
    user: User = UserFactory()  # type: ignore[assignment]
    image = import_slide(
        user, write_slide(tmp_path / "tissue.tif", pyramid(slide_pixels(1000, 700), 3))
    )
    page = browser_as(user)
    url = live_server.url + reverse("cases:image", args=[image.pk])

    # the viewer's script never runs, so no tile is asked for: what is on screen came
    # with the page itself (the smallest level, placed as the fitted view places it)
    page.route("**/slides/slide-viewer*", lambda route: route.abort())
    page.goto(url)
    page.wait_for_selector("[data-slide=poster]", state="visible")
    poster = stage_pixels(page, "poster")
    assert (np.abs(poster - [34, 34, 34]).max(axis=2) > 30).mean() > 0.3

    # with the viewer, its first view lies where the poster lay, and the poster is gone
    page = browser_as(user)
    page.goto(url)
    wait_ready(page)
    assert page.locator("[data-slide=poster]").is_hidden()
    fitted = stage_pixels(page, "poster-then-tiles")
    offset = np.abs(fitted - np.roll(poster, 20, axis=1)).mean()
    assert np.abs(fitted - poster).mean() < min(12, offset / 2), offset
    assert page.console_errors == []


# the share of sampled points of OpenSeadragon's canvas (not the poster under it) that
# tiles have been drawn on: the canvas is transparent until they are
CANVAS_COVERED = """() => {
  const canvas = document.querySelector('.tessera-slide').slideViewer?.viewer?.drawer?.canvas;
  if (!canvas || !canvas.width) return 0;
  const context = canvas.getContext('2d');
  let drawn = 0;
  for (let i = 1; i < 10; i++) {
    for (let j = 1; j < 10; j++) {
      const x = Math.floor((canvas.width * i) / 10), y = Math.floor((canvas.height * j) / 10);
      drawn += context.getImageData(x, y, 1, 1).data[3] > 0;
    }
  }
  return drawn / 81;
}"""


def test_the_preview_level_is_drawn_while_finer_tiles_are_on_their_way(  # type: ignore[no-untyped-def]
    live_server, browser_as, tmp_path
):
    """The page names the tiles of the preview level (the finest of at most four tiles),
    which the browser fetches with the page; the viewer draws them first, so the slide is
    on the canvas while the tiles of the level the view needs have not come."""
    user: User = UserFactory()  # type: ignore[assignment]
    image = import_slide(
        user, write_slide(tmp_path / "tissue.tif", pyramid(slide_pixels(1000, 700), 3))
    )
    preview = f"/images/{image.pk}/tiles/1/"  # 500 x 350: 2 x 2 tiles
    held = []

    def hold_finer_tiles(route):  # type: ignore[no-untyped-def]
        if preview in route.request.url:
            route.continue_()
        else:
            held.append(route)

    page = browser_as(user)
    page.route("**/tiles/**", hold_finer_tiles)
    # not until "load": that waits for the held tiles
    url = live_server.url + reverse("cases:image", args=[image.pk])
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_function(f"() => ({CANVAS_COVERED})() > 0.5")
    assert held, "the view needs finer tiles than the preview's in this window"
    assert page.locator(".tessera-slide").get_attribute("data-state") == "loading"
    stage_pixels(page, "preview-level")

    for route in held:
        route.continue_()
    page.unroute("**/tiles/**")
    wait_ready(page)
    assert page.evaluate(CANVAS_COVERED) > 0.5
    assert page.console_errors == []


def test_narrow_screen_keeps_the_viewer_usable(live_server, browser_as, tmp_path):  # type: ignore[no-untyped-def]
    user: User = UserFactory()  # type: ignore[assignment]
    image = import_slide(
        user, write_slide(tmp_path / "small.tif", pyramid(slide_pixels(600, 400), 2))
    )
    page = browser_as(user)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + reverse("cases:image", args=[image.pk]))
    wait_ready(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "image-page-390.png"), full_page=True)
    assert stage_pixels(page, "narrow").std() > 20
    box = page.locator(STAGE).bounding_box()
    assert box is not None and box["width"] <= 390
    # the viewer's controls pass axe-core's checks (labels, roles, contrast)
    assert axe_violations(page, ".tessera-slide") == []
    assert page.console_errors == []


def test_a_user_who_may_not_see_the_slide_gets_a_message_not_a_canvas(  # type: ignore[no-untyped-def]
    live_server, browser_as, tmp_path
):
    user: User = UserFactory()  # type: ignore[assignment]
    image = import_slide(
        user, write_slide(tmp_path / "small.tif", pyramid(slide_pixels(600, 400), 2))
    )
    page = browser_as(user)
    descriptor = reverse("cases:slide", args=[image.pk])

    # signed out in another tab between the page and the viewer's first request
    def sign_out_first(route):  # type: ignore[no-untyped-def]
        page.context.clear_cookies()
        route.continue_()

    page.route(f"**{descriptor}", sign_out_first)
    page.goto(live_server.url + reverse("cases:image", args=[image.pk]))
    page.wait_for_selector(".tessera-slide[data-state=error]")
    status = page.locator("[data-slide=status]")
    assert "do not have permission to view this slide" in status.inner_text()
    assert not page.locator(STAGE).is_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "no-permission.png"))
    # and a tile URL gives an outsider nothing either
    response = page.request.get(live_server.url + f"/cases/images/{image.pk}/tiles/0/0/0")
    assert response.status == 404
