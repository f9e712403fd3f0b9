"""MHA/MHD, NIfTI, NRRD, PNG: values and geometry equal SimpleITK's own reading."""

import gzip
import shutil
from pathlib import Path

import nibabel.testing
import numpy as np
import pytest
import SimpleITK as sitk

from cases.builders.mha import write_mha
from tests.cases.builders.conftest import build


def _volume() -> sitk.Image:
    rng = np.random.default_rng(3)
    image = sitk.GetImageFromArray(rng.integers(-1000, 3000, (7, 9, 11)).astype(np.int16))
    image.SetSpacing((0.5, 0.75, 2.0))
    image.SetOrigin((10.0, -20.0, 30.5))
    image.SetDirection(sitk.VersorTransform((0.1, 0.3, 0.9), 0.4).GetMatrix())
    return image


def _assert_same(path: Path, reference: sitk.Image) -> None:
    ours = sitk.ReadImage(str(path))
    assert ours.GetSize() == reference.GetSize()
    assert ours.GetSpacing() == pytest.approx(reference.GetSpacing())
    assert ours.GetOrigin() == pytest.approx(reference.GetOrigin())
    assert ours.GetDirection() == pytest.approx(reference.GetDirection())
    assert ours.GetPixelID() == reference.GetPixelID()
    assert np.array_equal(sitk.GetArrayViewFromImage(ours), sitk.GetArrayViewFromImage(reference))


@pytest.mark.parametrize("name", ["v.mha", "v.nii", "v.nii.gz", "v.nrrd"])
def test_single_file_formats_equal_simpleitk(name: str, tmp_path: Path) -> None:
    source = tmp_path / name
    sitk.WriteImage(_volume(), str(source))
    result = build([source], tmp_path / "work")
    assert result.file_errors == {}
    [image] = result.images
    _assert_same(image.files[0].path, sitk.ReadImage(str(source)))
    assert image.name == "v"
    assert (image.width, image.height, image.depth) == (11, 9, 7)
    assert image.voxel_depth_mm == pytest.approx(2.0)
    assert image.files[0].path.read_bytes().startswith(b"ObjectType = Image")
    assert b"CompressedData = True" in image.files[0].path.read_bytes()[:400]


def test_mhd_with_its_data_file_in_the_upload(tmp_path: Path) -> None:
    source = tmp_path / "up" / "scan.mhd"
    source.parent.mkdir()
    sitk.WriteImage(_volume(), str(source))
    raw = source.with_suffix(".raw")
    # uploads arrive under random local names; the upload names connect them
    local_header, local_raw = tmp_path / "u1", tmp_path / "u2"
    shutil.copy(source, local_header)
    shutil.copy(raw, local_raw)
    names = {local_header: "scan.mhd", local_raw: "scan.raw"}
    result = build([local_header, local_raw], tmp_path / "work", names)
    assert result.file_errors == {}
    [image] = result.images
    assert sorted(image.source_files) == ["scan.mhd", "scan.raw"]
    _assert_same(image.files[0].path, sitk.ReadImage(str(source)))


def test_mhd_without_its_data_file_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "scan.mhd"
    sitk.WriteImage(_volume(), str(source))
    result = build([source], tmp_path / "work")
    assert "not part of this upload" in result.file_errors["scan.mhd"]


@pytest.mark.parametrize(
    "data_file", ["../../etc/passwd", "/etc/passwd", "LIST", "sub/../../x.raw", "C:\\x.raw"]
)
def test_mhd_pointing_outside_is_refused_before_reading(data_file: str, tmp_path: Path) -> None:
    header = tmp_path / "evil.mhd"
    header.write_text(
        "ObjectType = Image\nNDims = 3\nDimSize = 4 4 4\nElementType = MET_UCHAR\n"
        f"ElementDataFile = {data_file}\n"
    )
    result = build([header], tmp_path / "work")
    assert result.images == []
    message = result.file_errors["evil.mhd"]
    assert "refused" in message or "not supported" in message


def test_header_claiming_huge_size_is_refused_before_allocating(tmp_path: Path) -> None:
    header = tmp_path / "huge.mha"
    header.write_bytes(
        b"ObjectType = Image\nNDims = 3\nDimSize = 100000 100000 100000\n"
        b"ElementType = MET_SHORT\nElementDataFile = LOCAL\n" + b"\0" * 1000
    )
    result = build([header], tmp_path / "work")
    assert result.images == []
    assert "1000000000000000 voxels" in result.file_errors["huge.mha"]


