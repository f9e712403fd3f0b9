"""DICOM series become MHA volumes equal to SimpleITK's own reading, with no patient data."""

import copy
from pathlib import Path

import numpy as np
import pydicom
import pytest
import SimpleITK as sitk
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from tests.cases.builders.conftest import IDENTIFYING, build


def _sitk_series(folder: Path) -> sitk.Image:
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(folder)))
    return reader.Execute()


def _read(path: Path) -> sitk.Image:
    return sitk.ReadImage(str(path))


def test_series_equals_simpleitk_reading(ct_dir: Path, tmp_path: Path) -> None:
    result = build(list(ct_dir.iterdir()), tmp_path)
    assert result.file_errors == {}
    [image] = result.images
    ours = _read(image.files[0].path)
    ref = _sitk_series(ct_dir)
    assert ours.GetSize() == ref.GetSize() == (512, 512, 12)
    assert ours.GetOrigin() == pytest.approx(ref.GetOrigin())
    assert ours.GetSpacing() == pytest.approx(ref.GetSpacing())
    assert ours.GetDirection() == pytest.approx(ref.GetDirection())
    assert np.array_equal(sitk.GetArrayViewFromImage(ours), sitk.GetArrayViewFromImage(ref))
    assert ours.GetPixelID() == sitk.sitkInt16  # rescaled HU fit int16
    assert (image.width, image.height, image.depth) == (512, 512, 12)
    assert image.voxel_depth_mm == pytest.approx(1.25)
    assert image.origin_mm == pytest.approx(list(ref.GetOrigin()))
    assert image.modality == "CT"
    assert (image.window_center, image.window_width) == (40, 400)
    assert image.pixel_type == "int16"
    assert image.thumbnail_png is not None and image.thumbnail_png.stat().st_size > 100
    assert len(image.source_files) == 12


def test_no_identifying_value_reaches_any_output(ct_dir: Path, tmp_path: Path) -> None:
    result = build(list(ct_dir.iterdir()), tmp_path)
    [image] = result.images
    sample = pydicom.dcmread(next(ct_dir.iterdir()))
    uids = [
        sample.StudyInstanceUID,
        sample.SeriesInstanceUID,
        sample.FrameOfReferenceUID,
        sample.SOPInstanceUID,
    ]
    secrets = [*IDENTIFYING, *uids]
    fields = repr(image.__dict__) + repr(result.deidentification)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            fields += str(path)
            # short values (ACC1) can occur by chance inside compressed bytes
            for secret in (s for s in secrets if len(s) >= 8):
                assert secret.encode() not in data, f"{secret} found in {path.name}"
    # the MHA header is plain text: check its lines too
    header = image.files[0].path.read_bytes().split(b"ElementDataFile")[0].decode()
    assert "Patient" not in header and "UID" not in header
    for secret in secrets:
        assert secret not in header
    for secret in secrets:
        assert secret not in fields
    assert image.series_key and sample.SeriesInstanceUID not in image.series_key
    assert len(image.series_key) == 64
    report = result.deidentification
    assert report["PatientName"] == 12
    assert report["PatientID"] == 12
    assert report["AccessionNumber"] == 12
    assert report["StudyInstanceUID"] == 12


def test_series_key_is_stable_for_the_same_series(ct_dir: Path, tmp_path: Path) -> None:
    files = sorted(ct_dir.iterdir(), key=lambda f: pydicom.dcmread(f).ImagePositionPatient[2])
    first = build(files[:6], tmp_path / "a").images[0]
    again = build(files, tmp_path / "b").images[0]
    assert first.series_key == again.series_key


def test_missing_slice_is_refused_with_the_reason(ct_copy: Path, tmp_path: Path) -> None:
    files = sorted(ct_copy.iterdir(), key=lambda f: pydicom.dcmread(f).ImagePositionPatient[2])
    files[5].unlink()
    result = build(list(ct_copy.iterdir()), tmp_path / "work")
    assert result.images == []
    assert len(result.file_errors) == 11
    message = next(iter(result.file_errors.values()))
    assert "missing" in message and "2.5 mm" in message
    assert not list((tmp_path / "work").rglob("*.mha"))  # no partial image


