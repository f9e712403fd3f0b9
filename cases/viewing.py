"""What the browser viewer (static/viewer/viewer.mjs) needs to open images: the
permission-checked file URL of each image's .mha and the geometry it was stored with;
slides (TIFF only) get the slide viewer's config (cases.slide_viewing)."""

from collections.abc import Iterable, Sequence
from typing import Any

from django.urls import reverse

from cases.models import Image, ImageFile
from cases.slide_viewing import slide_config

SIGNED_PIXEL_TYPES = {"int8", "int16", "int32", "int64", "float32", "float64"}


def viewable_file(image: Image) -> ImageFile | None:
    """The image's MetaImage file (Niivue reads .mha), or None for TIFF-only images."""
    return next(
        (f for f in image.files.all() if f.image_type == "MHD" and f.extension == "mha"), None
    )


def _file(image: Image, image_file: ImageFile) -> dict[str, str]:
    return {
        "url": reverse("cases:image-file", args=[image.pk, image_file.pk, image_file.extension]),
        # Niivue picks its reader by the name's extension.
        "name": f"{image.pk}.{image_file.extension}",
    }


def viewer_config(
    *, image: Image, overlays: Iterable[tuple[Image, Sequence[dict[str, Any]]]] = ()
) -> dict[str, Any] | None:
    """The viewer's JSON for `image` with label-map `overlays` (image, overlay segments);
    for a slide, the slide viewer's JSON (kind "slide")."""
    main = viewable_file(image)
    if main is None:
        return slide_config(image=image)
    spacing = [image.voxel_width_mm, image.voxel_height_mm, image.voxel_depth_mm]
    config: dict[str, Any] = {
        "image": {
            "file": _file(image, main),
            # the stored middle-slice thumbnail, shown at once while the volume downloads
            "preview": reverse("cases:thumbnail", args=[image.pk]) if image.thumbnail else "",
            "name": image.name,
            "size": [image.width, image.height, image.depth or 1],
            "origin": image.origin_mm,
            "spacing": [s if s else 1.0 for s in spacing],
            "direction": image.direction,
            "window_center": image.window_center,
            "window_width": image.window_width,
            "modality": image.modality,
            "signed": image.pixel_type.lower() in SIGNED_PIXEL_TYPES,
            "rgb": image.color_space in ("RGB", "RGBA"),
        },
        "overlays": [],
    }
    for index, (overlay, segments) in enumerate(overlays):
        overlay_file = viewable_file(overlay)
        if overlay_file is None:
            continue
        config["overlays"].append(
            {
                "index": index,
                "pk": str(overlay.pk),
                "name": overlay.name,
                "file": _file(overlay, overlay_file),
                "segments": [
                    {
                        "name": s["name"],
                        "voxel_value": int(s["voxel_value"]),
                        "visible": bool(s.get("visible", True)),
                    }
                    for s in segments
                ],
                "opacity": 0.5,
            }
        )
    return config


def with_ids(configs: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    """Give each viewer of a page its element id and its JSON block's id."""
    for i, config in enumerate(configs, start=1):
        config["id"] = f"{prefix}-{i}"
        config["config_id"] = f"{prefix}-{i}-config"
    return configs