def test_truncated_mha_and_damaged_nifti_are_refused(tmp_path: Path) -> None:
    good = tmp_path / "good.mha"
    sitk.WriteImage(_volume(), str(good))
    cut = tmp_path / "cut.mha"
    cut.write_bytes(good.read_bytes()[:-200])
    nifti = tmp_path / "bad.nii.gz"
    sitk.WriteImage(_volume(), str(nifti))
    nifti.write_bytes(nifti.read_bytes()[:200])
    result = build([cut, nifti], tmp_path / "work")
    assert result.images == []
    assert "truncated" in result.file_errors["cut.mha"]
    assert "bad.nii.gz" in result.file_errors["bad.nii.gz"]
    assert not list((tmp_path / "work").rglob("*.mha"))


def test_nibabel_example_nifti_equals_simpleitk(tmp_path: Path) -> None:
    source = Path(str(nibabel.testing.data_path)) / "example4d.nii.gz"
    result = build([source], tmp_path / "work")
    assert result.file_errors == {}
    [image] = result.images
    _assert_same(image.files[0].path, sitk.ReadImage(str(source)))
    assert image.timepoints == 2


def test_png_has_unknown_spacing(tmp_path: Path) -> None:
    from PIL import Image as PILImage

    source = tmp_path / "photo.png"
    rgb = np.random.default_rng(0).integers(0, 255, (20, 30, 3), dtype=np.uint8)
    PILImage.fromarray(rgb).save(source)
    [image] = build([source], tmp_path / "work").images
    assert (image.width, image.height, image.depth) == (30, 20, None)
    assert image.voxel_width_mm is None and image.color_space == "RGB"
    assert np.array_equal(sitk.GetArrayFromImage(sitk.ReadImage(str(image.files[0].path))), rgb)


def test_our_writer_round_trips_through_simpleitk_in_chunks(tmp_path: Path) -> None:
    from cases.builders import mha

    data = np.random.default_rng(1).normal(0, 500, (33, 64, 70)).astype(np.float32)
    direction = sitk.VersorTransform((0.3, 0.2, 0.9), 0.7).GetMatrix()
    old = mha.CHUNK_BYTES
    mha.CHUNK_BYTES = 10_000  # many chunks: the pigz-style stream must still be one
    try:
        write_mha(
            tmp_path / "x.mha", data, spacing=(1, 2, 3), origin=(4, 5, 6), direction=direction
        )
    finally:
        mha.CHUNK_BYTES = old
    image = sitk.ReadImage(str(tmp_path / "x.mha"))
    assert np.array_equal(sitk.GetArrayViewFromImage(image), data)
    assert image.GetDirection() == pytest.approx(direction)
    assert image.GetSpacing() == (1, 2, 3) and image.GetOrigin() == (4, 5, 6)


def test_gzip_file_that_is_not_nifti(tmp_path: Path) -> None:
    source = tmp_path / "notes.nii.gz"
    source.write_bytes(gzip.compress(b"hello" * 100))
    result = build([source], tmp_path / "work")
    assert "NIfTI" in result.file_errors["notes.nii.gz"]


def test_label_map_lists_its_segments_and_intensity_images_do_not(tmp_path: Path) -> None:
    labels = np.zeros((6, 8, 10), dtype=np.uint8)
    labels[2:4, 3:5, 4:6] = 1
    labels[5, 7, 9] = 3
    sitk.WriteImage(sitk.GetImageFromArray(labels), str(tmp_path / "labels.nii.gz"))
    sitk.WriteImage(_volume(), str(tmp_path / "ct.mha"))
    floats = sitk.GetImageFromArray(np.zeros((4, 4, 4), dtype=np.float32))
    sitk.WriteImage(floats, str(tmp_path / "probability.mha"))

    result = build(
        [tmp_path / "labels.nii.gz", tmp_path / "ct.mha", tmp_path / "probability.mha"],
        tmp_path / "work",
    )

    segments = {image.name: image.segments for image in result.images}
    assert segments == {"labels": [0, 1, 3], "ct": None, "probability": None}
