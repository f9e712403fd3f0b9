"""Small multi-level tiled TIFF slides made in the test, as a scanner's pyramid would be."""

from pathlib import Path

import numpy as np
import tifffile
from django.contrib.auth.models import User

from cases.importing import import_session
from cases.models import Image, RawImageUploadSession
from cases.services import upload_session_create
from tests.cases.helpers import completed_upload

MPP = 0.25  # micrometres per pixel at full resolution


def slide_pixels(width: int, height: int, seed: int = 0) -> np.ndarray:
    """An RGB picture with structure at every scale: gradients, blobs and fine noise."""
    y, x = np.mgrid[0:height, 0:width]
    rgb = np.empty((height, width, 3), np.float32)
    rgb[..., 0] = 200 * x / width + 30
    rgb[..., 1] = 200 * y / height + 30
    rgb[..., 2] = 128 + 100 * np.sin(x / 37.0) * np.cos(y / 23.0)
    rng = np.random.default_rng(seed)
    for cx, cy, r in rng.integers(0, [width, height, 60], size=(12, 3)):
        disc = (x - cx) ** 2 + (y - cy) ** 2 < (r + 10) ** 2
        rgb[disc] = (90, 20, 120)  # nuclei-like purple discs
    rgb += rng.normal(0, 6, rgb.shape)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def pyramid(base: np.ndarray, levels: int) -> list[np.ndarray]:
    """Each level half the one before, by 2x2 means."""
    out = [base]
    for _ in range(levels - 1):
        a = out[-1]
        h, w = a.shape[0] // 2 * 2, a.shape[1] // 2 * 2
        a = a[:h, :w].reshape(h // 2, 2, w // 2, 2, 3).mean(axis=(1, 3))
        out.append(a.round().astype(np.uint8))
    return out


def write_slide(
    path: Path,
    levels: list[np.ndarray],
    *,
    compression: str = "zlib",
    tile: int = 256,
    mpp: float = MPP,
) -> Path:
    """A pyramidal tiled TIFF: one directory per level, pixel size as TIFF resolution."""
    base_width = levels[0].shape[1]
    with tifffile.TiffWriter(path, bigtiff=True) as tif:
        for index, level in enumerate(levels):
            level_mpp = mpp * base_width / level.shape[1]
            tif.write(
                level,
                tile=(tile, tile),
                compression=compression,
                photometric="rgb",
                subfiletype=1 if index else 0,
                resolution=(1e4 / level_mpp, 1e4 / level_mpp),
                resolutionunit="CENTIMETER",
                metadata=None,
            )
    return path


def import_slide(user: User, path: Path) -> Image:
    """The slide imported as any upload is: converted by the builders, stored in S3."""
    upload = completed_upload(user, path.name, path)
    session = upload_session_create(creator=user, uploads=[upload])
    import_session(session_pk=str(session.pk))
    session.refresh_from_db()
    assert session.status == RawImageUploadSession.Status.SUCCEEDED, (
        session.error_message,
        session.file_errors,
    )
    return Image.objects.get(origin=session)
