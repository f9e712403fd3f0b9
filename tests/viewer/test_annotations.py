"""Annotation tools on the archive item page, in a real Chromium with real mouse events:
drawn on an oblique volume, saved as socket values through the item API, and shown again."""

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse
from PIL import Image as PILImage
from rest_framework.test import APIClient

from archives.models import ArchiveItem
from archives.services import archive_create, archive_item_create, archive_member_add
from components.models import ComponentInterface
from components.services import socket_create, socket_value_create
from tests.browser_checks import axe_violations
from tests.factories import UserFactory
from tests.viewer.volumes import ct_in_archive, oblique_volume, store_volume

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(settings.VAR_DIR) / "screenshots" / "viewer"
# two voxel corners of the oblique test volume (continuous indices), in one of its slices
CORNER_A = (5.5, 7.5, 7.5)
CORNER_B = (13.5, 17.5, 7.5)
HALF_VOXEL_MM = 0.5 * 1.2  # half the volume's smallest spacing


def oblique_item(editor: User) -> tuple[ArchiveItem, Any]:
    volume = oblique_volume()
    image = store_volume(volume, name="Oblique", window=None)
    archive = archive_create(creator=editor, title="Oblique annotations")
    item = archive_item_create(archive=archive)
    item.values.add(
        socket_value_create(
            socket=ComponentInterface.objects.get(slug="generic-medical-image"), image=image
        )
    )
    return item, volume


def annotation_sockets() -> tuple[ComponentInterface, ComponentInterface]:
    box = socket_create(title="Lesion box", kind="2D bounding box", relative_path="box.json")
    dist = socket_create(
        title="Lesion diameter", kind="Distance measurement", relative_path="diameter.json"
    )
    return box, dist


def open_axial(page, url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url)
    page.wait_for_selector(".tessera-viewer[data-state=ready]")
    page.get_by_role("button", name="Axial", exact=True).click()
    page.wait_for_timeout(300)


def on_screen(page, world: Sequence[float], through: Sequence[float]) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Page coordinates (CSS px) of an LPS world point by Niivue's own mapping
    (frac2canvasPos), with the axial slice moved to the one through `through`. Niivue shows
    an oblique volume's own slice planes (tilted in world space) in world x and y."""
    xy = page.evaluate(
        """([x, y, z, tx, ty, tz]) => {
          const nv = document.querySelector(".tessera-viewer").viewer.nv;
          const slice = nv.mm2frac([-tx, -ty, tz])[2]; // Niivue works in RAS
          nv.scene.crosshairPos = [nv.scene.crosshairPos[0], nv.scene.crosshairPos[1], slice];
          nv.drawScene();
          const [cx, cy] = nv.frac2canvasPos(nv.mm2frac([-x, -y, z]));
          const rect = nv.canvas.getBoundingClientRect();
          const dpr = nv.uiData.dpr || window.devicePixelRatio || 1;
          return [rect.left + cx / dpr, rect.top + cy / dpr];
        }""",
        [*world, *through],
    )
    return xy[0], xy[1]


def drag(page, start: tuple[float, float], end: tuple[float, float]) -> None:  # type: ignore[no-untyped-def]
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=8)
    page.mouse.up()


def close_to(actual: Sequence[float], expected: Sequence[float]) -> bool:
    return bool(np.linalg.norm(np.subtract(actual, expected)) <= HALF_VOXEL_MM)


def red_pixels(page, name: str) -> int:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    png = page.locator(".viewer-canvas").screenshot(path=str(SHOTS / f"{name}.png"))
    rgb = np.asarray(PILImage.open(io.BytesIO(png)).convert("RGB")).astype(int)
    return int(((rgb[..., 0] > 200) & (rgb[..., 1] < 80) & (rgb[..., 2] < 80)).sum())


