"""A heat map over its image: coloured from its colour map, and a threshold hides the
low values (pixels checked on the canvas)."""

import numpy as np
import pytest
import SimpleITK as sitk
from django.contrib.auth.models import User

from archives.services import archive_create, archive_item_create
from components.models import ComponentInterface
from components.services import socket_value_create
from tests.factories import UserFactory
from tests.viewer.test_overlays import pixels
from tests.viewer.volumes import ct_volume, store_volume

pytestmark = pytest.mark.django_db(transaction=True)


def gradient(ct: sitk.Image) -> sitk.Image:
    """On the CT's grid: 3 x (0 on the left to 189 on the right)."""
    shape = sitk.GetArrayViewFromImage(ct).shape
    array = np.broadcast_to((np.arange(shape[2]) * 3).astype(np.uint8), shape).copy()
    heat = sitk.GetImageFromArray(array)
    heat.CopyInformation(ct)
    return heat


def warm(p: np.ndarray) -> float:
    """Share of red-to-yellow pixels (the crosshair is a thin line)."""
    return float(((p[..., 0] - p[..., 2]) > 60).mean())


def teal(p: np.ndarray) -> float:
    """Share of blue-green pixels, which the warm colour map never has."""
    return float(((p[..., 2] - p[..., 0]) > 30).mean())


def test_heat_map_threshold_hides_low_values(live_server, browser_as) -> None:  # type: ignore[no-untyped-def]
    user: User = UserFactory()  # type: ignore[assignment]
    ct = ct_volume()
    item = archive_item_create(archive=archive_create(creator=user, title="Heat"))
    heat_socket = ComponentInterface.objects.create(
        title="Attention", slug="attention", kind="Heat Map", relative_path="images/attention"
    )
    item.values.add(
        socket_value_create(
            socket=ComponentInterface.objects.get(slug="generic-medical-image"),
            image=store_volume(ct, name="CT", window=(100, 1000)),
        ),
        socket_value_create(
            socket=heat_socket, image=store_volume(gradient(ct), name="Heat", window=None)
        ),
    )
    page = browser_as(user)
    page.goto(live_server.url + item.get_absolute_url())
    page.wait_for_selector(".tessera-viewer[data-state=ready]")
    page.get_by_role("button", name="Axial", exact=True).click()
    page.get_by_label("Opacity").fill("1")
    page.wait_for_timeout(300)
    canvas = page.locator(".tessera-viewer canvas")
    full = warm(pixels(canvas, "heat-full"))
    assert full > 0.3

    page.get_by_label("Threshold").fill("0.5")
    page.wait_for_timeout(300)
    assert page.locator("[data-viewer=threshold-value]").inner_text() == "≥ 95"
    half = warm(pixels(canvas, "heat-half"))
    assert 0.3 * full < half < 0.7 * full

    assert teal(pixels(canvas, "heat-half")) < 0.01
    page.get_by_label("Colour map").select_option("viridis")  # blue through green to yellow
    page.wait_for_timeout(300)
    assert teal(pixels(canvas, "heat-viridis")) > 0.1
    assert page.console_errors == []  # type: ignore[attr-defined]
