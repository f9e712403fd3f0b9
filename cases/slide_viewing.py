"""What the slide viewer (static/slides/slide-viewer.mjs) needs on the page: where to ask
for the slide's descriptor, and the annotations to draw. Sizes, levels and tiles come
from the permission-checked descriptor (cases.tile_views), never from the page."""

from typing import Any

from django.urls import reverse

from cases.models import Image, ImageFile


def slide_file(image: Image) -> ImageFile | None:
    """The image's pyramidal TIFF, or None (a volume, or nothing to tile)."""
    return next((f for f in image.files.all() if f.image_type == ImageFile.ImageType.TIFF), None)


def slide_config(*, image: Image) -> dict[str, Any] | None:
    """The viewer's JSON for a slide; pages with a case add its annotation values
    (components.viewing.annotations: GC JSON in mm), which the viewer draws."""
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
        "annotations": [],
    }
