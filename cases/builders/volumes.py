"""MHA/MHD, NIfTI, NRRD, PNG and JPEG → compressed MHA volumes.

Headers are checked by our own small parsers BEFORE SimpleITK touches a file: a data
file must be a plain name found beside its header in the same upload (never a path that
could reach outside), and the claimed size must fit both the data present and the
platform's voxel limit, so a lying header cannot make us read foreign files or allocate
absurd amounts of memory. SimpleITK then reads the file and our writer compresses it.
"""

import gzip
import logging
import os
import re
import shutil
import struct
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np
import SimpleITK as sitk

from cases.builders import limits, thumbnails
from cases.builders.mha import write_mha
from cases.builders.outputs import image_folder
from cases.builders.segments import label_values
from cases.builders.sources import Source, clean_text
from cases.builders.types import BuildResult, BuiltFile, BuiltImage

logger = logging.getLogger(__name__)

_MET_SIZES = {
    "MET_UCHAR": 1,
    "MET_CHAR": 1,
    "MET_USHORT": 2,
    "MET_SHORT": 2,
    "MET_UINT": 4,
    "MET_INT": 4,
    "MET_ULONG": 8,
    "MET_LONG": 8,
    "MET_ULONG_LONG": 8,
    "MET_LONG_LONG": 8,
    "MET_FLOAT": 4,
    "MET_DOUBLE": 8,
}
_NRRD_SIZES = {
    "uchar": 1, "unsigned char": 1, "uint8": 1, "uint8_t": 1, "signed char": 1, "int8": 1,
    "int8_t": 1, "char": 1, "short": 2, "short int": 2, "signed short": 2, "int16": 2,
    "int16_t": 2, "ushort": 2, "unsigned short": 2, "uint16": 2, "uint16_t": 2, "int": 4,
    "signed int": 4, "int32": 4, "int32_t": 4, "uint": 4, "unsigned int": 4, "uint32": 4,
    "uint32_t": 4, "longlong": 8, "long long": 8, "int64": 8, "int64_t": 8, "ulonglong": 8,
    "unsigned long long": 8, "uint64": 8, "uint64_t": 8, "float": 4, "double": 8,
}  # fmt: skip
# bzip2 (and others) can expand without bound and give no cheap size check: refused
_NRRD_ENCODINGS = {"raw", "gzip", "gz", "ascii", "text", "txt", "hex"}
_NIFTI_SIZES = {2: 1, 4: 2, 8: 4, 16: 4, 64: 8, 128: 3, 256: 1, 512: 2, 768: 4, 1024: 8, 1280: 8}


@dataclass(frozen=True)
class _DataFile:
    """A separate data file a header names, with what it must decompress to."""

    name: str
    expected: int
    deflated: bool


class VolumeError(Exception):
    """Why a file gives no image, in words a user understands."""


def build(sources: list[Source], work_dir: Path, result: BuildResult) -> None:
    by_name = {source.name: source for source in sources}
    headers = [
        s
        for s in sources
        if s.lower.endswith((".mha", ".mhd", ".nii", ".nii.gz", ".nrrd", ".nhdr"))
        or not s.lower.endswith((".raw", ".zraw", ".img", ".dat", ".ini"))
    ]
    for source in headers:
        companions: list[Source] = []
        try:
            with image_folder(work_dir) as folder:
                image, companions = _build_one(source, by_name, folder, work_dir)
        except VolumeError as e:
            result.file_errors[source.name] = f"{source.name}: {e}"
            for companion in companions:
                result.file_errors.setdefault(companion.name, f"{companion.name}: {e}")
            continue
        result.images.append(image)


