"""The volume viewer's annotation tools with touch and pen (pointer events), in Chromium's
touch emulation: a box dragged with a finger and a distance drawn with a pen are saved
in world coordinates, within half a voxel of SimpleITK's voxel corners, and the finger
that draws does not also move the viewer's crosshair."""

from collections.abc import Sequence

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.viewer.test_annotations import (
    CORNER_A,
    CORNER_B,
    SHOTS,
    annotation_sockets,
    close_to,
    oblique_item,
    on_screen,
    open_axial,
)

pytestmark = pytest.mark.django_db(transaction=True)


def steps(a: Sequence[float], b: Sequence[float], n: int = 8) -> list[tuple[float, float]]:
    return [(a[0] + (b[0] - a[0]) * i / n, a[1] + (b[1] - a[1]) * i / n) for i in range(n + 1)]


def finger_drag(cdp, a: Sequence[float], b: Sequence[float]) -> None:  # type: ignore[no-untyped-def]
    points = steps(a, b)
    cdp.send(
        "Input.dispatchTouchEvent",
        {"type": "touchStart", "touchPoints": [{"x": points[0][0], "y": points[0][1]}]},
    )
    for x, y in points[1:]:
        cdp.send(
            "Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]}
        )
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def pen_drag(cdp, a: Sequence[float], b: Sequence[float]) -> None:  # type: ignore[no-untyped-def]
    pen = {"pointerType": "pen", "button": "left"}
    points = steps(a, b)
    x, y = points[0]
    cdp.send(
        "Input.dispatchMouseEvent", {"type": "mousePressed", "x": x, "y": y, "clickCount": 1, **pen}
    )
    for x, y in points[1:]:
        cdp.send(
            "Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y, "buttons": 1, **pen}
        )
    cdp.send(
        "Input.dispatchMouseEvent",
        {"type": "mouseReleased", "x": x, "y": y, "clickCount": 1, **pen},
    )


def test_draw_with_a_finger_and_a_pen(live_server, browser_as) -> None:  # type: ignore[no-untyped-def]
    editor: User = UserFactory()  # type: ignore[assignment]
    item, volume = oblique_item(editor)
    box_socket, dist_socket = annotation_sockets()
    a = volume.TransformContinuousIndexToPhysicalPoint(CORNER_A)
    b = volume.TransformContinuousIndexToPhysicalPoint(CORNER_B)
    page = browser_as(editor)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})
    open_axial(page, live_server.url + reverse("archives:item", args=[item.archive.slug, item.pk]))
    panel = page.locator("[data-annotation-panel]")
    viewer = page.locator(".tessera-viewer")

    panel.get_by_label("Socket").select_option(box_socket.slug)
    panel.get_by_role("button", name="Draw").click()
    page.locator(".viewer-canvas").evaluate("el => el.scrollIntoView({block: 'center'})")
    start, end = on_screen(page, a, a), on_screen(page, b, a)
    crosshair = page.evaluate(
        "() => [...document.querySelector('.tessera-viewer').viewer.nv.scene.crosshairPos]"
    )
    finger_drag(cdp, start, end)
    page.wait_for_timeout(200)
    # the finger drew; Niivue did not take the touch to move the crosshair
    after = page.evaluate(
        "() => [...document.querySelector('.tessera-viewer').viewer.nv.scene.crosshairPos]"
    )
    assert after == crosshair
    assert viewer.get_attribute("data-annotating") == ""  # one box drawn: back to navigating
    panel.get_by_role("button", name="Save to this item").click()
    page.get_by_text("Saved as Lesion box on this item.").wait_for()

    panel.get_by_label("Socket").select_option(dist_socket.slug)
    panel.get_by_role("button", name="Draw").click()
    page.locator(".viewer-canvas").evaluate("el => el.scrollIntoView({block: 'center'})")
    pen_drag(cdp, on_screen(page, b, a), on_screen(page, a, a))
    panel.get_by_role("button", name="Save to this item").click()
    page.get_by_text("Saved as Lesion diameter on this item.").wait_for()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".viewer-canvas").screenshot(path=str(SHOTS / "annotations-touch.png"))

    client = APIClient()
    client.force_authenticate(editor)
    response = client.get(reverse("api:archive-item-detail", args=[item.pk]))
    stored = {v["interface"]["slug"]: v["value"] for v in response.json()["values"]}
    corners = stored[box_socket.slug]["corners"]
    assert close_to(corners[0], a) and close_to(corners[2], b), corners
    dist = stored[dist_socket.slug]
    assert close_to(dist["start"], b) and close_to(dist["end"], a), dist
    assert page.console_errors == []  # type: ignore[attr-defined]