def test_mixed_orientations_are_refused(ct_copy: Path, tmp_path: Path) -> None:
    for f in sorted(ct_copy.iterdir())[:3]:
        ds = pydicom.dcmread(f)
        ds.ImageOrientationPatient = [1, 0, 0, 0, 0, -1]
        ds.save_as(f)
    result = build(list(ct_copy.iterdir()), tmp_path)
    assert result.images == []
    assert "2 different orientations" in next(iter(result.file_errors.values()))


def test_mixed_sizes_are_refused(ct_copy: Path, tmp_path: Path) -> None:
    f = sorted(ct_copy.iterdir())[0]
    ds = pydicom.dcmread(f)
    ds.PixelData = ds.pixel_array[:256].tobytes()
    ds.Rows = 256
    ds.save_as(f)
    result = build(list(ct_copy.iterdir()), tmp_path)
    assert result.images == []
    assert "different sizes" in next(iter(result.file_errors.values()))


def test_truncated_and_non_dicom_files_get_their_own_errors(ct_copy: Path, tmp_path: Path) -> None:
    files = sorted(ct_copy.iterdir())
    truncated = tmp_path / "cut.dcm"
    truncated.write_bytes(files[0].read_bytes()[:300_000])
    garbage = tmp_path / "notes.dcm"
    garbage.write_bytes(b"this is not dicom at all" * 10)
    result = build([truncated, garbage], tmp_path / "work")
    assert result.images == []
    assert "truncated" in result.file_errors["cut.dcm"]
    assert "not a readable DICOM" in result.file_errors["notes.dcm"]


@pytest.mark.parametrize(
    ("compressed", "reference"),
    [
        ("MR_small_RLE.dcm", "MR_small.dcm"),
        ("MR_small_jp2klossless.dcm", "MR_small.dcm"),
        ("MR_small_jpeg_ls_lossless.dcm", "MR_small.dcm"),
        ("MR_small_implicit.dcm", "MR_small.dcm"),
        ("MR_small_bigendian.dcm", "MR_small.dcm"),
    ],
)
def test_compressed_transfer_syntaxes_decode_losslessly(
    compressed: str, reference: str, tmp_path: Path
) -> None:
    path = Path(get_testdata_file(compressed))  # type: ignore[arg-type]
    result = build([path], tmp_path)
    assert result.file_errors == {}
    [image] = result.images
    ours = sitk.GetArrayFromImage(_read(image.files[0].path))
    expected = pydicom.dcmread(str(get_testdata_file(reference))).pixel_array
    assert np.array_equal(ours[0], expected)


def test_real_ct_file_matches_simpleitk(tmp_path: Path) -> None:
    path = Path(get_testdata_file("CT_small.dcm"))  # type: ignore[arg-type]
    [image] = build([path], tmp_path).images
    ours, ref = _read(image.files[0].path), sitk.ReadImage(str(path))
    assert np.array_equal(sitk.GetArrayViewFromImage(ours), sitk.GetArrayViewFromImage(ref))
    assert ours.GetOrigin() == pytest.approx(ref.GetOrigin())
    assert ours.GetSpacing()[:2] == pytest.approx(ref.GetSpacing()[:2])
    assert ours.GetDirection() == pytest.approx(ref.GetDirection())


def test_jpeg2000_and_rgb_rle_and_multiframe_ultrasound(tmp_path: Path) -> None:
    names = ["JPEG2000.dcm", "SC_rgb_rle_2frame.dcm", "examples_ybr_color.dcm"]
    files = [Path(get_testdata_file(n)) for n in names]  # type: ignore[arg-type]
    result = build(files, tmp_path)
    assert result.file_errors == {}
    by_source = {image.source_files[0]: image for image in result.images}
    j2k = by_source["JPEG2000.dcm"]
    assert (j2k.width, j2k.height) == (256, 1024)
    rgb = by_source["SC_rgb_rle_2frame.dcm"]
    assert rgb.color_space == "RGB" and rgb.depth == 2
    arr = sitk.GetArrayFromImage(_read(rgb.files[0].path))
    assert arr.shape == (2, 100, 100, 3)
    assert np.array_equal(arr, pydicom.dcmread(files[1]).pixel_array)
    us = by_source["examples_ybr_color.dcm"]
    assert (us.width, us.height, us.depth, us.color_space) == (320, 240, 30, "RGB")