def test_draw_a_box_and_a_distance_save_them_and_see_them_again(live_server, browser_as):  # type: ignore[no-untyped-def]
    editor: User = UserFactory()  # type: ignore[assignment]
    item, volume = oblique_item(editor)
    box_socket, dist_socket = annotation_sockets()
    a = volume.TransformContinuousIndexToPhysicalPoint(CORNER_A)
    b = volume.TransformContinuousIndexToPhysicalPoint(CORNER_B)
    url = live_server.url + reverse("archives:item", args=[item.archive.slug, item.pk])
    page = browser_as(editor)
    open_axial(page, url)
    panel = page.locator("[data-annotation-panel]")

    # the box: choose its socket, Draw, drag from A to B on the slice through both, save
    panel.get_by_label("Socket").select_option(box_socket.slug)
    panel.get_by_role("button", name="Draw").click()
    drag(page, on_screen(page, a, a), on_screen(page, b, a))
    panel.get_by_role("button", name="Save to this item").click()
    page.get_by_text("Saved as Lesion box on this item.").wait_for()

    # the distance, from B back to A; its label shows the length in mm
    panel.get_by_label("Socket").select_option(dist_socket.slug)
    panel.get_by_role("button", name="Draw").click()
    drag(page, on_screen(page, b, a), on_screen(page, a, a))
    panel.get_by_role("button", name="Save to this item").click()
    page.get_by_text("Saved as Lesion diameter on this item.").wait_for()
    assert red_pixels(page, "annotations-drawn") > 200
    assert page.console_errors == []
    page.screenshot(path=str(SHOTS / "item-annotate.png"), full_page=True)
    assert axe_violations(page, "[data-annotation-panel], [data-annotations=tools]") == []
    page.set_viewport_size({"width": 390, "height": 900})
    page.screenshot(path=str(SHOTS / "item-annotate-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 1000})

    client = APIClient()
    client.force_authenticate(editor)
    response = client.get(reverse("api:archive-item-detail", args=[item.pk]))
    assert response.status_code == 200
    stored = {v["interface"]["slug"]: v["value"] for v in response.json()["values"]}
    dist = stored[dist_socket.slug]
    assert dist["type"] == "Distance measurement"
    # SimpleITK's TransformIndexToPhysicalPoint of the voxel corners, within half a voxel
    assert close_to(dist["start"], b) and close_to(dist["end"], a), dist
    box = stored[box_socket.slug]
    assert box["type"] == "2D bounding box" and box["version"] == {"major": 1, "minor": 0}
    corners = box["corners"]
    assert close_to(corners[0], a) and close_to(corners[2], b), box
    # the other two corners: axis-aligned on screen (world x, y), in the same voxel slice
    assert close_to(corners[1][:2], (b[0], a[1])) and close_to(corners[3][:2], (a[0], b[1])), box
    for corner in corners:
        k = volume.TransformPhysicalPointToContinuousIndex(corner)[2]
        assert abs(k - CORNER_A[2]) <= 0.5, (corner, k)

    # a reload shows both again, read-only until the user chooses to edit
    page.reload()
    open_axial(page, url)
    on_screen(page, a, a)
    page.wait_for_timeout(200)
    assert page.locator("canvas.viewer-annotations").get_attribute("data-drawn") == "2"
    assert red_pixels(page, "annotations-reloaded") > 200
    assert page.locator("[data-annotations=tools]").is_hidden()


def test_without_edit_permission_there_is_no_save_and_the_api_refuses(live_server, browser_as):  # type: ignore[no-untyped-def]
    editor: User = UserFactory()  # type: ignore[assignment]
    reader: User = UserFactory()  # type: ignore[assignment]
    item, volume = oblique_item(editor)
    archive_member_add(archive=item.archive, role="users", user=reader, actor=editor)
    box_socket, _ = annotation_sockets()
    # a box on the volume's slice through A: drawn as a parallelogram on the axial view
    i, j, k = CORNER_A
    corners = [(i, j, k), (i + 4, j, k), (i + 4, j + 4, k), (i, j + 4, k)]
    box = [list(volume.TransformContinuousIndexToPhysicalPoint(c)) for c in corners]
    item.values.add(
        socket_value_create(
            socket=box_socket,
            value={"type": "2D bounding box", "corners": box, "version": {"major": 1, "minor": 0}},
        )
    )
    page = browser_as(reader)
    open_axial(page, live_server.url + reverse("archives:item", args=[item.archive.slug, item.pk]))
    assert page.locator("[data-annotation-panel]").count() == 0
    assert page.get_by_role("button", name="Save to this item").count() == 0
    # the stored box is drawn for the reader, who cannot change it
    on_screen(page, box[0], box[0])
    page.wait_for_timeout(200)
    assert page.locator("canvas.viewer-annotations").get_attribute("data-drawn") == "1"
    assert page.locator("[data-annotations=tools]").is_hidden()

    client = APIClient()
    client.force_authenticate(reader)
    response = client.patch(
        reverse("api:archive-item-detail", args=[item.pk]),
        {"values": [{"interface": box_socket.slug, "value": None}]},
        format="json",
    )
    assert response.status_code == 403


def test_the_layer_api_draws_edits_deletes_and_undoes(live_server, browser_as):  # type: ignore[no-untyped-def]
    """What a reader-study page does: layers of several kinds through the JavaScript API,
    drawn with clicks, moved, edited, deleted and undone, each user edit one change event."""
    user: User = UserFactory()  # type: ignore[assignment]
    image = ct_in_archive(user)
    page = browser_as(user)
    open_axial(page, live_server.url + reverse("cases:image", args=[image.pk]))
    page.evaluate(
        """() => {
          const annotations = document.querySelector(".tessera-viewer").viewer.annotations;
          window.events = [];
          window.layers = {};
          for (const [id, kind, multiple] of [["poly", "Polygon", false],
              ["angle", "Three-point angle", false], ["pts", "Point", true]]) {
            const layer = annotations.layer({ id, kind, multiple, color: "#00ff00" });
            layer.addEventListener("change", (e) => window.events.push([id, e.detail.value]));
            window.layers[id] = layer;
          }
        }"""
    )
    box = page.locator(".tessera-viewer canvas").first.bounding_box()
    assert box is not None

    def at(fx: float, fy: float) -> tuple[float, float]:
        return box["x"] + box["width"] * fx, box["y"] + box["height"] * fy

    def value(layer: str) -> Any:
        return page.evaluate(f"() => window.layers[{layer!r}].value")

    assert page.locator("[data-annotations=tools]").is_visible()
    # a polygon: clicks, then a double click on the last corner
    page.evaluate("() => window.layers.poly.activate()")
    for fx, fy in [(0.45, 0.4), (0.55, 0.4), (0.55, 0.5)]:
        page.mouse.click(*at(fx, fy))
    page.mouse.dblclick(*at(0.45, 0.5))
    poly = value("poly")
    assert poly["type"] == "Polygon" and len(poly["path_points"]) == 4
    assert page.locator(".tessera-viewer").get_attribute("data-annotating") == ""
    # a three-point angle with its vertex in the middle: 90 degrees
    page.evaluate("() => window.layers.angle.activate()")
    for fx, fy in [(0.35, 0.25), (0.35, 0.35), (0.45, 0.35)]:
        page.mouse.click(*at(fx, fy))
    p0, vertex, p2 = (np.array(p) for p in value("angle")["angle"])
    u, v = p0 - vertex, p2 - vertex
    assert abs(np.degrees(np.arccos(u @ v / np.linalg.norm(u) / np.linalg.norm(v))) - 90) < 1
    # multiple points: the tool stays on until Esc
    page.evaluate("() => window.layers.pts.activate()")
    for fx, fy in [(0.6, 0.65), (0.65, 0.65), (0.6, 0.7)]:
        page.mouse.click(*at(fx, fy))
    page.keyboard.press("Escape")
    assert len(value("pts")["points"]) == 3
    assert page.locator(".tessera-viewer").get_attribute("data-annotating") == ""

    # move the polygon by dragging its inside: every corner moves by the same step
    before = np.array(value("poly")["path_points"])
    drag(page, at(0.5, 0.45), at(0.53, 0.45))
    after = np.array(value("poly")["path_points"])
    step = after - before
    assert np.linalg.norm(step[0]) > 1 and np.allclose(step, step[0], atol=1e-6)
    # edit the angle's vertex: only that point moves
    before = np.array(value("angle")["angle"])
    drag(page, at(0.35, 0.35), at(0.38, 0.38))
    after = np.array(value("angle")["angle"])
    assert np.linalg.norm(after[1] - before[1]) > 1
    assert np.allclose(after[[0, 2]], before[[0, 2]])
    # select a point and delete it with the Delete key; Ctrl+Z brings it back
    page.mouse.click(*at(0.65, 0.65))
    page.keyboard.press("Delete")
    assert len(value("pts")["points"]) == 2
    page.keyboard.press("Control+z")
    assert len(value("pts")["points"]) == 3

    events = page.evaluate("() => window.events.map(([id]) => id)")
    assert events == ["poly", "angle", "pts", "pts", "pts", "poly", "angle", "pts", "pts"]
    # setting a value from the page is no user edit: no event, and the drawing follows it
    page.evaluate("() => window.layers.pts.set(null)")
    assert value("pts") is None
    assert page.evaluate("() => window.events.length") == 9
    red_pixels(page, "annotations-api")
    assert page.console_errors == []
