"""Label maps drawn over their image in the viewer: on an archive item page, with the
socket's segment colours, opacity and per-segment visibility; on a job page, inputs
and outputs side by side, the output label map over the input that shares its grid."""

import numpy as np
import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.urls import reverse

from algorithms.jobs.inputs import InputSpec
from algorithms.jobs.services import job_create
from algorithms.models import Job
from archives.services import archive_create, archive_item_create
from components.models import ComponentInterface, ComponentInterfaceValue
from components.services import socket_value_create
from tests.algorithms.test_jobs_support import copy_algorithm_for, socket
from tests.factories import UserFactory
from tests.viewer.test_volume_viewer import SHOTS
from tests.viewer.volumes import SEGMENTS, ct_volume, label_map, store_volume

pytestmark = pytest.mark.django_db(transaction=True)


def pixels(locator, name: str) -> np.ndarray:  # type: ignore[no-untyped-def]
    import io

    from PIL import Image as PILImage

    SHOTS.mkdir(parents=True, exist_ok=True)
    png = locator.screenshot(path=str(SHOTS / f"{name}.png"))
    return np.asarray(PILImage.open(io.BytesIO(png)).convert("RGB")).astype(int)


def blue(p: np.ndarray) -> float:
    """Share of pixels tinted with the first segment colour (31, 119, 180)."""
    return float(((p[..., 2] - p[..., 0]) > 40).mean())


def orange(p: np.ndarray) -> float:
    """Share tinted with the second (255, 127, 14); the crosshair (255, 204, 0) is not."""
    return float((((p[..., 0] - p[..., 2]) > 60) & (p[..., 1] < 170)).mean())


def test_item_page_draws_segments_in_their_colours_and_toggles_them(live_server, browser_as):  # type: ignore[no-untyped-def]
    user: User = UserFactory()  # type: ignore[assignment]
    ct = ct_volume()
    archive = archive_create(creator=user, title="Bone study")
    item = archive_item_create(archive=archive)
    mask_socket = ComponentInterface.objects.create(
        title="Bone mask",
        slug="bone-mask",
        kind="Segmentation",
        relative_path="images/bone-mask",
        overlay_segments=SEGMENTS,
    )
    item.values.add(
        socket_value_create(
            socket=ComponentInterface.objects.get(slug="generic-medical-image"),
            image=store_volume(ct, name="CT", window=(100, 1000)),
        ),
        socket_value_create(
            socket=mask_socket, image=store_volume(label_map(ct), name="Mask", window=None)
        ),
    )
    page = browser_as(user)
    page.goto(live_server.url + item.get_absolute_url())
    page.wait_for_selector(".tessera-viewer[data-state=ready]")
    page.get_by_role("button", name="Axial", exact=True).click()
    page.wait_for_timeout(300)
    canvas = page.locator(".tessera-viewer canvas")
    both = pixels(canvas, "item-overlay")
    assert blue(both) > 0.005 and orange(both) > 0.005

    page.get_by_role("checkbox", name="bone").uncheck()
    page.wait_for_timeout(200)
    no_bone = pixels(canvas, "item-overlay-no-bone")
    assert blue(no_bone) < 0.0005 and abs(orange(no_bone) - orange(both)) < 0.002

    page.get_by_label("Opacity").fill("0")
    page.wait_for_timeout(200)
    none = pixels(canvas, "item-overlay-opacity-0")
    assert blue(none) < 0.0005 and orange(none) < 0.0005
    page.screenshot(path=str(SHOTS / "item-page.png"), full_page=True)
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_job_page_shows_input_and_output_side_by_side(live_server, browser_as):  # type: ignore[no-untyped-def]
    user: User = UserFactory()  # type: ignore[assignment]
    algorithm = copy_algorithm_for(user)
    segmentation = socket("segmentation")
    segmentation.overlay_segments = SEGMENTS
    segmentation.save(update_fields=["overlay_segments"])
    ct = ct_volume()
    job, _ = job_create(
        creator=user,
        algorithm=algorithm,
        specs=[
            InputSpec(socket=socket("ct-image"), image=store_volume(ct, name="CT", window=None)),
            InputSpec(socket=socket("probability"), value=0.5),
        ],
    )
    output = ComponentInterfaceValue.objects.create(
        interface=segmentation, image=store_volume(label_map(ct), name="Mask", window=None)
    )
    results = ComponentInterfaceValue(interface=socket("results-json-file"))
    results.file.save("results.json", ContentFile(b'{"volume_ml": 3.2}'))
    job.outputs.add(output, results)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.SUCCEEDED)

    page = browser_as(user)
    page.goto(live_server.url + reverse("algorithms:job-detail", args=[job.pk]))
    page.wait_for_selector("#input-viewer-1[data-state=ready]")
    page.wait_for_selector("#output-viewer-1[data-state=ready]")
    assert page.locator(".tessera-viewer").count() == 2
    assert page.get_by_role("heading", name="CT Image with Mask").is_visible()
    page.wait_for_timeout(300)
    left = pixels(page.locator("#input-viewer-1 canvas"), "job-input")
    right = pixels(page.locator("#output-viewer-1 canvas"), "job-output")
    # the input alone (only the crosshair's anti-aliased edges look orange), then the
    # output's segments over it (in the three planes: software GL draws no 3D tile)
    assert blue(left) == 0 and orange(left) < 0.003
    assert blue(right) > 0.002 and orange(right) > orange(left) + 0.001
    # linked viewers: scrolling the input scrolls the output beside it
    labels = page.locator("[data-viewer=slice-label]")
    assert labels.all_inner_texts() == ["Axial slice 21 of 40"] * 2
    page.locator("#input-viewer-1 canvas").focus()
    for _ in range(5):
        page.keyboard.press("ArrowUp")
    page.wait_for_timeout(200)
    assert labels.all_inner_texts() == ["Axial slice 26 of 40"] * 2
    page.screenshot(path=str(SHOTS / "job-page.png"), full_page=True)
    assert page.console_errors == []  # type: ignore[attr-defined]
