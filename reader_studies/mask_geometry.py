"""Whether a mask answer lies on its image's voxel grid beyond the shape: the same voxel
spacing, origin and direction (to a micrometre), so that voxel i of the mask covers voxel
i of the image. A field that either image does not record is not compared."""

import math

from cases.models import Image

TOLERANCE_MM = 1e-3


def _differs(a: list[float], b: list[float]) -> bool:
    return len(a) != len(b) or any(
        not math.isclose(x, y, abs_tol=TOLERANCE_MM) for x, y in zip(a, b, strict=False)
    )


def _text(values: list[float]) -> str:
    return "(" + ", ".join(f"{v:g}" for v in values) + ")"


def geometry_problem(mask: Image, image: Image) -> str | None:
    """Why mask (of the same shape) does not lie on image's grid, or None."""
    spacing = [
        (m, i)
        for m, i in zip(
            [mask.voxel_width_mm, mask.voxel_height_mm, mask.voxel_depth_mm],
            [image.voxel_width_mm, image.voxel_height_mm, image.voxel_depth_mm],
            strict=True,
        )
        if m is not None and i is not None
    ]
    ours, theirs = [float(m) for m, _ in spacing], [float(i) for _, i in spacing]
    if _differs(ours, theirs):
        return (
            f"The mask's voxel spacing {_text(ours)} mm differs from that of the image "
            f"'{image.name}', {_text(theirs)} mm."
        )
    for field, label in (("origin_mm", "origin"), ("direction", "direction")):
        ours, theirs = list(getattr(mask, field) or []), list(getattr(image, field) or [])
        if ours and theirs and _differs([float(v) for v in ours], [float(v) for v in theirs]):
            return (
                f"The mask's {label} {_text(ours)} differs from that of the image "
                f"'{image.name}', {_text(theirs)}."
            )
    return None
