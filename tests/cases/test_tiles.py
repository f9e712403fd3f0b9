"""Slides imported the normal way, then read by tiles: permission on every tile, the
pixels of the source, 404 outside the pyramid."""

import io

import numpy as np
import pytest
import tifffile
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image as PILImage

from app.models import AuditRecord
from app.storage import bucket_name, s3_client
from cases.models import Image, ImageFile
from tests.cases.slide_data import MPP, import_slide, pyramid, slide_pixels, write_slide
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def tile_url(image: Image, level: int, column: int, row: int) -> str:
    return reverse("cases:slide-tile", args=[image.pk, level, column, row])


def pixels(response) -> np.ndarray:  # type: ignore[no-untyped-def]
    return np.asarray(PILImage.open(io.BytesIO(response.content)).convert("RGB"))


@pytest.fixture
def levels() -> list[np.ndarray]:
    return pyramid(slide_pixels(1000, 700), 3)  # 1000x700, 500x350, 250x175


@pytest.fixture
def lossless_slide(tmp_path, levels):  # type: ignore[no-untyped-def]
    user: User = UserFactory()  # type: ignore[assignment]
    image = import_slide(user, write_slide(tmp_path / "tissue.tiff", levels))
    client = Client()
    client.force_login(user)
    return user, image, client


def test_descriptor_gives_levels_pixel_size_and_tile_urls(lossless_slide):  # type: ignore[no-untyped-def]
    user, image, client = lossless_slide
    response = client.get(reverse("cases:slide", args=[image.pk]))
    assert response.status_code == 200
    body = response.json()
    assert (body["width"], body["height"]) == (1000, 700)
    assert body["mpp"] == pytest.approx([MPP, MPP])
    assert [(lv["width"], lv["height"]) for lv in body["levels"]] == [
        (1000, 700),
        (500, 350),
        (250, 175),
    ]
    assert body["tile_url"].format(level=1, column=0, row=1) == tile_url(image, 1, 0, 1)
    # opening the slide is audited once, naming the image
    record = AuditRecord.objects.get(action="download", actor=user)
    assert record.detail == {"image": str(image.pk), "image_type": "TIFF", "via": "tiles"}


def test_tiles_asked_for_before_the_descriptor_record_the_opening_once(lossless_slide):  # type: ignore[no-untyped-def]
    """The page carries the geometry, so the viewer asks for tiles first and the descriptor
    later, or never when the user leaves early: the opening is on record either way, once."""
    user, image, client = lossless_slide
    assert client.get(tile_url(image, 2, 0, 0)).status_code == 200
    assert client.get(tile_url(image, 1, 0, 0)).status_code == 200
    assert AuditRecord.objects.filter(action="download", actor=user).count() == 1
    assert client.get(reverse("cases:slide", args=[image.pk])).status_code == 200
    assert AuditRecord.objects.filter(action="download", actor=user).count() == 1


def test_the_image_page_carries_the_geometry_so_tiles_start_at_once(lossless_slide):  # type: ignore[no-untyped-def]
    _, image, client = lossless_slide
    page = client.get(reverse("cases:image", args=[image.pk]))
    assert page.status_code == 200
    config = page.context["viewer"]
    # the same geometry the permission-checked descriptor gives, without its round trip
    descriptor = client.get(reverse("cases:slide", args=[image.pk])).json()
    assert config["slide"] == descriptor
    # the smallest level, inline, is in the page once: as the image, not again in the JSON
    assert config["poster"].startswith("data:image/jpeg;base64,")
    assert page.content.decode().count(config["poster"]) == 1
    # the tiles the viewer draws first, named for the browser to fetch with the page: the
    # finest level of at most four tiles (500 x 350 here), each behind the permission check
    html = page.content.decode()
    preview = [tile_url(image, 1, column, row) for row in (0, 1) for column in (0, 1)]
    for url in preview:
        assert f'<link rel="preload" as="image" href="{url}"' in html
        assert client.get(url).status_code == 200
    assert html.count('rel="preload" as="image"') == len(preview)
    # an outsider gets neither the page nor the geometry
    outsider = Client()
    outsider.force_login(UserFactory())  # type: ignore[arg-type]
    assert outsider.get(reverse("cases:image", args=[image.pk])).status_code == 404


def test_tiles_are_kept_privately_without_revalidation(lossless_slide):  # type: ignore[no-untyped-def]
    _, image, client = lossless_slide
    response = client.get(tile_url(image, 0, 0, 0))
    assert response.status_code == 200
    cache = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "immutable"} <= cache and "public" not in cache


def test_tiles_hold_the_source_pixels_at_full_and_lower_resolution(lossless_slide, levels):  # type: ignore[no-untyped-def]
    _, image, client = lossless_slide

    full = client.get(tile_url(image, 0, 1, 1))
    assert full.status_code == 200
    assert full["Content-Type"] == "image/png"  # lossless source, lossless tile
    assert full["Cache-Control"].startswith("private")
    assert np.array_equal(pixels(full), levels[0][256:512, 256:512])

    # an edge tile of a lower level comes cropped to the image, not padded
    edge = client.get(tile_url(image, 1, 1, 1))
    assert edge.status_code == 200
    assert np.array_equal(pixels(edge), levels[1][256:350, 256:500])