def test_monochrome1_is_inverted(tmp_path: Path) -> None:
    ds = pydicom.dcmread(str(get_testdata_file("CT_small.dcm")))
    plain = tmp_path / "m2.dcm"
    ds.save_as(plain)
    ds.PhotometricInterpretation = "MONOCHROME1"
    ds.SeriesInstanceUID = generate_uid()
    inverted = tmp_path / "m1.dcm"
    ds.save_as(inverted)
    result = build([plain, inverted], tmp_path / "work")
    by_source = {i.source_files[0]: i for i in result.images}
    a = sitk.GetArrayFromImage(_read(by_source["m2.dcm"].files[0].path)).astype(int)
    b = sitk.GetArrayFromImage(_read(by_source["m1.dcm"].files[0].path)).astype(int)
    assert np.corrcoef(a.ravel(), b.ravel())[0, 1] < -0.99  # bright became dark


def _enhanced_from(ct_dir: Path, path: Path) -> list[pydicom.FileDataset]:
    """An enhanced multi-frame CT built from the synthetic slices, per-frame rescale."""
    slices = sorted(
        (pydicom.dcmread(f) for f in ct_dir.iterdir()), key=lambda d: d.ImagePositionPatient[2]
    )
    first = slices[0]
    ds = copy.deepcopy(first)
    for keyword in ("ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing"):
        delattr(ds, keyword)
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2.1"
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.NumberOfFrames = len(slices)
    shared = Dataset()
    measures, orient = Dataset(), Dataset()
    measures.PixelSpacing = first.PixelSpacing
    measures.SliceThickness = first.SliceThickness
    orient.ImageOrientationPatient = first.ImageOrientationPatient
    shared.PixelMeasuresSequence = Sequence([measures])
    shared.PlaneOrientationSequence = Sequence([orient])
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    frames, pixels = [], []
    order = list(reversed(range(len(slices))))  # frames stored top-down: must be reordered
    for k in order:
        item, pos, trans = Dataset(), Dataset(), Dataset()
        pos.ImagePositionPatient = slices[k].ImagePositionPatient
        trans.RescaleSlope, trans.RescaleIntercept = 1, -1024 if k % 2 else -1000
        item.PlanePositionSequence = Sequence([pos])
        item.PixelValueTransformationSequence = Sequence([trans])
        frames.append(item)
        pixels.append(slices[k].pixel_array)
    ds.PerFrameFunctionalGroupsSequence = Sequence(frames)
    ds.PixelData = np.stack(pixels).tobytes()
    ds.save_as(path, enforce_file_format=True)
    return slices


def test_enhanced_multiframe_uses_per_frame_position_and_rescale(
    ct_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "enhanced.dcm"
    slices = _enhanced_from(ct_dir, path)
    result = build([path], tmp_path / "work")
    assert result.file_errors == {}
    [image] = result.images
    ours = _read(image.files[0].path)
    ref = _sitk_series(ct_dir)
    assert ours.GetOrigin() == pytest.approx(ref.GetOrigin())
    assert ours.GetSpacing() == pytest.approx(ref.GetSpacing())
    arr = sitk.GetArrayFromImage(ours)
    for k, s in enumerate(slices):
        expected = s.pixel_array.astype(int) + (-1024 if k % 2 else -1000)
        assert np.array_equal(arr[k], expected)


def test_temporal_positions_become_timepoints(ct_copy: Path, tmp_path: Path) -> None:
    files = sorted(ct_copy.iterdir())
    for f in files:
        ds = pydicom.dcmread(f)
        ds.TemporalPositionIdentifier = 1
        ds.save_as(f)
        ds.TemporalPositionIdentifier = 2
        ds.SOPInstanceUID = generate_uid()
        ds.save_as(f.with_name(f.name + "-t2"))
    result = build(list(ct_copy.iterdir()), tmp_path / "work")
    assert result.file_errors == {}
    [image] = result.images
    assert (image.depth, image.timepoints) == (12, 2)
    ours = _read(image.files[0].path)
    assert ours.GetSize() == (512, 512, 12, 2)
    arr = sitk.GetArrayFromImage(ours)
    assert np.array_equal(arr[0], arr[1])
