"""What the slide viewer (static/slides/slide-viewer.mjs) needs on the page: where to ask
for the slide's descriptor, and the annotations to draw. Sizes, levels and tiles come
from the permission-checked descriptor (cases.tile_views), never from the page."""

from collections.abc import Iterable
from typing import Any

from django.urls import reverse

from cases.models import Image, ImageFile


def slide_file(image: Image) -> ImageFile | None:
    """The image's pyramidal TIFF, or None (a volume, or nothing to tile)."""
    return next((f for f in image.files.all() if f.image_type == ImageFile.ImageType.TIFF), None)


def slide_config(
    *, image: Image, annotations: Iterable[tuple[str, Any]] = ()
) -> dict[str, Any] | None:
    """The viewer's JSON for a slide, with annotation values as (title, GC JSON in mm)."""
    if slide_file(image) is None:
        return None
    return {
        "kind": "slide",
        "image": {
            "pk": str(image.pk),
            "name": image.name,
            "descriptor_url": reverse("cases:slide", args=[image.pk]),
            "origin": [float(v) for v in (image.origin_mm or [0.0, 0.0])[:2]],
        },
        "overlays": [],
        "annotations": [{"title": title, "value": value} for title, value in annotations],
    }
