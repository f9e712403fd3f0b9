"""DICOM files → MHA volumes.

Two passes. The header pass reads every file without its pixels, notes where native
pixel data starts, and turns each file (or each frame of an enhanced multi-frame file)
into a `Plane`. Planes are grouped by study, series and frame of reference; a group
must share one orientation and size, and is ordered by position along the slice normal
(never by instance number or file name), split into timepoints by temporal position,
and checked for even spacing. The pixel pass then decodes planes in parallel (native
data straight from the file with numpy, compressed data through pydicom's codecs),
rescales them, and streams them into the compressed MHA writer.
"""

import logging
import math
from collections import Counter, defaultdict, deque
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from pydicom.datadict import tag_for_keyword
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.pixels import pixel_array
from pydicom.tag import Tag

from cases.builders import deid, limits, thumbnails, workers
from cases.builders.mha import MhaWriter
from cases.builders.outputs import image_folder
from cases.builders.sources import Source, clean_text
from cases.builders.types import BuildResult, BuiltFile, BuiltImage

logger = logging.getLogger(__name__)

WSI_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.77.1.6"
_NATIVE_SYNTAXES = {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1"}  # little endian, uncompressed
# (7FE0,0010) pixel data, (7FE0,0008/0009) float pixel data, little and big endian
_PIXEL_TAGS = (
    b"\xe0\x7f\x10\x00",
    b"\xe0\x7f\x08\x00",
    b"\xe0\x7f\x09\x00",
    b"\x7f\xe0\x00\x10",
    b"\x7f\xe0\x00\x08",
    b"\x7f\xe0\x00\x09",
)
_ORIENTATION_DECIMALS = 4
_SPACING_TOLERANCE = 0.05  # relative deviation allowed between slice gaps


class SeriesError(Exception):
    """Why a whole series gives no image, in words a user understands."""


@dataclass
class FileInfo:
    source: Source
    modality: str
    name: str
    series_key: str
    group_key: tuple[str, ...]
    rows: int
    cols: int
    samples: int
    frames: int
    bits_allocated: int
    bits_stored: int
    signed: bool
    photometric: str
    pixel_offset: int | None  # start of native little-endian pixel data, if that is what it is
    planar: int
    window: tuple[float, float] | None
    spacing_xy: tuple[float, float] | None
    slice_thickness: float | None


@dataclass
class Plane:
    file: FileInfo
    frame: int  # index within its file
    position: np.ndarray | None
    orientation: tuple[float, ...] | None
    spacing_xy: tuple[float, float] | None
    slope: float
    intercept: float
    temporal: int | None
    window: tuple[float, float] | None


@dataclass
class Series:
    planes: list[Plane] = field(default_factory=list)

    @property
    def sources(self) -> list[Source]:
        seen: dict[str, Source] = {}
        for plane in self.planes:
            seen.setdefault(plane.file.source.name, plane.file.source)
        return list(seen.values())


def build(sources: list[Source], work_dir: Path, result: BuildResult) -> None:
    from cases.builders import slides  # slides hand DICOM-WSI back here; avoid a cycle

    groups: dict[tuple[str, ...], Series] = defaultdict(Series)
    wsi: list[Source] = []
    report: Counter[str] = Counter()
    named: dict[str, tuple[str, str]] = {}
    for source in sources:
        try:
            ds, offset = _read_header(source.path)
        except SeriesError as e:
            result.file_errors[source.name] = f"{source.name}: {e}"
            continue
        except (InvalidDicomError, EOFError, OSError, ValueError, TypeError, KeyError):
            result.file_errors[source.name] = (
                f"{source.name}: not a readable DICOM file (truncated or damaged)."
            )
            continue
        report.update(deid.removed_keywords(ds))
        if str(ds.get("SOPClassUID", "")) == WSI_SOP_CLASS:
            wsi.append(source)
            continue
        try:
            info, planes = _describe(source, ds, offset, named)
        except SeriesError as e:
            result.file_errors[source.name] = f"{source.name}: {e}"
            continue
        except (AttributeError, ValueError, TypeError, KeyError, IndexError):
            result.file_errors[source.name] = (
                f"{source.name}: the DICOM header is incomplete or invalid for an image."
            )
            continue
        groups[info.group_key].planes.extend(planes)
    deid.add_report(result.deidentification, report)
    if wsi:
        slides.build_dicom_wsi(wsi, work_dir, result)

    for series in groups.values():
        label = _label(series)
        try:
            stacks = _arrange(series)
        except SeriesError as e:
            for source in series.sources:
                result.file_errors[source.name] = f"{source.name}: {label}: {e}"
            continue
        for planes in stacks:
            try:
                with image_folder(work_dir) as folder:
                    image = _convert(planes, folder)
            except SeriesError as e:
                names = {p.file.source.name for p in planes}
                for name in names:
                    result.file_errors[name] = f"{name}: {label}: {e}"
                continue
            result.images.append(image)


def _read_header(path: Path) -> tuple[Dataset, int | None]:
    """The header without pixels, and where native (uncompressed) pixel values start."""
    with path.open("rb") as f:
        ds = pydicom.dcmread(f, stop_before_pixels=True)
        tag_at = f.tell()
        head = f.read(12)
        size = path.stat().st_size
    if "Rows" not in ds:
        return ds, None
    if head[:4] not in _PIXEL_TAGS:
        raise SeriesError("holds no image (no pixel data), so it was skipped.")
    syntax = str(ds.file_meta.get("TransferSyntaxUID", "1.2.840.10008.1.2"))
    if syntax not in _NATIVE_SYNTAXES:
        return ds, None
    explicit = syntax == "1.2.840.10008.1.2.1"
    if explicit and head[4:6] in (b"OB", b"OW", b"UN"):
        length, start = int.from_bytes(head[8:12], "little"), tag_at + 12
    elif explicit:
        length, start = int.from_bytes(head[6:8], "little"), tag_at + 8
    else:
        length, start = int.from_bytes(head[4:8], "little"), tag_at + 8
    if length == 0xFFFFFFFF or start + length > size:
        raise ValueError("pixel data is truncated")
    return ds, start


_converted: dict[tuple[int, str | None, bool, bytes], Any] = {}


def _get(ds: Dataset, keyword: str, default: Any = None) -> Any:
    """`ds.get`, but a value seen before (same tag, same bytes) is not converted again.

    Most header values repeat across a series' files; pydicom's per-value conversion
    would otherwise dominate the header pass.
    """
    number = tag_for_keyword(keyword)
    if number is None:
        return default
    tag = Tag(number)
    raw = ds._dict.get(tag)
    if raw is None:
        return default
    value = getattr(raw, "value", None)
    if not isinstance(raw, RawDataElement) or not isinstance(value, bytes) or len(value) > 256:
        return ds.get(keyword, default)
    key = (int(tag), raw.VR, bool(ds.is_little_endian), value)
    if key not in _converted:
        if len(_converted) > 10_000:
            _converted.clear()
        _converted[key] = ds[tag].value
    result = _converted[key]
    return default if result is None else result


def _float(value: Any, default: float) -> float:
    try:
        result = float(value)
    except (TypeError, ValueError):
        return default
    return result if math.isfinite(result) else default


def _first(value: Any) -> Any:
    if isinstance(value, pydicom.multival.MultiValue | list | tuple):
        return value[0] if len(value) else None
    return value


def _window(item: Dataset | None) -> tuple[float, float] | None:
    if item is None or "WindowCenter" not in item or "WindowWidth" not in item:
        return None
    center, width = _first(item.WindowCenter), _first(item.WindowWidth)
    if center is None or width is None:
        return None
    return _float(center, 0.0), _float(width, 1.0)


def _describe(
    source: Source, ds: Dataset, offset: int | None, named: dict[str, tuple[str, str]]
) -> tuple[FileInfo, list[Plane]]:
    if "Rows" not in ds or "Columns" not in ds:
        raise SeriesError("holds no image (no pixel data), so it was skipped.")
    rows, cols = int(ds.Rows), int(ds.Columns)
    samples = int(_get(ds, "SamplesPerPixel", 1) or 1)
    frames = int(_get(ds, "NumberOfFrames", 1) or 1)
    if rows * cols * samples * frames > limits.max_voxels():
        raise SeriesError("the image is larger than this platform accepts.")
    modality = str(_get(ds, "Modality", "") or "")
    study = str(_get(ds, "StudyInstanceUID", ""))
    series_uid = str(_get(ds, "SeriesInstanceUID", ""))
    frame_of_ref = str(_get(ds, "FrameOfReferenceUID", ""))
    has_geometry = (
        _get(ds, "ImagePositionPatient") is not None or "PerFrameFunctionalGroupsSequence" in ds
    )
    group_key: tuple[str, ...] = (study, series_uid, frame_of_ref)
    if not has_geometry or not series_uid:
        group_key = (*group_key, "file", source.name)  # no geometry: each file on its own
    if frames > 1 and "PerFrameFunctionalGroupsSequence" not in ds:
        group_key = (*group_key, "file", source.name)
    pixel_spacing = _get(ds, "PixelSpacing") or _get(ds, "ImagerPixelSpacing")
    spacing_xy = (
        (_float(pixel_spacing[1], 1.0), _float(pixel_spacing[0], 1.0)) if pixel_spacing else None
    )
    # naming scrubs identifying values, which is slow: do it once per series
    naming = series_uid or source.name
    if naming not in named:
        named[naming] = (
            deid.display_name(**deid.naming_attributes(ds)),
            deid.series_key(naming),
        )
    info = FileInfo(
        source=source,
        modality=clean_text(modality, limit=16),
        name=named[naming][0],
        series_key=named[naming][1],
        group_key=group_key,
        rows=rows,
        cols=cols,
        samples=samples,
        frames=frames,
        bits_allocated=int(_get(ds, "BitsAllocated", 16)),
        bits_stored=int(_get(ds, "BitsStored", _get(ds, "BitsAllocated", 16))),
        signed=int(_get(ds, "PixelRepresentation", 0) or 0) == 1,
        photometric=str(_get(ds, "PhotometricInterpretation", "MONOCHROME2")).strip(),
        pixel_offset=offset,
        planar=int(_get(ds, "PlanarConfiguration", 0) or 0),
        window=_window(ds),
        spacing_xy=spacing_xy,
        slice_thickness=_float(_get(ds, "SpacingBetweenSlices") or _get(ds, "SliceThickness"), 0)
        or None,
    )
    slope = _float(_get(ds, "RescaleSlope", 1), 1.0) or 1.0
    intercept = _float(_get(ds, "RescaleIntercept", 0), 0.0)
    temporal = _get(ds, "TemporalPositionIdentifier")
    if "PerFrameFunctionalGroupsSequence" in ds:
        return info, list(_enhanced_planes(info, ds, slope, intercept))
    position = _get(ds, "ImagePositionPatient")
    orientation = _get(ds, "ImageOrientationPatient")
    planes = [
        Plane(
            file=info,
            frame=index,
            position=np.array([float(v) for v in position]) if position and frames == 1 else None,
            orientation=tuple(float(v) for v in orientation) if orientation else None,
            spacing_xy=spacing_xy,
            slope=slope,
            intercept=intercept,
            temporal=int(temporal) if temporal is not None and temporal != "" else None,
            window=info.window,
        )
        for index in range(frames)
    ]
    if frames > 1 and position:  # a plain multi-frame stack: first frame at the position
        planes[0].position = np.array([float(v) for v in position])
    return info, planes


def _group_value(item: Dataset | None, shared: Dataset | None, sequence: str, attr: str) -> Any:
    for group in (item, shared):
        if group is not None and sequence in group and len(group[sequence].value):
            inner = group[sequence].value[0]
            if attr in inner and inner[attr].value not in (None, ""):
                return inner[attr].value
    return None


def _enhanced_planes(
    info: FileInfo, ds: Dataset, slope: float, intercept: float
) -> Iterator[Plane]:
    shared_seq = ds.get("SharedFunctionalGroupsSequence")
    shared = shared_seq[0] if shared_seq else None
    per_frame = ds.PerFrameFunctionalGroupsSequence
    if len(per_frame) != info.frames:
        raise SeriesError("the per-frame headers do not match the number of frames.")
    for index, item in enumerate(per_frame):

        def value(sequence: str, attr: str, item: Dataset = item) -> Any:
            return _group_value(item, shared, sequence, attr)

        position = value("PlanePositionSequence", "ImagePositionPatient")
        orientation = value("PlaneOrientationSequence", "ImageOrientationPatient")
        spacing = value("PixelMeasuresSequence", "PixelSpacing")
        temporal = value("FrameContentSequence", "TemporalPositionIndex")
        center = value("FrameVOILUTSequence", "WindowCenter")
        width = value("FrameVOILUTSequence", "WindowWidth")
        yield Plane(
            file=info,
            frame=index,
            position=np.array([float(v) for v in position]) if position else None,
            orientation=tuple(float(v) for v in orientation) if orientation else None,
            spacing_xy=(float(spacing[1]), float(spacing[0])) if spacing else info.spacing_xy,
            slope=_float(value("PixelValueTransformationSequence", "RescaleSlope"), slope) or 1.0,
            intercept=_float(
                value("PixelValueTransformationSequence", "RescaleIntercept"), intercept
            ),
            temporal=int(temporal) if temporal is not None else None,
            window=(_float(_first(center), 0), _float(_first(width), 1))
            if center is not None and width is not None
            else info.window,
        )


def _label(series: Series) -> str:
    info = series.planes[0].file
    files = len(series.sources)
    return f"DICOM series '{info.name}' ({files} file{'s' if files != 1 else ''})"


def _arrange(series: Series) -> list[list[Plane]]:
    """Order a series' planes into stacks (one per image), or say why it cannot be done."""
    planes = series.planes
    sizes = {(p.file.rows, p.file.cols, p.file.samples) for p in planes}
    if len(sizes) > 1:
        shown = ", ".join(f"{c}x{r}" for r, c, _ in sorted(sizes))
        raise SeriesError(f"the slices have different sizes ({shown}); refused.")
    if len(planes) == 1 or all(p.position is None for p in planes[1:]):
        if len({p.file.source.name for p in planes}) > 1:
            raise SeriesError("the slices have no position information to order them by.")
        return [planes]  # one 2D image, or one multi-frame stack in file order
    if any(p.position is None or p.orientation is None for p in planes):
        raise SeriesError("some slices have no position or orientation; refused.")
    orientations = {tuple(np.round(p.orientation, _ORIENTATION_DECIMALS)) for p in planes}  # type: ignore[arg-type]
    if len(orientations) > 1:
        raise SeriesError(
            f"the slices have {len(orientations)} different orientations; "
            "a volume needs one. Upload each orientation as its own series."
        )
    row, col = np.array(planes[0].orientation[:3]), np.array(planes[0].orientation[3:])  # type: ignore[index]
    normal = np.cross(row, col)
    distance = {id(p): float(np.dot(p.position, normal)) for p in planes}  # type: ignore[arg-type]
    times = sorted({p.temporal for p in planes}, key=lambda t: (t is None, t or 0))
    if len(times) > 1 and None in times:
        raise SeriesError("some slices have a temporal position and others do not; refused.")
    by_time = [
        sorted((p for p in planes if p.temporal == t), key=lambda p: distance[id(p)]) for t in times
    ]
    reference = [round(distance[id(p)], 3) for p in by_time[0]]
    for stack in by_time[1:]:
        if [round(distance[id(p)], 3) for p in stack] != reference:
            raise SeriesError("the timepoints do not cover the same slice positions; refused.")
    _check_spacing(np.array([distance[id(p)] for p in by_time[0]]))
    return [[p for stack in by_time for p in stack]]


def _check_spacing(positions: np.ndarray) -> None:
    if len(positions) < 2:
        return
    gaps = np.diff(positions)
    if np.any(gaps < 1e-3):
        at = float(positions[1:][gaps < 1e-3][0])
        raise SeriesError(
            f"two slices lie at the same position ({at:.2f} mm along the slice normal); "
            "refused. Upload repeated acquisitions as separate series."
        )
    typical = float(np.median(gaps))
    bad = np.abs(gaps - typical) > max(1e-3, _SPACING_TOLERANCE * typical)
    if np.any(bad):
        i = int(np.argmax(bad))
        raise SeriesError(
            f"the slice spacing is uneven: slices are {typical:.3g} mm apart, but "
            f"{gaps[i]:.3g} mm between positions {positions[i]:.2f} and {positions[i + 1]:.2f} "
            "mm, so a slice is probably missing; refused."
        )


# --- pixel pass ---


def _stored_dtype(info: FileInfo) -> np.dtype:
    kind = "i" if info.signed else "u"
    return np.dtype(f"<{kind}{max(1, info.bits_allocated // 8)}")


def _decode_file(info: FileInfo) -> np.ndarray:
    """All frames of a file as stored values, shape (frames, rows, cols[, samples])."""
    fast = (
        info.pixel_offset is not None
        and info.bits_allocated in (8, 16, 32)
        and (not info.signed or info.bits_stored == info.bits_allocated)
        and (info.samples == 1 or info.planar == 0)
        and not info.photometric.startswith("YBR")
        and info.photometric != "PALETTE COLOR"
    )
    shape: tuple[int, ...] = (info.frames, info.rows, info.cols)
    if info.samples > 1:
        shape = (*shape, info.samples)
    if fast:
        count = int(np.prod(shape))
        data = np.fromfile(
            info.source.path, dtype=_stored_dtype(info), count=count, offset=info.pixel_offset or 0
        )
        if data.size != count:
            raise SeriesError(f"the pixel data of {info.source.name} is incomplete.")
        return data.reshape(shape)
    try:
        data = pixel_array(str(info.source.path))
    except Exception as e:  # codecs raise many kinds; the user needs the file name
        logger.info("pixel decoding failed: %s", type(e).__name__)
        raise SeriesError(
            f"the pixel data of {info.source.name} cannot be decoded (damaged, truncated or "
            "an unsupported compression)."
        ) from None
    return data.reshape(shape)


def _output_dtype(planes: list[Plane], ranges: list[tuple[float, float]]) -> np.dtype:
    if planes[0].file.samples > 1:
        return np.dtype("uint8") if planes[0].file.bits_allocated == 8 else np.dtype("uint16")
    integral = all(p.slope.is_integer() and p.intercept.is_integer() for p in planes)
    lo = min(r[0] for r in ranges)
    hi = max(r[1] for r in ranges)
    if not integral:
        return np.dtype("float32")
    for candidate in ("int16", "uint8", "uint16", "int32"):
        info = np.iinfo(candidate)
        if candidate == "uint8" and lo < 0:
            continue
        if info.min <= lo and hi <= info.max:
            return np.dtype("int16" if candidate == "uint8" and hi > 255 else candidate)
    return np.dtype("float64")


def _check_bytes(planes: list[Plane]) -> None:
    """Every decoded plane is held at once before writing: refuse before decoding any."""
    stored = sum(
        p.file.rows * p.file.cols * p.file.samples * max(1, p.file.bits_allocated // 8)
        for p in planes
    )
    if stored > limits.max_voxel_bytes():
        raise SeriesError(
            f"its {len(planes)} planes need up to {stored} bytes in memory, more than the "
            f"ceiling of {limits.max_voxel_bytes()} bytes (IMAGE_MAX_VOXEL_BYTES); refused "
            "before decoding."
        )


def _convert(planes: list[Plane], folder: Path) -> BuiltImage:
    _check_bytes(planes)
    first = planes[0].file
    infos = list({id(p.file): p.file for p in planes}.values())
    pool = workers.pool()
    stored = dict(zip((id(i) for i in infos), pool.map(_decode_file, infos), strict=True))
    frames = [stored[id(p.file)][p.frame] for p in planes]
    del stored  # the frames list holds the only references now
    # rescaled value range of each plane, from its real values (so int16 whenever it fits)
    raw_ranges = list(pool.map(lambda a: (float(a.min()), float(a.max())), frames))
    ranges = [
        tuple(sorted((lo * p.slope + p.intercept, hi * p.slope + p.intercept)))
        for p, (lo, hi) in zip(planes, raw_ranges, strict=True)
    ]
    dtype = _output_dtype(planes, ranges)  # type: ignore[arg-type]
    invert = first.photometric == "MONOCHROME1"
    lo = min(r[0] for r in ranges)
    hi = max(r[1] for r in ranges)

    geometry = _geometry(planes)
    path = folder / "image.mha"
    mid = len(planes) // max(1, geometry["timepoints"]) // 2
    middle: np.ndarray | None = None

    def rescale(item: tuple[Plane, np.ndarray, tuple[float, float]]) -> np.ndarray:
        plane, array, (raw_lo, raw_hi) = item
        if first.samples > 1:
            return array.astype(dtype, copy=False)
        out: np.ndarray
        if dtype.kind != "f" and plane.slope == 1 and not invert and _fits(raw_lo, raw_hi, dtype):
            # the common CT case: stored values and results both fit, add in place
            out = array.astype(dtype, copy=True)
            if plane.intercept:
                out += dtype.type(plane.intercept)
            return out
        if dtype.kind == "f":
            out = array.astype(np.float64) * plane.slope + plane.intercept
        else:
            out = array.astype(np.int64) * int(plane.slope) + int(plane.intercept)
        if invert:
            out = (lo + hi) - out
        return out.astype(dtype)

    with MhaWriter(
        path,
        size=geometry["size"],
        spacing=geometry["spacing"],
        origin=geometry["origin"],
        direction=geometry["direction"],
        dtype=dtype,
        channels=first.samples,
    ) as writer:
        # rescale a few planes ahead on the pool while the writer compresses; bounded,
        # and each decoded plane is dropped once written, so memory stays near 1x
        work = iter(zip(planes, frames, raw_ranges, strict=True))
        ahead: deque[Future[np.ndarray]] = deque(
            pool.submit(rescale, item) for item in islice(work, 2 * workers.count())
        )
        index = 0
        while ahead:
            out = ahead.popleft().result()
            following = next(work, None)
            if following is not None:
                ahead.append(pool.submit(rescale, following))
            writer.write(out)
            if index == mid:
                middle = out
            frames[index] = None  # type: ignore[call-overload]
            index += 1

    window = next((p.window for p in planes if p.window), None)
    if window and invert:
        window = (lo + hi - window[0], window[1])
    thumb = folder / "thumbnail.png"
    if middle is not None:
        thumbnails.write_png(middle, thumb, window=window)
    size = geometry["size"]
    return BuiltImage(
        name=first.name,
        width=int(size[0]),
        height=int(size[1]),
        depth=int(size[2]) if len(size) > 2 else None,
        timepoints=int(size[3]) if len(size) > 3 else None,
        voxel_width_mm=geometry["spacing"][0] if geometry["known_spacing"] else None,
        voxel_height_mm=geometry["spacing"][1] if geometry["known_spacing"] else None,
        voxel_depth_mm=geometry["spacing"][2] if len(size) > 2 else None,
        origin_mm=list(geometry["origin"]),
        direction=list(geometry["direction"]),
        pixel_type=str(dtype),
        modality=first.modality,
        window_center=window[0] if window else None,
        window_width=window[1] if window else None,
        color_space="RGB" if first.samples == 3 else ("RGBA" if first.samples == 4 else "GRAY"),
        series_key=first.series_key,
        files=[BuiltFile(path=path, image_type="MHD")],
        thumbnail_png=thumb if thumb.exists() else None,
        source_files=sorted({p.file.source.name for p in planes}),
    )


def _fits(lo: float, hi: float, dtype: np.dtype) -> bool:
    info = np.iinfo(dtype)
    return bool(info.min <= lo and hi <= info.max)


def _geometry(planes: list[Plane]) -> dict[str, Any]:
    first = planes[0]
    info = first.file
    timepoints = len({p.temporal for p in planes})
    per_time = len(planes) // timepoints
    known = first.spacing_xy is not None
    sx, sy = first.spacing_xy or (1.0, 1.0)
    if first.orientation is not None:
        row, col = np.array(first.orientation[:3]), np.array(first.orientation[3:])
        normal = np.cross(row, col)
        matrix = np.column_stack([row, col, normal])
    else:
        matrix = np.eye(3)
    origin = first.position if first.position is not None else np.zeros(3)
    if per_time > 1 and planes[per_time - 1].position is not None and first.position is not None:
        span = float(np.dot(planes[per_time - 1].position - first.position, matrix[:, 2]))
        sz = span / (per_time - 1)
    else:
        sz = info.slice_thickness or 1.0
    size: list[int] = [info.cols, info.rows]
    spacing = [sx, sy]
    origin_list = [float(v) for v in origin]
    direction = matrix
    if len(planes) > 1 or first.position is not None:
        size.append(per_time)
        spacing.append(sz)
    else:
        origin_list = origin_list[:2]
        direction = np.eye(2)
    if timepoints > 1:
        size.append(timepoints)
        spacing.append(1.0)
        origin_list.append(0.0)
        direction = np.eye(4)
        direction[:3, :3] = matrix
    return {
        "size": size,
        "spacing": [float(s) for s in spacing],
        "origin": origin_list,
        "direction": [float(v) for v in direction.ravel()],
        "timepoints": timepoints if timepoints > 1 else 0,
        "known_spacing": known,
    }
