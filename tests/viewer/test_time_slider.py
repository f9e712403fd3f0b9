"""A 4D image (x, y, z, t) opens with a time slider; moving it shows the other time point
(pixels checked on the canvas), and a chart shows the intensity at the crosshair over
time. 3D images show no time slider."""

import numpy as np
import pytest
import SimpleITK as sitk
from django.contrib.auth.models import User

from archives.services import archive_create, archive_item_create
from components.models import ComponentInterface
from components.services import socket_value_create
from tests.factories import UserFactory
from tests.viewer.test_overlays import pixels
from tests.viewer.test_volume_viewer import SHOTS
from tests.viewer.volumes import AIR, ct_volume, store_volume

pytestmark = pytest.mark.django_db(transaction=True)


def cine(frames: int = 3) -> sitk.Image:
    """The test CT over `frames` time points, its body 400 HU brighter at each one."""
    ct = sitk.GetArrayFromImage(ct_volume())
    array = np.stack([np.where(ct > AIR, ct + 400 * t, ct) for t in range(frames)]).astype(np.int16)
    image = sitk.GetImageFromArray(array, isVector=False)
    image.SetSpacing((0.8, 0.8, 2.5, 1.0))
    image.SetOrigin((-25.6, -25.6, 100.0, 0.0))
    return image


def test_time_slider_moves_through_the_time_points(live_server, browser_as) -> None:  # type: ignore[no-untyped-def]
    user: User = UserFactory()  # type: ignore[assignment]
    item = archive_item_create(archive=archive_create(creator=user, title="Cine"))
    image = store_volume(cine(), name="Cine", window=(500, 2000))
    image.timepoints = 3
    image.save(update_fields=["timepoints"])
    item.values.add(
        socket_value_create(
            socket=ComponentInterface.objects.get(slug="generic-medical-image"), image=image
        )
    )
    page = browser_as(user)
    page.goto(live_server.url + item.get_absolute_url())
    page.wait_for_selector(".tessera-viewer[data-state=ready]")
    page.get_by_role("button", name="Axial", exact=True).click()
    page.wait_for_timeout(300)
    label = page.locator("[data-viewer=time-label]")
    assert label.inner_text() == "Time point 1 of 3"
    # the intensity at the crosshair (the body's centre) over time: 400 HU up each time
    chart = page.locator("[data-viewer=time-curve]")
    values = [float(v) for v in chart.get_attribute("data-values").split(",")]
    assert values[1] - values[0] == 400 and values[2] - values[1] == 400
    assert chart.locator("figcaption").inner_text().startswith("Intensity at voxel ")
    marker = chart.locator("circle")
    x_first = float(marker.get_attribute("cx"))
    canvas = page.locator(".tessera-viewer canvas")
    first = pixels(canvas, "time-1")
    page.get_by_label("Time point").fill("3")
    page.wait_for_timeout(300)
    assert label.inner_text() == "Time point 3 of 3"
    assert float(marker.get_attribute("cx")) > x_first + 100  # the marker at the last point
    chart.screenshot(path=str(SHOTS / "time-curve.png"))
    last = pixels(canvas, "time-3")
    # the body got brighter (window C 500, W 2000: +800 HU is +0.4 of white)
    h, w = first.shape[0] // 2, first.shape[1] // 2
    body = (slice(h - 100, h - 60), slice(w - 100, w - 60))  # inside the body, off the crosshair
    assert last[body].mean() > first[body].mean() + 60
    assert page.locator("[data-viewer=slice-label]").inner_text() == "Axial slice 21 of 40"
    # a click in the air around the body: the chart follows the crosshair, flat there
    # the square image fills the canvas's height, centred: 10 px in from its left edge
    box = canvas.bounding_box()
    canvas.click(position={"x": (box["width"] - box["height"]) / 2 + 10, "y": box["height"] / 2})
    page.wait_for_timeout(300)
    air = [float(v) for v in chart.get_attribute("data-values").split(",")]
    assert air[0] == air[1] == air[2] < values[0]
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_three_d_images_have_no_time_slider(live_server, browser_as) -> None:  # type: ignore[no-untyped-def]
    user: User = UserFactory()  # type: ignore[assignment]
    item = archive_item_create(archive=archive_create(creator=user, title="Still"))
    item.values.add(
        socket_value_create(
            socket=ComponentInterface.objects.get(slug="generic-medical-image"),
            image=store_volume(ct_volume(), name="CT", window=(100, 1000)),
        )
    )
    page = browser_as(user)
    page.goto(live_server.url + item.get_absolute_url())
    page.wait_for_selector(".tessera-viewer[data-state=ready]")
    assert page.get_by_label("Time point").is_hidden()