def _build_one(
    source: Source, by_name: dict[str, Source], folder: Path, work_dir: Path
) -> tuple[BuiltImage, list[Source]]:
    name = source.lower
    companions: list[Source] = []
    readable = source.path
    staging: Path | None = None
    if name.endswith((".mha", ".mhd", ".nrrd", ".nhdr")):
        check = _check_metaimage if name.endswith((".mha", ".mhd")) else _check_nrrd
        data = check(source)
        if data is not None:
            companion = _companion(source, data.name, by_name)
            companions = [companion]
            if data.deflated:
                _check_deflated(data.expected, companion.path.stat().st_size)
    elif name.endswith((".nii", ".nii.gz")):
        _check_nifti(source)
    else:
        _check_picture(source)
    try:
        # SimpleITK picks the reader from the name and finds data files beside the
        # header: give it a private folder holding only what we checked
        staging = work_dir / "staging" / uuid.uuid4().hex
        staging.mkdir(parents=True)
        suffix = ".nii.gz" if name.endswith(".nii.gz") else PurePosixPath(name).suffix
        readable = staging / f"image{suffix}"
        os.symlink(source.path.resolve(), readable)
        for companion in companions:
            os.symlink(companion.path.resolve(), staging / PurePosixPath(companion.name).name)
        try:
            image = sitk.ReadImage(str(readable))
        except RuntimeError:
            raise VolumeError(
                "could not be read: the file is damaged, truncated or not a valid "
                f"{_kind(name)} file."
            ) from None
        built = _write(image, source, folder, known_spacing=_has_spacing(name))
        built.source_files = [source.name] + [c.name for c in companions]
        return built, companions
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


def _kind(name: str) -> str:
    for suffixes, kind in (
        ((".mha", ".mhd"), "MetaImage"),
        ((".nii", ".nii.gz"), "NIfTI"),
        ((".nrrd", ".nhdr"), "NRRD"),
        ((".png",), "PNG"),
    ):
        if name.endswith(suffixes):
            return kind
    return "JPEG"


def _has_spacing(name: str) -> bool:
    return not name.endswith((".png", ".jpg", ".jpeg"))


def _check_voxels(voxels: int, *, pixel_bytes: int) -> int:
    """Refuse a header whose pixels would not fit the ceilings; return their bytes.

    Called before SimpleITK (or gzip) reads a single pixel, so a tiny file that claims
    a huge image costs nothing.
    """
    if voxels <= 0:
        raise VolumeError("the header gives an empty or negative image size.")
    size = voxels * pixel_bytes
    if size > limits.max_voxel_bytes():
        raise VolumeError(
            f"the header claims {voxels} voxels of {pixel_bytes} byte(s), {size} bytes in "
            f"memory, more than the ceiling of {limits.max_voxel_bytes()} bytes "
            "(IMAGE_MAX_VOXEL_BYTES); refused before reading."
        )
    if voxels > limits.max_voxels():
        raise VolumeError(
            f"the header claims {voxels} voxels, more than the limit of {limits.max_voxels()}; "
            "refused before reading."
        )
    return size


def _check_deflated(expected: int, compressed: int) -> None:
    """Deflate data this short cannot hold the claimed pixels: refuse it unread."""
    if expected > limits.DEFLATE_MAX_RATIO * compressed + 1024:
        raise VolumeError(
            f"its compressed pixel data ({compressed} bytes) cannot hold the {expected} bytes "
            f"the header claims (deflate packs at most {limits.DEFLATE_MAX_RATIO}:1); the "
            "file is truncated or forged, refused before decompressing."
        )


def _safe_data_name(value: str) -> str:
    """A data file name from a header: a bare name beside the header, nothing else."""
    value = value.strip()
    if (
        not value
        or "/" in value
        or "\\" in value
        or value in (".", "..")
        or value.startswith("~")
        or re.match(r"^[A-Za-z]:", value)
    ):
        raise VolumeError(
            f"the header's data file '{value}' is not a plain file name beside the header; "
            "refused (the data file must be uploaded next to its header)."
        )
    return value


def _companion(header: Source, data_name: str, by_name: dict[str, Source]) -> Source:
    folder = header.folder
    wanted = data_name if folder == "." else f"{folder}/{data_name}"
    companion = by_name.get(wanted)
    if companion is None:
        raise VolumeError(
            f"its data file '{data_name}' is not part of this upload; upload it together "
            "with the header."
        )
    return companion


