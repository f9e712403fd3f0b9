"""Images are never named after the uploaded file for DICOM: exports are often named after
the patient. Names come from non-identifying attributes (modality, series description or
body part), scrubbed of the header's identifying values."""

import shutil
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file

from tests.cases.builders.conftest import build

DATA = Path(__file__).resolve().parents[2] / "data" / "openslide"
UPLOADED_AS = "Doe_John_MRN123.dcm"
IDENTIFYING = ("doe", "john", "mrn123", "19700101", "st. elsewhere")


def _ct(tmp_path: Path, **attributes: str) -> Path:
    ds = pydicom.dcmread(str(get_testdata_file("CT_small.dcm")))
    ds.PatientName = "Doe^John"
    ds.PatientID = "MRN123"
    ds.PatientBirthDate = "19700101"
    ds.InstitutionName = "St. Elsewhere"
    for keyword, value in attributes.items():
        setattr(ds, keyword, value)
    path = tmp_path / "local-upload-name"
    ds.save_as(path)
    return path


def _name_of(path: Path, tmp_path: Path, uploaded_as: str = UPLOADED_AS) -> str:
    result = build([path], tmp_path / "work", {path: uploaded_as})
    assert result.file_errors == {}
    [image] = result.images
    assert not any(part in image.name.lower() for part in IDENTIFYING), image.name
    return image.name


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ({"SeriesDescription": "Thorax 1.0 B30f"}, "CT Thorax 1.0 B30f"),
        # a description that carries the patient's details loses them
        ({"SeriesDescription": "Doe John MRN123 St. Elsewhere chest 19700101"}, "CT chest"),
        ({"BodyPartExamined": "CHEST"}, "CT CHEST"),  # no description: the body part
        ({}, "CT"),
        ({"Modality": ""}, "DICOM image"),  # nothing to go on: a neutral name
    ],
)
def test_dicom_images_are_named_from_the_header_not_the_file(
    tmp_path: Path, attributes: dict[str, str], expected: str
) -> None:
    assert _name_of(_ct(tmp_path, **attributes), tmp_path) == expected


def test_a_dicom_file_without_series_uid_is_not_named_after_its_file(tmp_path: Path) -> None:
    path = _ct(tmp_path)
    ds = pydicom.dcmread(path)
    del ds.SeriesInstanceUID
    ds.save_as(path)
    assert _name_of(path, tmp_path) == "CT"


def test_dicom_whole_slide_images_are_not_named_after_their_files(tmp_path: Path) -> None:
    files = []
    for index in (0, 1):
        local = tmp_path / f"upload{index}"
        shutil.copy(DATA / f"boxes_{index}.dcm", local)
        files.append(local)
    names = {files[0]: "Doe_John_MRN123_0.dcm", files[1]: "Doe_John_MRN123_1.dcm"}
    result = build(files, tmp_path / "work", names)
    assert result.file_errors == {}
    [slide] = result.images
    assert slide.name == "SM"
    assert sorted(slide.source_files) == sorted(names.values())  # kept for the uploader


def test_other_formats_keep_the_uploaders_name(tmp_path: Path) -> None:
    """MHA, NIfTI, NRRD and TIFF carry no patient fields, and grand-challenge evaluations
    match cases to ground truth by image name (`case_001`), so the name the uploader
    chose stays; the uploader decides it, as with gcapi's image_name for DICOM."""
    import numpy as np
    import SimpleITK as sitk

    path = tmp_path / "local"
    sitk.WriteImage(sitk.GetImageFromArray(np.zeros((4, 5, 6), np.uint8)), str(path) + ".mha")
    result = build(
        [Path(str(path) + ".mha")], tmp_path / "work", {Path(str(path) + ".mha"): "case_001.mha"}
    )
    assert result.images[0].name == "case_001"
