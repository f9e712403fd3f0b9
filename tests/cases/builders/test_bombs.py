"""Compressed images that claim more pixels than a worker may hold are refused unread.

Each bomb is a few KB on disk; the builder must refuse it from its header, quickly,
with the ceiling in the message, and without the process growing by the claimed size.
"""

import gzip
import resource
import struct
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk
from django.test import override_settings

from tests.cases.builders.conftest import build

CEILING = 8 * 1024**3


def _mha_bomb(path: Path, dims: tuple[int, ...], element: str = "MET_UCHAR") -> Path:
    zeros = zlib.compress(bytes(1024 * 1024), 9)  # 1 MiB of zeros, about 1 KB packed
    header = (
        "ObjectType = Image\n"
        f"NDims = {len(dims)}\n"
        "BinaryData = True\n"
        "CompressedData = True\n"
        f"CompressedDataSize = {len(zeros)}\n"
        f"DimSize = {' '.join(map(str, dims))}\n"
        f"ElementType = {element}\n"
        "ElementDataFile = LOCAL\n"
    )
    path.write_bytes(header.encode() + zeros)
    return path


def _refused(path: Path, tmp_path: Path) -> str:
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB
    started = time.monotonic()
    result = build([path], tmp_path / "work")
    elapsed = time.monotonic() - started
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert result.images == []
    assert elapsed < 2, f"took {elapsed:.1f} s: the builder read the data"
    assert grown_mib < 100, f"the process grew by {grown_mib:.0f} MiB"
    return result.file_errors[path.name]


@override_settings(IMAGE_MAX_VOXEL_BYTES=CEILING)
def test_mha_claiming_4096_cubed_is_refused_with_the_ceiling(tmp_path: Path) -> None:
    bomb = _mha_bomb(tmp_path / "bomb.mha", (4096, 4096, 4096))
    assert bomb.stat().st_size < 2048
    message = _refused(bomb, tmp_path)
    assert message == (
        f"bomb.mha: the header claims {4096**3} voxels of 1 byte(s), {4096**3} bytes in "
        f"memory, more than the ceiling of {CEILING} bytes (IMAGE_MAX_VOXEL_BYTES); refused "
        "before reading."
    )


@override_settings(IMAGE_MAX_VOXEL_BYTES=CEILING)
def test_pixel_type_counts_towards_the_ceiling(tmp_path: Path) -> None:
    # 1.07 G voxels is under the voxel limit, but as doubles it is 8.6 GB
    bomb = _mha_bomb(tmp_path / "doubles.mha", (1024, 1024, 1025), "MET_DOUBLE")
    message = _refused(bomb, tmp_path)
    assert f"{1024 * 1024 * 1025 * 8} bytes in memory" in message
    assert f"ceiling of {CEILING} bytes" in message


def test_mha_under_the_ceiling_but_too_small_to_inflate_is_refused(tmp_path: Path) -> None:
    # 1 GiB claimed from about 1 KB of deflate data: no zlib stream can hold it
    bomb = _mha_bomb(tmp_path / "small.mha", (1024, 1024, 1024))
    message = _refused(bomb, tmp_path)
    assert "cannot hold the 1073741824 bytes the header claims" in message
    assert "deflate packs at most 1032:1" in message


def test_nifti_gz_bomb_is_refused(tmp_path: Path) -> None:
    header = bytearray(348)
    struct.pack_into("<i", header, 0, 348)
    struct.pack_into("<8h", header, 40, 3, 2048, 2048, 1024, 1, 1, 1, 1)
    struct.pack_into("<h", header, 70, 4)  # int16
    struct.pack_into("<f", header, 108, 352.0)
    header[344:348] = b"n+1\x00"
    path = tmp_path / "bomb.nii.gz"
    path.write_bytes(gzip.compress(bytes(header) + bytes(4) + bytes(1024 * 1024), 9))
    message = _refused(path, tmp_path)
    assert f"cannot hold the {2048 * 2048 * 1024 * 2} bytes the header claims" in message