def _read_text_header(path: Path, stop: str) -> tuple[dict[str, str], int]:
    """key = value lines up to and including the line starting with `stop`."""
    fields: dict[str, str] = {}
    offset = 0
    with path.open("rb") as f:
        for _ in range(200):
            line = f.readline(4096)
            if not line:
                break
            offset += len(line)
            text = line.decode("latin-1").strip()
            if "=" in text:
                key, _, value = text.partition("=")
                fields[key.strip()] = value.strip()
                if key.strip() == stop:
                    return fields, offset
    raise VolumeError("the MetaImage header is incomplete (no ElementDataFile line).")


def _check_metaimage(source: Source) -> _DataFile | None:
    fields, header_size = _read_text_header(source.path, "ElementDataFile")
    try:
        dims = [int(v) for v in fields.get("DimSize", "").split()]
        channels = int(fields.get("ElementNumberOfChannels", "1"))
        element = _MET_SIZES[fields.get("ElementType", "")]
    except (ValueError, KeyError):
        raise VolumeError("the MetaImage header has an invalid DimSize or ElementType.") from None
    if not dims or len(dims) != int(fields.get("NDims", len(dims))):
        raise VolumeError("the MetaImage header's DimSize does not match NDims.")
    voxels = int(np.prod(dims, dtype=object)) * channels
    expected = _check_voxels(voxels, pixel_bytes=element)
    data_file = fields["ElementDataFile"]
    compressed = fields.get("CompressedData", "False").lower() == "true"
    if data_file.upper() == "LOCAL":
        available = source.path.stat().st_size - header_size
        if compressed:
            _check_deflated(expected, available)
        elif available < expected:
            raise VolumeError(
                f"the header promises {expected} bytes of pixel data but the file holds "
                f"{available}; it is truncated."
            )
        return None
    if source.lower.endswith(".mha"):
        raise VolumeError("an .mha file must hold its own data (ElementDataFile = LOCAL).")
    if data_file.upper().startswith("LIST") or "%" in data_file:
        raise VolumeError(
            "headers that list several data files are not supported; refused. "
            "Upload an .mha file or an .mhd with one data file beside it."
        )
    return _DataFile(_safe_data_name(data_file), expected, compressed)


def _check_nifti(source: Source) -> None:
    opener = gzip.open if source.lower.endswith(".gz") else open
    try:
        with opener(source.path, "rb") as f:  # type: ignore[operator]
            header = f.read(352)
    except (OSError, EOFError):
        raise VolumeError("could not be read: not a valid (gzipped) NIfTI file.") from None
    if len(header) < 348:
        raise VolumeError("the NIfTI header is truncated.")
    for order in "<>":
        if struct.unpack(order + "i", header[:4])[0] == 348:
            break
    else:
        raise VolumeError("not a NIfTI-1 file (bad header size).")
    dims = struct.unpack(order + "8h", header[40:56])
    datatype = struct.unpack(order + "h", header[70:72])[0]
    if not 1 <= dims[0] <= 7 or datatype not in _NIFTI_SIZES:
        raise VolumeError("the NIfTI header has an invalid dimension count or data type.")
    voxels = int(np.prod([max(d, 1) for d in dims[1 : dims[0] + 1]], dtype=object))
    expected = _check_voxels(voxels, pixel_bytes=_NIFTI_SIZES[datatype])
    if source.lower.endswith(".gz"):
        _check_deflated(expected, source.path.stat().st_size)
    else:
        offset = int(struct.unpack(order + "f", header[108:112])[0])
        if source.path.stat().st_size < offset + voxels * _NIFTI_SIZES[datatype]:
            raise VolumeError("the NIfTI file is shorter than its header says; it is truncated.")


