"""TIFF and whole-slide images → one tiled pyramidal TIFF, which the slide viewer reads tile
by tile (cases.tiles); no Deep Zoom copy is made.

OpenSlide (from `openslide-bin`) reads SVS, NDPI, MRXS, SCN, BIF, DICOM-WSI and tiled
TIFF; a plain TIFF it cannot open is read whole with tifffile (within the size limit).
When the source is already a tiled TIFF in a codec TIFF readers share (JPEG, deflate,
LZW, zstd, none), its tiles are copied level by level without re-encoding; otherwise
levels are rendered through OpenSlide's Deep Zoom generator and JPEG-encoded. The
physical pixel size is written explicitly as TIFF resolution (pixels per centimetre).

Images imported before the tile endpoint also carry a DZI zip (`ImageFile` type DZI);
those rows stay readable, but nothing makes new ones: rendering every Deep Zoom tile took
longer than the rest of the import of a large slide and stored a second copy of it.
"""

import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import openslide
import tifffile
from openslide.deepzoom import DeepZoomGenerator
from PIL import Image as PILImage

from cases.builders import deid, limits, thumbnails
from cases.builders.outputs import image_folder
from cases.builders.sources import Source, clean_text
from cases.builders.types import BuildResult, BuiltFile, BuiltImage

logger = logging.getLogger(__name__)

TILE = 256
_COPYABLE = {1, 5, 7, 8, 32946, 50000}  # none, LZW, JPEG, deflate, zstd


class SlideError(Exception):
    """Why a slide gives no image, in words a user understands."""


def build(sources: list[Source], work_dir: Path, result: BuildResult) -> None:
    for source in sources:
        try:
            with image_folder(work_dir) as folder:
                image = _convert(source.path, source.name, folder)
        except SlideError as e:
            result.file_errors[source.name] = f"{source.name}: {e}"
            continue
        image.source_files = [source.name]
        result.images.append(image)


def build_dicom_wsi(sources: list[Source], work_dir: Path, result: BuildResult) -> None:
    """DICOM whole-slide files: OpenSlide opens a series from any one of its files."""
    import pydicom

    series: dict[str, list[Source]] = {}
    names: dict[str, str] = {}
    for source in sources:
        header = pydicom.dcmread(source.path, stop_before_pixels=True)
        key = str(header.get("SeriesInstanceUID", source.name))
        series.setdefault(key, []).append(source)
        # named from the header's non-identifying attributes, never the file name
        names.setdefault(key, deid.display_name(**deid.naming_attributes(header)))
    for key, members in series.items():
        staging = work_dir / "staging" / uuid.uuid4().hex
        staging.mkdir(parents=True)
        try:
            for number, member in enumerate(members):
                os.symlink(member.path.resolve(), staging / f"{number}.dcm")
            with image_folder(work_dir) as folder:
                image = _convert(staging / "0.dcm", members[0].name, folder, dicom=True)
                image.name = names[key]
        except SlideError as e:
            for member in members:
                result.file_errors[member.name] = f"{member.name}: {e}"
            continue
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        image.source_files = [m.name for m in members]
        result.images.append(image)


def _open(path: Path, name: str) -> openslide.AbstractSlide:
    try:
        return openslide.OpenSlide(path)
    except (openslide.OpenSlideError, OSError, ValueError):
        pass
    # a plain (untiled) TIFF or picture: read it whole, if it is not absurdly large
    try:
        with tifffile.TiffFile(path) as tif:
            page = tif.pages.first
            voxels = int(np.prod(page.shape, dtype=object))
            size = voxels * np.dtype(page.dtype).itemsize
            if voxels > limits.max_voxels() or size > limits.max_voxel_bytes():
                raise SlideError(
                    f"the image claims {size} bytes of pixels, more than this platform "
                    f"accepts (IMAGE_MAX_VOXEL_BYTES: {limits.max_voxel_bytes()} bytes); "
                    "refused before reading."
                )
            array = page.asarray()
    except (tifffile.TiffFileError, ValueError, OSError, IndexError, KeyError):
        raise SlideError(
            "could not be read as a slide: the file is damaged or not a supported TIFF or "
            "whole-slide format."
        ) from None
    if array.dtype != np.uint8:
        array = _to_uint8(array)
    if array.ndim == 3 and array.shape[-1] not in (3, 4):
        array = array[0] if array.shape[0] < array.shape[-1] else array[..., 0]
    return openslide.ImageSlide(PILImage.fromarray(array))


def _to_uint8(array: np.ndarray) -> np.ndarray:
    lo, hi = float(array.min()), float(array.max())
    return ((array.astype(np.float32) - lo) / max(hi - lo, 1e-6) * 255).astype(np.uint8)


def _mpp(slide: openslide.AbstractSlide) -> tuple[float, float] | None:
    try:
        x = float(slide.properties[openslide.PROPERTY_NAME_MPP_X])
        y = float(slide.properties[openslide.PROPERTY_NAME_MPP_Y])
    except (KeyError, ValueError):
        return None
    return (x, y) if x > 0 and y > 0 else None


