"""Which images of a set of socket values open in the browser viewer, and which of them
are drawn over another (GC's view-content rule: an overlay-kind socket is rendered on
the image it belongs to). A label map or heat map goes over the first main image whose
voxel grid it shares; one that matches none opens on its own."""

import math
from collections.abc import Iterable
from typing import Any

from cases.models import Image
from cases.viewing import viewer_config
from components.kinds import ANNOTATION_KINDS, Kind
from components.models import ComponentInterfaceValue
from components.selectors import json_value

OVERLAY_KINDS = frozenset({Kind.SEGMENTATION, Kind.HEAT_MAP})


def same_grid(a: Image, b: Image) -> bool:
    """Same size, spacing, origin and direction (to a micrometre): voxel i of one is
    voxel i of the other."""

    def numbers(image: Image) -> list[float]:
        return [
            float(v or 0)
            for v in [
                image.voxel_width_mm,
                image.voxel_height_mm,
                image.voxel_depth_mm,
                *image.origin_mm,
                *image.direction,
            ]
        ]

    na, nb = numbers(a), numbers(b)
    return (
        (a.width, a.height, a.depth or 1) == (b.width, b.height, b.depth or 1)
        and len(na) == len(nb)
        and all(math.isclose(x, y, abs_tol=1e-3) for x, y in zip(na, nb, strict=True))
    )


def annotations(values: Iterable[ComponentInterfaceValue]) -> list[dict[str, Any]]:
    """The annotation-kind values among `values`, as the viewer draws them (GC's view
    content rule: annotations are drawn on the case's images, in world coordinates)."""
    drawn = []
    for v in values:
        if v.interface.kind not in ANNOTATION_KINDS:
            continue
        # inline or kept as a .json file (store_in_database off): drawn alike
        value = json_value(v)
        if value is not None:
            drawn.append(
                {
                    "slug": v.interface.slug,
                    "title": v.interface.title,
                    "kind": v.interface.kind,
                    "value": value,
                }
            )
    return drawn


def viewer_configs(
    *, main: Iterable[ComponentInterfaceValue], overlays: Iterable[ComponentInterfaceValue] = ()
) -> list[dict[str, Any]]:
    """Viewer configs: one per image in `main`, with the overlay-kind images of `main` and
    `overlays` that share its grid drawn over it; overlays that fit nowhere open alone.
    Every viewer draws the annotation values of `main` and `overlays`."""
    main, overlays = list(main), list(overlays)
    drawn = annotations([*main, *overlays])
    values = [v for v in main if v.image_id]
    extra = [v for v in overlays if v.image_id]
    bases = [v for v in values if v.interface.kind not in OVERLAY_KINDS]
    candidates = [v for v in [*values, *extra] if v.interface.kind in OVERLAY_KINDS]
    placed: dict[int, list[ComponentInterfaceValue]] = {v.pk: [] for v in bases}
    alone: list[ComponentInterfaceValue] = []
    for overlay in candidates:
        base = next(
            (b for b in bases if b.image and overlay.image and same_grid(b.image, overlay.image)),
            None,
        )
        if base is None:
            alone.append(overlay)
        else:
            placed[base.pk].append(overlay)
    configs = []
    for civ in [*bases, *alone]:
        assert civ.image is not None  # only values with an image were kept above
        config = viewer_config(
            image=civ.image,
            overlays=[
                (o.image, o.interface.overlay_segments)
                for o in placed.get(civ.pk, [])
                if o.image is not None
            ],
        )
        if config is not None:
            config["title"] = civ.interface.title
            config["annotations"] = drawn
            config["socket"] = civ.interface.slug  # which viewport shows it (view content)
            configs.append(config)
    return configs


def side_by_side(
    *, inputs: list[ComponentInterfaceValue], outputs: list[ComponentInterfaceValue]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A job page's viewers: its input images on the left; on the right the inputs with
    the output label/heat maps that share their grid drawn over them, then every other
    output image on its own."""
    left = viewer_configs(main=inputs)
    output_images = {str(o.image_id) for o in outputs if o.image_id}
    right = [
        config
        for config in viewer_configs(main=inputs, overlays=outputs)
        if any(o["pk"] in output_images for o in config["overlays"])
    ]
    shown = {o["pk"] for c in right for o in c["overlays"]}
    right += viewer_configs(main=[o for o in outputs if str(o.image_id) not in shown])
    return left, right