def test_nrrd_gzip_bomb_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.nrrd"
    header = b"NRRD0004\ntype: uint8\ndimension: 3\nsizes: 1024 1024 1024\nencoding: gzip\n\n"
    path.write_bytes(header + gzip.compress(bytes(1024 * 1024), 9))
    message = _refused(path, tmp_path)
    assert "cannot hold the 1073741824 bytes the header claims" in message


def test_nrrd_bzip2_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "b.nrrd"
    path.write_bytes(b"NRRD0004\ntype: uint8\ndimension: 1\nsizes: 4\nencoding: bzip2\n\n")
    message = _refused(path, tmp_path)
    assert (
        message
        == "b.nrrd: the NRRD encoding 'bzip2' is not supported; use raw, gzip, ascii or hex."
    )


@pytest.mark.parametrize("name", ["ok.mha", "ok.nii.gz", "ok.nrrd"])
def test_real_compressed_images_of_zeros_still_import(name: str, tmp_path: Path) -> None:
    # all zeros compress best: the ratio check must not refuse honest files
    image = sitk.GetImageFromArray(np.zeros((64, 128, 128), np.uint8))
    path = tmp_path / name
    sitk.WriteImage(image, str(path), useCompression=True)
    result = build([path], tmp_path / "work")
    assert result.file_errors == {}
    assert (result.images[0].width, result.images[0].depth) == (128, 64)


@override_settings(IMAGE_MAX_VOXEL_BYTES=32767)
def test_dicom_series_over_the_ceiling_is_refused_before_decoding(tmp_path: Path) -> None:
    from pydicom.data import get_testdata_file

    path = Path(str(get_testdata_file("CT_small.dcm")))  # 128 x 128 int16: 32768 bytes
    message = _refused(path, tmp_path)
    assert message.endswith(
        "its 1 planes need up to 32768 bytes in memory, more than the ceiling of 32767 bytes "
        "(IMAGE_MAX_VOXEL_BYTES); refused before decoding."
    )


@override_settings(IMAGE_ARCHIVE_MAX_MEMBERS=1000)
def test_tar_gz_of_many_empty_members_stops_at_the_limit(tmp_path: Path) -> None:
    import io
    import tarfile

    path = tmp_path / "many.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for number in range(20_000):
            tar.addfile(tarfile.TarInfo(f"f{number}.mha"), io.BytesIO(b""))
    result = build([path], tmp_path / "work")
    assert result.file_errors == {
        "many.tar.gz": "many.tar.gz: it holds more than 1000 files; the limit is 1000."
    }
    assert not list((tmp_path / "work").rglob("f*.mha"))


def test_tar_gz_of_a_huge_member_is_refused_before_unpacking(tmp_path: Path) -> None:
    import io
    import tarfile

    path = tmp_path / "huge.tar.gz"
    with tarfile.open(path, "w:gz", compresslevel=1) as tar:
        info = tarfile.TarInfo("zeros.raw")
        info.size = 256 * 1024**2
        tar.addfile(info, io.BytesIO(bytes(info.size)))
    started = time.monotonic()
    result = build([path], tmp_path / "work")
    assert time.monotonic() - started < 5
    assert "which looks like a zip bomb; refused." in result.file_errors["huge.tar.gz"]
    assert not list((tmp_path / "work").rglob("zeros.raw"))


@override_settings(IMAGE_MAX_VOXEL_BYTES=199)
def test_plain_tiff_over_the_ceiling_is_refused_before_reading(tmp_path: Path) -> None:
    import tifffile

    path = tmp_path / "plain.tif"
    tifffile.imwrite(path, np.zeros((10, 10), np.uint16))  # 200 bytes of pixels
    message = _refused(path, tmp_path)
    assert message == (
        "plain.tif: the image claims 200 bytes of pixels, more than this platform accepts "
        "(IMAGE_MAX_VOXEL_BYTES: 199 bytes); refused before reading."
    )
