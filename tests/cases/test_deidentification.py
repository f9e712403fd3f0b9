"""A CT series whose headers carry everything a clinical file does (patient, institution,
physicians, station, private tags, a series description naming the patient) is imported
through the real pipeline: none of it reaches the stored files, the image or its API."""

import json
from pathlib import Path

import pytest
from django.forms.models import model_to_dict
from rest_framework.test import APIClient

from app.storage import bucket_name, s3_client
from cases.importing import import_session
from cases.models import Image, RawImageUploadSession
from cases.services import upload_session_create
from cases.synthetic import IDENTIFYING, PRIVATE_VALUES, write_ct_series
from tests.cases.helpers import completed_upload, keys_in

pytestmark = pytest.mark.django_db(transaction=True)

SLICES = 6


@pytest.fixture
def imported(user, tmp_path: Path) -> tuple[Image, RawImageUploadSession]:  # type: ignore[no-untyped-def]
    files = write_ct_series(tmp_path / "ct", slices=SLICES)
    uploads = [completed_upload(user, f"slice{i}.dcm", path) for i, path in enumerate(files)]
    session = upload_session_create(creator=user, uploads=uploads)
    import_session(session_pk=str(session.pk))
    session.refresh_from_db()
    assert session.status == RawImageUploadSession.Status.SUCCEEDED, session.error_message
    return Image.objects.get(origin=session), session


def secrets() -> list[str]:
    """Every identifying value the headers carried, and the names' parts."""
    values = [*IDENTIFYING.values(), *PRIVATE_VALUES]
    parts = {p for v in values for p in v.replace("^", " ").replace(",", " ").split() if len(p) > 3}
    return sorted(set(values) | parts - {"Chest", "chest", "Scanned", "Road"})


def test_no_identifying_value_reaches_the_stored_files(imported):  # type: ignore[no-untyped-def]
    image, _ = imported
    keys = keys_in("protected", f"images/{image.pk}/")
    assert len(keys) == 2  # the .mha and its thumbnail
    client = s3_client("protected")
    for key in keys:
        data = client.get_object(Bucket=bucket_name("protected"), Key=key)["Body"].read()
        # compressed pixel bytes can hold a short value by chance; 8+ characters cannot
        for secret in (s for s in secrets() if len(s) >= 8):
            assert secret.encode() not in data, f"{secret!r} in {key}"
        if key.endswith(".mha"):
            header = data.split(b"ElementDataFile")[0].decode()
            for secret in secrets():
                assert secret.lower() not in header.lower(), f"{secret!r} in the MHA header"
            assert "Institution" not in header and "Physician" not in header


def test_no_identifying_value_reaches_the_image_name_or_metadata(imported, user):  # type: ignore[no-untyped-def]
    image, session = imported
    assert image.name == "CT Chest"  # modality + the scrubbed series description
    api = APIClient()
    api.force_authenticate(user)
    response = api.get(f"/api/v1/cases/images/{image.pk}/")
    assert response.status_code == 200
    texts = {
        "image row": json.dumps(model_to_dict(image), default=str),
        "image API": response.content.decode(),
        "session": json.dumps(model_to_dict(session), default=str),
    }
    for where, text in texts.items():
        for secret in secrets():
            assert secret.lower() not in text.lower(), f"{secret!r} in the {where}"


def test_the_report_names_each_kind_of_value_removed_from_every_file(imported):  # type: ignore[no-untyped-def]
    _, session = imported
    report = session.deidentification_report
    for keyword in (
        "PatientName",
        "PatientID",
        "PatientBirthDate",
        "AccessionNumber",
        "InstitutionName",
        "InstitutionAddress",
        "ReferringPhysicianName",
        "PerformingPhysicianName",
        "OperatorsName",
        "StationName",
        "DeviceSerialNumber",
        "StudyDescription",
        "PrivateAttributes",
    ):
        assert report.get(keyword) == SLICES, keyword
