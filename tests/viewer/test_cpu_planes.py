"""The CPU planes: the whole volume in three planes as soon as it has downloaded, answering
scrolls, clicks and windowing while Niivue prepares; Niivue takes over where the user was.
Niivue's bundle is held back so that the CPU planes are checked on their own."""

import io
import re

import numpy as np
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse
from PIL import Image as PILImage

from tests.factories import UserFactory
from tests.viewer.volumes import (
    BODY,
    BONE_CENTRE,
    ct_in_archive,
    in_archive,
    oblique_volume,
    store_volume,
)

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = settings.VAR_DIR / "screenshots" / "viewer"
NIIVUE = re.compile(r".*/vendor/niivue/index\.js$")


def pixels(page, selector: str, name: str) -> np.ndarray:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    png = page.locator(selector).screenshot(path=str(SHOTS / f"{name}.png"))
    return np.asarray(PILImage.open(io.BytesIO(png)).convert("RGB")).astype(int)


def on_plane(width: float, height: float, voxel: tuple[int, int]) -> tuple[float, float]:
    """Where the centre of voxel (x, y) of a square plane, centred and as large as it fits,
    lies in a width x height area (the test CT is 64 voxels wide and high)."""
    size = 64
    side = min(width, height)
    return (
        (width - side) / 2 + (voxel[0] + 0.5) / size * side,
        (height - side) / 2 + (voxel[1] + 0.5) / size * side,
    )


def grey_at(image: np.ndarray, voxel: tuple[int, int]) -> int:
    h, w, _ = image.shape
    x, y = on_plane(w, h, voxel)
    return int(image[int(y), int(x)].max())


def text(page, name: str) -> str:  # type: ignore[no-untyped-def]
    return page.locator(f"[data-viewer={name}]").inner_text()


def test_the_cpu_planes_answer_before_niivue_and_hand_over(live_server, browser_as):  # type: ignore[no-untyped-def]
    user: User = UserFactory()  # type: ignore[assignment]
    image = ct_in_archive(user, window=(100, 1000))
    page = browser_as(user)
    held: list = []
    page.route(NIIVUE, lambda route: held.append(route))
    page.goto(live_server.url + reverse("cases:image", args=[image.pk]))

    page.wait_for_selector(".tessera-viewer[data-mpr=ready] canvas.viewer-cpu")
    root = page.locator(".tessera-viewer")
    assert root.get_attribute("data-state") == "loading"
    assert text(page, "slice-label") == "Axial slice 21 of 40"
    pixels(page, "canvas.viewer-cpu", "cpu-mpr")

    page.get_by_role("button", name="Axial", exact=True).click()
    assert root.get_attribute("data-plane") == "axial"
    before = pixels(page, "canvas.viewer-cpu", "cpu-axial-21")
    # the image's window C 100, W 1000: air black, the 100 HU body mid-grey, bone white
    assert grey_at(before, (2, 2)) == 0
    assert abs(grey_at(before, (32, 48)) - 128) <= 3
    assert grey_at(before, BONE_CENTRE) == 255

    page.locator("canvas.viewer-cpu").focus()
    for _ in range(10):
        page.keyboard.press("ArrowUp")
    page.wait_for_timeout(100)
    assert text(page, "slice-label") == "Axial slice 31 of 40"
    after = pixels(page, "canvas.viewer-cpu", "cpu-axial-31")
    assert float((np.abs(after - before).max(axis=2) > 8).mean()) > 0.002  # the bone rod grew

    box = page.locator("canvas.viewer-cpu").bounding_box()
    assert box is not None

    def at(x: int, y: int) -> tuple[float, float]:
        px, py = on_plane(box["width"], box["height"], (x, y))
        return box["x"] + px, box["y"] + py

    page.mouse.click(*at(*BONE_CENTRE))
    assert text(page, "readout") == "12.8, 0.0, 175.0 mm · voxel 48, 32, 30 · value 1200"
    page.mouse.wheel(0, 100)  # down: one slice on, as Niivue scrolls
    page.wait_for_timeout(100)
    assert text(page, "slice-label") == "Axial slice 32 of 40"

    # Lung window C -600, W 1500: 100 HU -> (100 + 1350) / 1500 of white
    page.get_by_label("Window").select_option(label="Lung (C -600, W 1500)")
    page.wait_for_timeout(100)
    lung = pixels(page, "canvas.viewer-cpu", "cpu-axial-lung")
    assert abs(grey_at(lung, (32, 48)) - round(255 * (BODY + 1350) / 1500)) <= 3
    assert text(page, "window") == "Window C -600, W 1500"
    # right drag over the body alone: the window spans its values (all 100 HU)
    page.mouse.move(*at(24, 40))
    page.mouse.down(button="right")
    page.mouse.move(*at(36, 50), steps=3)
    page.mouse.up(button="right")
    assert text(page, "window") == "Window C 100.5, W 1"
    page.screenshot(path=str(SHOTS / "cpu-page.png"))

    for route in held:
        route.continue_()
    page.wait_for_selector(".tessera-viewer[data-state=ready]")
    page.wait_for_timeout(300)
    assert page.locator("canvas.viewer-cpu").count() == 0
    # Niivue shows the slice, layout and window the user had set
    assert root.get_attribute("data-plane") == "axial"
    assert text(page, "slice-label") == "Axial slice 32 of 40"
    assert text(page, "window") == "Window C 100.5, W 1"
    niivue = pixels(page, ".tessera-viewer canvas[data-viewer=canvas]", "cpu-handed-over")
    h, w, _ = niivue.shape
    body = niivue[h // 2 + 30 : h // 2 + 40, w // 2 + 30 : w // 2 + 40]
    assert int(np.median(body)) <= 8  # the body is black in that window
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_an_oblique_volume_waits_for_niivue(live_server, browser_as):  # type: ignore[no-untyped-def]
    """The CPU planes follow the voxel axes; an oblique volume is shown only in its true
    orientation, by Niivue."""
    user: User = UserFactory()  # type: ignore[assignment]
    image = in_archive(user, store_volume(oblique_volume(), name="Oblique", window=None))
    page = browser_as(user)
    page.goto(live_server.url + reverse("cases:image", args=[image.pk]))
    page.wait_for_selector(".tessera-viewer[data-state=ready]")
    assert page.locator(".tessera-viewer").get_attribute("data-mpr") is None
    assert page.console_errors == []  # type: ignore[attr-defined]