def test_tiles_outside_the_pyramid_are_404(lossless_slide):  # type: ignore[no-untyped-def]
    _, image, client = lossless_slide
    for level, column, row in [(3, 0, 0), (0, 4, 0), (0, 0, 3), (2, 1, 0)]:
        response = client.get(tile_url(image, level, column, row), HTTP_ACCEPT="application/json")
        assert response.status_code == 404, (level, column, row)
        assert "outside" in response.json()["detail"] or "level" in response.json()["detail"]


def test_only_users_who_may_see_the_image_get_tiles(lossless_slide):  # type: ignore[no-untyped-def]
    _, image, _ = lossless_slide
    outsider = Client()
    outsider.force_login(UserFactory())  # type: ignore[arg-type]
    for client in (outsider, Client()):
        assert client.get(tile_url(image, 0, 0, 0)).status_code == 404
        assert client.get(reverse("cases:slide", args=[image.pk])).status_code == 404
    assert not AuditRecord.objects.filter(action="download").exists()


def test_a_granted_session_gets_further_tiles_without_the_database(lossless_slide):  # type: ignore[no-untyped-def]
    """The full check runs once per session and image; the tiles after it are read at once."""
    _, image, client = lossless_slide
    image_accept = {"HTTP_ACCEPT": "image/avif,image/webp,image/*,*/*;q=0.8"}  # as <img> asks
    assert client.get(tile_url(image, 2, 0, 0), **image_accept).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(tile_url(image, 0, 1, 1), **image_accept).status_code == 200
    assert [q["sql"] for q in queries.captured_queries] == []


def test_a_kept_yes_serves_only_the_session_it_was_given_to(lossless_slide):  # type: ignore[no-untyped-def]
    _, image, client = lossless_slide
    assert client.get(tile_url(image, 0, 0, 0)).status_code == 200
    outsider = Client()
    outsider.force_login(UserFactory())  # type: ignore[arg-type]
    assert outsider.get(tile_url(image, 0, 0, 0)).status_code == 404
    assert Client().get(tile_url(image, 0, 0, 0)).status_code == 404  # anonymous
    client.logout()  # the same browser, signed out: its session cookie is gone
    assert client.get(tile_url(image, 0, 0, 0)).status_code == 404


def test_jpeg_tiles_pass_through_as_stored(tmp_path, levels):  # type: ignore[no-untyped-def]
    user: User = UserFactory()  # type: ignore[assignment]
    path = write_slide(tmp_path / "scan.tif", levels, compression="jpeg")
    image = import_slide(user, path)
    client = Client()
    client.force_login(user)

    inner = client.get(tile_url(image, 0, 1, 1))
    assert inner["Content-Type"] == "image/jpeg"
    stored = ImageFile.objects.get(image=image, image_type="TIFF").file.name
    body = s3_client("protected").get_object(Bucket=bucket_name("protected"), Key=stored)
    with tifffile.TiffFile(io.BytesIO(body["Body"].read())) as tif:
        page = tif.pages.first
        tif.filehandle.seek(page.dataoffsets[5])  # column 1 of row 1, four columns a row
        assert inner.content == tif.filehandle.read(page.databytecounts[5])
    # JPEG at quality 75 over fine noise: the same picture within a few grey levels
    assert np.abs(pixels(inner).astype(int) - levels[0][256:512, 256:512]).mean() < 6

    edge = client.get(tile_url(image, 0, 3, 2))  # 1000 - 768 = 232 wide, 700 - 512 = 188 high
    assert pixels(edge).shape == (188, 232, 3)
    assert np.abs(pixels(edge).astype(int) - levels[0][512:, 768:]).mean() < 6


def test_a_slide_missing_from_the_store_says_so(lossless_slide):  # type: ignore[no-untyped-def]
    _, image, client = lossless_slide
    stored = ImageFile.objects.get(image=image, image_type="TIFF").file.name
    s3_client("protected").delete_object(Bucket=bucket_name("protected"), Key=stored)

    response = client.get(reverse("cases:slide", args=[image.pk]))

    assert response.status_code == 422
    assert response.json()["detail"] == (
        "The slide cannot be shown: the slide's file is missing from the object store."
    )


def test_losing_access_closes_the_slide_at_once(lossless_slide):  # type: ignore[no-untyped-def]
    _, image, client = lossless_slide
    assert client.get(tile_url(image, 0, 0, 0)).status_code == 200
    Image.objects.filter(pk=image.pk).update(origin=None)  # no longer the user's upload

    # a new opening checks in full; tiles of an open viewer follow within GRANT_SECONDS
    assert client.get(reverse("cases:slide", args=[image.pk])).status_code == 404
