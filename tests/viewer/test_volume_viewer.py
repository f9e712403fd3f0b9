"""The image page's volume viewer in a real Chromium, judged on the canvas pixels."""

import io
import re
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse
from PIL import Image as PILImage

from app.storage import bucket_name, s3_client
from archives.models import ArchiveItem
from archives.services import archive_create, archive_item_create
from components.models import ComponentInterface
from components.services import socket_value_create
from tests.factories import UserFactory
from tests.viewer.volumes import AIR, BODY, ct_in_archive, oblique_volume, rgb_photo, store_volume

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(settings.VAR_DIR) / "screenshots" / "viewer"


def canvas_pixels(page, name: str) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The canvas as an RGB array, also saved for a person to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    png = page.locator(".tessera-viewer canvas").screenshot(path=str(SHOTS / f"{name}.png"))
    return np.asarray(PILImage.open(io.BytesIO(png)).convert("RGB")).astype(int)


def wait_ready(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector(".tessera-viewer[data-state=ready]")
    page.wait_for_timeout(300)  # one more animation frame for the first draw


def slice_label(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator("[data-viewer=slice-label]").inner_text()


def changed(a: np.ndarray, b: np.ndarray) -> float:
    """Fraction of pixels whose colour differs by more than a rounding error."""
    return float((np.abs(a - b).max(axis=2) > 8).mean())


def grey_in_body(pixels: np.ndarray) -> int:
    """The grey level of the uniform 100 HU body, a little off the crosshair in the middle."""
    h, w, _ = pixels.shape
    patch = pixels[h // 2 + 30 : h // 2 + 40, w // 2 + 30 : w // 2 + 40]
    return int(np.median(patch))


def test_scroll_window_and_switch_plane_change_the_pixels(live_server, browser_as):  # type: ignore[no-untyped-def]
    user: User = UserFactory()  # type: ignore[assignment]
    image = ct_in_archive(user, window=(100, 1000))
    page = browser_as(user)
    page.goto(live_server.url + reverse("cases:image", args=[image.pk]))
    wait_ready(page)
    page.get_by_role("button", name="Axial", exact=True).click()
    page.wait_for_timeout(200)
    assert slice_label(page) == "Axial slice 21 of 40"
    before = canvas_pixels(page, "axial-21")
    # The image's own window (C 100, W 1000) puts the 100 HU body at mid-grey.
    assert abs(grey_in_body(before) - 128) <= 6

    page.locator(".tessera-viewer canvas").focus()
    for _ in range(10):
        page.keyboard.press("ArrowUp")
    page.wait_for_timeout(200)
    assert slice_label(page) == "Axial slice 31 of 40"
    after = canvas_pixels(page, "axial-31")
    assert changed(before, after) > 0.002  # the bone rod grew
    assert abs(grey_in_body(after) - 128) <= 6  # the body did not

    page.mouse.move(640, 500)
    box = page.locator(".tessera-viewer canvas").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(3):
        page.mouse.wheel(0, -100)
        page.wait_for_timeout(100)
    assert slice_label(page) != "Axial slice 31 of 40"
    page.keyboard.press("ArrowDown")

    # Lung window C -600, W 1500: 100 HU -> (100 + 1350) / 1500 of white.
    page.get_by_label("Window").select_option(label="Lung (C -600, W 1500)")
    page.wait_for_timeout(200)
    lung = canvas_pixels(page, "axial-lung")
    assert abs(grey_in_body(lung) - round(255 * (BODY + 1350) / 1500)) <= 6
    assert page.locator("[data-viewer=window]").inner_text() == "Window C -600, W 1500"

    page.get_by_role("button", name="Coronal", exact=True).click()
    page.wait_for_timeout(200)
    coronal = canvas_pixels(page, "coronal")
    assert slice_label(page).startswith("Coronal slice ") and slice_label(page).endswith(" of 64")
    assert changed(lung, coronal) > 0.05

    page.locator(".tessera-viewer canvas").click()
    assert f"value {BODY}" in page.locator("[data-viewer=readout]").inner_text()
    # the readout follows the mouse without a click: air in the corner of the volume
    box = page.locator(".tessera-viewer canvas").bounding_box()
    assert box is not None
    page.get_by_role("button", name="Axial", exact=True).click()
    page.mouse.move(box["x"] + box["width"] * 0.03, box["y"] + box["height"] * 0.03)
    assert page.locator("[data-viewer=readout]").inner_text().endswith(f"value {AIR}")
    page.mouse.move(box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.55)
    assert page.locator("[data-viewer=readout]").inner_text().endswith(f"value {BODY}")

    # ctrl+wheel zooms in: the same slice, magnified
    zoom_before = canvas_pixels(page, "axial-before-zoom")
    label = slice_label(page)
    page.keyboard.down("Control")
    page.mouse.wheel(0, -100)
    page.mouse.wheel(0, -100)
    page.keyboard.up("Control")
    page.wait_for_timeout(200)
    assert page.locator(".tessera-viewer").get_attribute("data-zoom") == "1.44"
    assert slice_label(page) == label
    assert changed(zoom_before, canvas_pixels(page, "axial-zoomed")) > 0.02

    page.get_by_role("button", name="MPR").click()
    page.wait_for_timeout(300)
    canvas_pixels(page, "mpr")
    page.screenshot(path=str(SHOTS / "image-page.png"), full_page=True)
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_without_permission_every_viewer_url_is_404_and_the_page_says_so(  # type: ignore[no-untyped-def]
    live_server, browser_as
):
    owner: User = UserFactory()  # type: ignore[assignment]
    outsider: User = UserFactory()  # type: ignore[assignment]
    image = ct_in_archive(owner)
    file = image.files.get()
    urls = [
        reverse("cases:image", args=[image.pk]),
        reverse("cases:image-file", args=[image.pk, file.pk, "mha"]),
        reverse("cases:thumbnail", args=[image.pk]),
    ]
    page = browser_as(outsider)
    for url in urls:
        assert page.request.get(live_server.url + url, max_redirects=0).status == 404, url

    # Permission withdrawn between the page and its download: the viewer says so.
    page = browser_as(owner)
    held = []
    page.route("**/files/*.mha", lambda route: held.append(route))
    page.goto(live_server.url + urls[0])
    page.wait_for_function("() => true")
    page.wait_for_timeout(300)
    assert len(held) == 1
    ArchiveItem.objects.filter(values__image=image).delete()  # the owner's only access
    held[0].continue_()
    page.wait_for_selector(".tessera-viewer[data-state=error]")
    status = page.locator("[data-viewer=status]")
    assert status.inner_text() == (
        "You do not have permission to view this image, or it no longer exists."
    )
    assert page.locator(".tessera-viewer canvas").is_hidden()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "no-permission.png"))


def test_an_oblique_volume_reads_out_the_voxel_under_the_crosshair(live_server, browser_as):  # type: ignore[no-untyped-def]
    """Niivue draws the volume in world space (true orientation); at any crosshair
    position the readout's voxel (from our LPS geometry) holds the value Niivue samples,
    and its world point is SimpleITK's TransformIndexToPhysicalPoint of that voxel."""
    user: User = UserFactory()  # type: ignore[assignment]
    volume = oblique_volume()
    image = store_volume(volume, name="Oblique", window=None)
    archive = archive_create(creator=user, title="Oblique")
    item = archive_item_create(archive=archive)
    item.values.add(
        socket_value_create(
            socket=ComponentInterface.objects.get(slug="generic-medical-image"), image=image
        )
    )
    page = browser_as(user)
    page.goto(live_server.url + reverse("cases:image", args=[image.pk]))
    wait_ready(page)
    page.get_by_role("button", name="Axial", exact=True).click()
    canvas = page.locator(".tessera-viewer canvas")
    box = canvas.bounding_box()
    assert box is not None
    readouts = []
    for fx, fy in [(0.5, 0.5), (0.45, 0.55), (0.55, 0.45), (0.52, 0.5)]:
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        page.wait_for_timeout(150)
        text = page.locator("[data-viewer=readout]").inner_text()
        found = re.fullmatch(
            r"(-?[\d.]+), (-?[\d.]+), (-?[\d.]+) mm · voxel (\d+), (\d+), (\d+) · value (-?\d+)",
            text,
        )
        assert found, text
        x, y, z, i, j, k, value = found.groups()
        assert int(value) == int(i) + 100 * int(j) + 10000 * int(k), text
        # The clicked point lies within half a voxel of that voxel's SimpleITK centre
        # (plus the readout's 0.05 mm rounding: 0.05 / 1.2 mm < 0.06 voxel).
        index = volume.TransformPhysicalPointToContinuousIndex((float(x), float(y), float(z)))
        voxel = (int(i), int(j), int(k))
        assert all(abs(c - n) <= 0.56 for c, n in zip(index, voxel, strict=True)), (
            text,
            volume.TransformIndexToPhysicalPoint(voxel),
        )
        readouts.append(text)
    canvas_pixels(page, "oblique-axial")
    assert len(set(readouts)) == 4


def test_a_2d_rgb_image_shows_its_colours_in_one_plane(live_server, browser_as):  # type: ignore[no-untyped-def]
    user: User = UserFactory()  # type: ignore[assignment]
    image = store_volume(rgb_photo(), name="Fundus", window=None)
    archive = archive_create(creator=user, title="Photos")
    archive_item_create(archive=archive).values.add(
        socket_value_create(
            socket=ComponentInterface.objects.get(slug="generic-medical-image"), image=image
        )
    )
    page = browser_as(user)
    page.goto(live_server.url + reverse("cases:image", args=[image.pk]))
    wait_ready(page)
    assert page.locator(".tessera-viewer").get_attribute("data-plane") == "axial"
    assert slice_label(page) == "Axial slice 1 of 1"
    pixels = canvas_pixels(page, "rgb-2d")
    red = (pixels[..., 0] > 200) & (pixels[..., 1] < 60) & (pixels[..., 2] < 60)
    blue = (pixels[..., 2] > 200) & (pixels[..., 0] < 60) & (pixels[..., 1] < 60)
    assert red.mean() > 0.15 and blue.mean() > 0.15
    # Voxel x grows to the screen's right (patient's left on the right, as radiologists
    # read), so the red half (x < 32) lies left of the blue one.
    columns_red = np.flatnonzero(red.any(axis=0))
    columns_blue = np.flatnonzero(blue.any(axis=0))
    assert columns_red.max() < columns_blue.min()
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_a_grey_2d_image_is_placed_at_its_origin_in_its_directions(live_server, browser_as):  # type: ignore[no-untyped-def]
    """Niivue reads a 2D .mha without its origin and directions; the viewer hands it a
    one-slice volume instead, so readout and drawn annotations are in the image's world."""
    import SimpleITK as sitk

    user: User = UserFactory()  # type: ignore[assignment]
    flat = sitk.GetImageFromArray(np.arange(48 * 64, dtype=np.uint8).reshape(48, 64))
    flat.SetOrigin((30.0, -12.0))
    flat.SetSpacing((0.5, 0.8))
    flat.SetDirection((-1.0, 0.0, 0.0, 1.0))
    image = store_volume(flat, name="Flat", window=None)
    archive = archive_create(creator=user, title="Flat")
    archive_item_create(archive=archive).values.add(
        socket_value_create(
            socket=ComponentInterface.objects.get(slug="generic-medical-image"), image=image
        )
    )
    page = browser_as(user)
    page.goto(live_server.url + reverse("cases:image", args=[image.pk]))
    wait_ready(page)
    # Niivue's world (RAS) of two voxels, against SimpleITK's (LPS: x and y negated)
    ras = page.evaluate(
        """() => {
          const a = document.querySelector(".tessera-viewer").viewer.nv.volumes[0].hdr.affine;
          return [[0, 0, 0], [10, 20, 0]].map(([i, j, k]) =>
            [0, 1, 2].map((r) => a[r][0] * i + a[r][1] * j + a[r][2] * k + a[r][3]));
        }"""
    )
    for voxel, got in zip([(0, 0), (10, 20)], ras, strict=True):
        x, y = flat.TransformIndexToPhysicalPoint(voxel)
        assert np.allclose(got, [-x, -y, 0], atol=1e-3), (voxel, got)
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_a_file_that_fails_to_load_says_why(live_server, browser_as):  # type: ignore[no-untyped-def]
    user: User = UserFactory()  # type: ignore[assignment]
    image = ct_in_archive(user)
    broken = (
        b"ObjectType = Image\nNDims = 3\nDimSize = 64 64 40\nElementType = MET_SHORT\n"
        b"CompressedData = True\nElementDataFile = LOCAL\nthis is not zlib data"
    )
    s3_client("protected").put_object(
        Bucket=bucket_name("protected"), Key=image.files.get().file.name, Body=broken
    )
    image.files.update(size=len(broken))
    page = browser_as(user)
    page.goto(live_server.url + reverse("cases:image", args=[image.pk]))
    page.wait_for_selector(".tessera-viewer[data-state=error]")
    message = page.locator("[data-viewer=status]").inner_text()
    assert message == (
        "The image could not be displayed: Chest CT could not be read "
        "(its compressed voxel data is damaged)."
    ), message
    assert page.locator(".tessera-viewer canvas").is_hidden()
    page.screenshot(path=str(SHOTS / "broken-file.png"))


def test_the_stored_preview_shows_at_once_while_the_volume_downloads(live_server, browser_as):  # type: ignore[no-untyped-def]
    user: User = UserFactory()  # type: ignore[assignment]
    image = ct_in_archive(user)
    png = io.BytesIO()
    PILImage.new("L", (64, 64), 200).save(png, format="PNG")
    image.thumbnail = f"images/{image.pk}/thumbnail.png"
    image.save()
    s3_client("protected").put_object(
        Bucket=bucket_name("protected"), Key=image.thumbnail, Body=png.getvalue()
    )
    page = browser_as(user)
    held: list = []  # the volume's download waits until the preview has been seen
    page.route(re.compile(r".*/files/[0-9a-f-]+\.mha$"), lambda route: held.append(route))
    page.goto(live_server.url + reverse("cases:image", args=[image.pk]))

    page.wait_for_function(
        "() => { const i = document.querySelector('[data-viewer=preview]');"
        " return i && i.complete && i.naturalWidth === 64; }"
    )
    assert page.locator("[data-viewer=preview]").is_visible()
    assert page.locator(".tessera-viewer").get_attribute("data-state") == "loading"
    page.wait_for_function("() => true")  # let the route handler record the request
    assert held, "the volume download never started"
    for route in held:
        route.continue_()
    wait_ready(page)
    assert not page.locator("[data-viewer=preview]").is_visible()
    assert page.console_errors == []


def test_the_middle_slices_are_drawn_from_the_download_before_niivue_loads(live_server, browser_as):  # type: ignore[no-untyped-def]
    user: User = UserFactory()  # type: ignore[assignment]
    image = ct_in_archive(user, window=(100, 1000))
    page = browser_as(user)
    held: list = []  # Niivue's bundle waits until the decoded slices have been seen
    page.route(re.compile(r".*/vendor/niivue/index\.js$"), lambda route: held.append(route))
    page.goto(live_server.url + reverse("cases:image", args=[image.pk]))

    # the middle axial slice while downloading, then all three planes on the CPU
    page.wait_for_selector(".tessera-viewer[data-quick-slice='21'][data-mpr=ready]")
    assert page.locator(".tessera-viewer").get_attribute("data-state") == "loading"
    assert page.locator("canvas.viewer-quick-look").count() == 0
    planes = page.locator("canvas.viewer-cpu")
    assert planes.is_visible()
    assert planes.get_attribute("aria-label") == (
        "Chest CT in the volume viewer: axial, coronal and sagittal planes"
    )
    grey = page.evaluate(
        """() => {
            // the axial tile lies below the coronal one: x from 0 to 51.2 mm, y from 100 mm
            const c = document.querySelector("canvas.viewer-cpu");
            const scale = Math.min(c.width / 102.4, c.height / 151.2);
            const left = (c.width - 102.4 * scale) / 2;
            const top = (c.height - 151.2 * scale) / 2 + 100 * scale;
            const at = (v, start) => Math.floor(start + (v + 0.5) * 0.8 * scale);
            const ctx = c.getContext("2d");
            const px = (i, j) => ctx.getImageData(at(i, left), at(j, top), 1, 1).data[0];
            return { air: px(1, 1), body: px(32, 40), bone: px(48, 32) };
        }"""
    )
    # the image's window C 100, W 1000: air black, the 100 HU body mid-grey, bone white
    assert (grey["air"], grey["bone"]) == (0, 255), grey
    assert abs(grey["body"] - 128) <= 2, grey
    page.screenshot(path=str(SHOTS / "quick-look.png"))
    for route in held:
        route.continue_()
    wait_ready(page)
    assert page.locator("canvas.viewer-cpu").count() == 0
    assert slice_label(page).endswith("slice 21 of 40")
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_the_3d_view_is_one_click_away(live_server, browser_as):  # type: ignore[no-untyped-def]
    user: User = UserFactory()  # type: ignore[assignment]
    image = ct_in_archive(user, window=(100, 1000))
    page = browser_as(user)
    page.goto(live_server.url + reverse("cases:image", args=[image.pk]))
    wait_ready(page)
    # software WebGL (as here): three planes, no 3D tile redrawn with every scroll
    assert page.locator(".tessera-viewer").get_attribute("data-render-in-grid") == "false"
    planes = canvas_pixels(page, "mpr-software-gl")
    h, w, _ = planes.shape
    fourth = planes[int(h * 0.72) :, int(w * 0.55) :]
    assert (fourth.max(axis=2) > 40).mean() < 0.01  # the fourth tile is empty
    page.get_by_role("button", name="3D", exact=True).click()
    page.wait_for_timeout(300)
    assert page.locator(".tessera-viewer").get_attribute("data-plane") == "render"
    rendered = canvas_pixels(page, "render")
    lit = (rendered.max(axis=2) > 40).mean()
    assert lit > 0.05, lit  # the body, rendered
    assert changed(planes, rendered) > 0.05
    assert page.console_errors == []  # type: ignore[attr-defined]
