"""De-identification: what the builders may take from a DICOM header, and what they report.

Builders copy nothing from a header except geometry, pixel encoding, modality and window
(PS3.15 basic profile "keep" values), so identifying attributes never reach an image
field, a file name, an MHA header or a log line. This module names what was left behind
(keywords and counts, never values), derives the de-identified series key, and builds a
display name that cannot carry a patient's details.
"""

import hashlib
import hmac
import re
from collections import Counter
from typing import Any

from django.conf import settings
from pydicom.datadict import tag_for_keyword
from pydicom.dataset import Dataset
from pydicom.tag import Tag

from cases.builders.sources import clean_text

# PS3.15 E.1-1 basic profile attributes most often present in clinical files
IDENTIFYING_KEYWORDS = (
    "PatientName",
    "PatientID",
    "IssuerOfPatientID",
    "OtherPatientIDs",
    "OtherPatientNames",
    "OtherPatientIDsSequence",
    "PatientBirthDate",
    "PatientBirthTime",
    "PatientSex",
    "PatientAge",
    "PatientSize",
    "PatientWeight",
    "PatientAddress",
    "PatientTelephoneNumbers",
    "PatientMotherBirthName",
    "MilitaryRank",
    "EthnicGroup",
    "Occupation",
    "AdditionalPatientHistory",
    "PatientComments",
    "MedicalRecordLocator",
    "AccessionNumber",
    "StudyID",
    "StudyDescription",
    "RequestingPhysician",
    "ReferringPhysicianName",
    "ReferringPhysicianAddress",
    "ReferringPhysicianTelephoneNumbers",
    "PerformingPhysicianName",
    "NameOfPhysiciansReadingStudy",
    "PhysiciansOfRecord",
    "OperatorsName",
    "InstitutionName",
    "InstitutionAddress",
    "InstitutionalDepartmentName",
    "StationName",
    "DeviceSerialNumber",
    "DeviceUID",
    "PlateID",
    "DetectorID",
    "StudyInstanceUID",
    "SeriesInstanceUID",
    "SOPInstanceUID",
    "MediaStorageSOPInstanceUID",
    "FrameOfReferenceUID",
    "ReferencedSOPInstanceUID",
    "StudyDate",
    "SeriesDate",
    "AcquisitionDate",
    "ContentDate",
    "AcquisitionDateTime",
    "StudyTime",
    "SeriesTime",
    "AcquisitionTime",
    "ContentTime",
    "InstanceCreationDate",
    "InstanceCreationTime",
    "RequestAttributesSequence",
    "ImageComments",
)
PRIVATE_KEY = "PrivateAttributes"


_TAGS = [(k, Tag(tag_for_keyword(k) or 0)) for k in IDENTIFYING_KEYWORDS]


def removed_keywords(ds: Dataset) -> list[str]:
    """The identifying keywords present (non-empty) in a header, plus private attributes."""
    # look at the raw elements: converting every value would double the header pass
    elements = ds._dict
    found = [k for k, tag in _TAGS if tag in elements and _length(elements[tag])]
    if any(tag.is_private for tag in elements):
        found.append(PRIVATE_KEY)
    return found


def _length(element: Any) -> int:
    length = getattr(element, "length", None)
    if length is not None:  # still raw
        return int(length)
    return 0 if element.is_empty else 1


def add_report(report: dict[str, int], counts: Counter[str]) -> None:
    for keyword, count in counts.items():
        report[keyword] = report.get(keyword, 0) + count


def series_key(*parts: str) -> str:
    """A keyed hash of the series identity: stable for the same series, reveals no UID."""
    message = "\x1f".join(parts).encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


_LONG_NUMBER = re.compile(r"\d{5,}")


def identifying_values(ds: Dataset) -> list[str]:
    """Values a display name must never contain (compared case-insensitively)."""
    values: list[str] = []
    for keyword in (
        "PatientName",
        "PatientID",
        "OtherPatientIDs",
        "OtherPatientNames",
        "PatientBirthDate",
        "AccessionNumber",
        "InstitutionName",
        "ReferringPhysicianName",
        "PerformingPhysicianName",
        "OperatorsName",
        "StationName",
        "DeviceSerialNumber",
    ):
        value = ds.get(keyword)
        if value is None:
            continue
        text = str(value)
        values.append(text)
        values.extend(part for part in re.split(r"[\^ ,=\\]+", text) if len(part) >= 2)
    return sorted(set(values), key=len, reverse=True)


def naming_attributes(ds: Dataset) -> dict[str, Any]:
    """What a DICOM image may be named from: modality and series description (or body
    part), with the header's identifying values to scrub from them. Never the file name:
    exports are often named after the patient (`Doe_John_MRN123.dcm`)."""
    description = str(ds.get("SeriesDescription", "") or "") or str(
        ds.get("BodyPartExamined", "") or ""
    )
    return {
        "modality": str(ds.get("Modality", "") or ""),
        "description": description,
        "forbidden": identifying_values(ds),
    }


def display_name(*, modality: str, description: str, forbidden: list[str]) -> str:
    """'CT Chest 1.0 B30f'-style name from modality and series description, scrubbed."""
    text = description
    for value in forbidden:
        if value:
            text = re.sub(re.escape(value), " ", text, flags=re.IGNORECASE)
    text = _LONG_NUMBER.sub(" ", text)  # IDs, dates
    name = clean_text(f"{clean_text(modality, limit=16)} {clean_text(text, limit=48)}")
    return name or "DICOM image"