def _convert(path: Path, name: str, folder: Path, *, dicom: bool = False) -> BuiltImage:
    slide = _open(path, name)
    try:
        width, height = slide.dimensions
        if width * height * 3 > limits.max_voxels() * 16:
            raise SlideError("the slide is larger than this platform accepts.")
        mpp = _mpp(slide)
        tif_path = folder / "image.tif"
        levels = None if dicom else _copy_tiles(path, tif_path, mpp)
        if levels is None:
            levels = _render_tiff(slide, tif_path, mpp)
        thumb = folder / "thumbnail.png"
        picture = slide.get_thumbnail((thumbnails.MAX_SIZE, thumbnails.MAX_SIZE))
        thumbnails.write_png(np.asarray(picture.convert("RGB")), thumb)
    except (openslide.OpenSlideError, tifffile.TiffFileError, OSError, ValueError) as e:
        logger.info("slide conversion failed: %s", type(e).__name__)
        raise SlideError("the slide could not be read completely (damaged or truncated).") from None
    finally:
        slide.close()
    stem = Path(name).name.rsplit(".", 1)[0]
    return BuiltImage(
        name=clean_text(stem) or "slide",
        width=int(width),
        height=int(height),
        voxel_width_mm=mpp[0] / 1000 if mpp else None,
        voxel_height_mm=mpp[1] / 1000 if mpp else None,
        pixel_type="uint8",
        color_space="RGB",
        resolution_levels=levels,
        files=[BuiltFile(path=tif_path, image_type="TIFF")],
        thumbnail_png=thumb,
    )


def _resolution(mpp: tuple[float, float] | None) -> dict[str, Any]:
    if mpp is None:
        return {}
    return {"resolution": (1e4 / mpp[0], 1e4 / mpp[1]), "resolutionunit": "CENTIMETER"}


def _copy_tiles(source: Path, target: Path, mpp: tuple[float, float] | None) -> int | None:
    """Copy a tiled TIFF's levels tile by tile, still encoded; None if it cannot be."""
    try:
        with tifffile.TiffFile(source) as tif:
            levels = [level.keyframe for level in tif.series[0].levels]
            if not all(_copyable(p) for p in levels):
                return None
            with tifffile.TiffWriter(target, bigtiff=True) as out:
                for index, page in enumerate(levels):
                    out.write(
                        _raw_tiles(tif.filehandle, page),
                        shape=page.shape,
                        dtype=page.dtype,
                        tile=page.tile,
                        compression=page.compression,
                        photometric=page.photometric,
                        planarconfig=page.planarconfig,
                        predictor=page.predictor,
                        jpegtables=page.jpegtables,
                        subsampling=getattr(page, "subsampling", None),
                        subfiletype=1 if index else 0,
                        metadata=None,
                        **_resolution(_level_mpp(mpp, levels[0], page)),
                    )
            return len(levels)
    except (tifffile.TiffFileError, ValueError, KeyError, IndexError, TypeError) as e:
        logger.info("tile copy not possible (%s); re-encoding", type(e).__name__)
        target.unlink(missing_ok=True)
        return None


def _copyable(page: tifffile.TiffPage) -> bool:
    # Aperio-style JPEG tiles tagged RGB are really YCbCr-coded: only the vendor reader
    # knows, so a generic copy would shift the colours; those get re-encoded instead
    if page.compression == 7 and page.photometric != tifffile.PHOTOMETRIC.YCBCR:
        return False
    return bool(page.is_tiled and page.compression in _COPYABLE and page.dtype == np.uint8)


def _level_mpp(
    mpp: tuple[float, float] | None, base: tifffile.TiffPage, page: tifffile.TiffPage
) -> tuple[float, float] | None:
    if mpp is None:
        return None
    return mpp[0] * base.imagewidth / page.imagewidth, mpp[1] * base.imagelength / page.imagelength


def _raw_tiles(handle: tifffile.FileHandle, page: tifffile.TiffPage) -> Iterator[bytes]:
    for offset, count in zip(page.dataoffsets, page.databytecounts, strict=True):
        handle.seek(offset)
        yield handle.read(count)


def _padded(tile: PILImage.Image) -> np.ndarray:
    array = np.asarray(tile.convert("RGB"))
    if array.shape[:2] == (TILE, TILE):
        return array
    out = np.full((TILE, TILE, 3), 255, np.uint8)
    out[: array.shape[0], : array.shape[1]] = array
    return out


def _render_tiff(
    slide: openslide.AbstractSlide, target: Path, mpp: tuple[float, float] | None
) -> int:
    """Render a pyramid (each level half the last, down to one tile) as JPEG tiles."""
    generator = DeepZoomGenerator(slide, tile_size=TILE, overlap=0, limit_bounds=False)
    top = generator.level_count - 1
    levels = [
        level
        for level in range(top, -1, -1)
        if level == top or max(generator.level_dimensions[level + 1]) > TILE
    ]
    with tifffile.TiffWriter(target, bigtiff=True) as out:
        for index, level in enumerate(levels):
            width, height = generator.level_dimensions[level]
            cols, rows = generator.level_tiles[level]
            tiles = (
                _padded(generator.get_tile(level, (col, row)))
                for row in range(rows)
                for col in range(cols)
            )
            scale = 2 ** (top - level)
            out.write(
                tiles,
                shape=(height, width, 3),
                dtype=np.uint8,
                tile=(TILE, TILE),
                compression="jpeg",
                compressionargs={"level": 90},
                photometric="rgb",
                subfiletype=1 if index else 0,
                metadata=None,
                **_resolution(None if mpp is None else (mpp[0] * scale, mpp[1] * scale)),
            )
    return len(levels)