def _check_nrrd(source: Source) -> _DataFile | None:
    fields: dict[str, str] = {}
    with source.path.open("rb") as f:
        if not f.readline(64).startswith(b"NRRD"):
            raise VolumeError("not an NRRD file (missing the NRRD magic line).")
        for _ in range(200):
            line = f.readline(4096).decode("latin-1").strip()
            if not line:
                break
            if ":" in line and not line.startswith("#"):
                key, _, value = line.partition(":")
                fields[key.strip().lower()] = value.lstrip("=").strip()
        header_size = f.tell()  # the blank line that ends the header is read too
    try:
        sizes = [int(v) for v in fields["sizes"].split()]
        pixel_bytes = _NRRD_SIZES[fields["type"].lower()]
    except (KeyError, ValueError):
        raise VolumeError("the NRRD header has no valid 'sizes' or 'type' field.") from None
    expected = _check_voxels(int(np.prod(sizes, dtype=object)), pixel_bytes=pixel_bytes)
    encoding = fields.get("encoding", "raw").lower()
    if encoding not in _NRRD_ENCODINGS:
        raise VolumeError(
            f"the NRRD encoding '{encoding}' is not supported; use raw, gzip, ascii or hex."
        )
    data_file = fields.get("data file") or fields.get("datafile")
    if data_file is None:
        if encoding in ("gzip", "gz"):
            _check_deflated(expected, source.path.stat().st_size - header_size)
        return None
    if data_file.upper().startswith("LIST") or len(data_file.split()) > 1:
        raise VolumeError("NRRD headers listing several data files are not supported; refused.")
    return _DataFile(_safe_data_name(data_file), expected, encoding in ("gzip", "gz"))


def _check_picture(source: Source) -> None:
    from PIL import Image as PILImage

    try:
        with PILImage.open(source.path) as picture:
            width, height = picture.size
            bands = len(picture.getbands())
            mode = picture.mode
    except (OSError, ValueError, PILImage.DecompressionBombError):
        raise VolumeError(f"could not be read: not a valid {_kind(source.lower)} file.") from None
    _check_voxels(width * height * bands, pixel_bytes=2 if ";16" in mode else 1)


def _write(image: sitk.Image, source: Source, folder: Path, *, known_spacing: bool) -> BuiltImage:
    if image.GetNumberOfComponentsPerPixel() > 1 and "complex" in image.GetPixelIDTypeAsString():
        raise VolumeError("complex-valued images are not supported.")
    channels = image.GetNumberOfComponentsPerPixel()
    array = sitk.GetArrayViewFromImage(image)
    size = image.GetSize()
    path = folder / "image.mha"
    write_mha(
        path,
        array,
        spacing=image.GetSpacing(),
        origin=image.GetOrigin(),
        direction=image.GetDirection(),
        channels=channels,
    )
    plane = array
    spatial_dims = array.ndim - (1 if channels > 1 else 0)
    for _ in range(spatial_dims - 2):
        plane = plane[plane.shape[0] // 2]
    thumb = thumbnails.write_png(np.asarray(plane), folder / "thumbnail.png")
    spacing = image.GetSpacing()
    color = {1: "GRAY", 3: "RGB", 4: "RGBA"}.get(channels, "GRAY")
    # Not DICOM: these formats hold no patient fields and grand-challenge evaluations match
    # cases by image name, so the uploader's file name stays (DICOM: deid.naming_attributes)
    stem = PurePosixPath(source.name).name
    for suffix in (".nii.gz", ".mha", ".mhd", ".nii", ".nrrd", ".nhdr", ".png", ".jpg", ".jpeg"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    return BuiltImage(
        name=clean_text(stem) or "image",
        width=int(size[0]),
        height=int(size[1]) if len(size) > 1 else 1,
        depth=int(size[2]) if len(size) > 2 else None,
        timepoints=int(size[3]) if len(size) > 3 else None,
        voxel_width_mm=float(spacing[0]) if known_spacing else None,
        voxel_height_mm=float(spacing[1]) if known_spacing and len(spacing) > 1 else None,
        voxel_depth_mm=float(spacing[2]) if known_spacing and len(spacing) > 2 else None,
        origin_mm=[float(v) for v in image.GetOrigin()],
        direction=[float(v) for v in image.GetDirection()],
        pixel_type=str(array.dtype),
        color_space=color,  # type: ignore[arg-type]
        segments=label_values(np.asarray(array)) if channels == 1 else None,
        files=[BuiltFile(path=path, image_type="MHD")],
        thumbnail_png=thumb,
    )
