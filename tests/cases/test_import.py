"""The import task: uploads in, images stored and attached, nothing half-written."""

import numpy as np
import pytest
import SimpleITK as sitk

from app.storage import bucket_name, s3_client
from archives.models import Archive, ArchiveItem
from archives.services import archive_cases_add, archive_create
from cases.importing import import_session
from cases.models import Image, ImageFile, RawImageUploadSession
from cases.services import upload_session_create
from tests.cases.helpers import completed_upload, keys_in
from uploads.models import UserUpload

pytestmark = pytest.mark.django_db(transaction=True)


def mha_bytes(array: np.ndarray, spacing=(0.5, 0.6, 2.0), origin=(10.0, -5.0, 3.0)) -> bytes:
    image = sitk.GetImageFromArray(array)
    image.SetSpacing(spacing)
    image.SetOrigin(origin)
    # a rotated direction, so geometry mistakes show
    image.SetDirection((0.0, -1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0))
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "vol.mha"
        sitk.WriteImage(image, str(path), useCompression=True)
        return path.read_bytes()


@pytest.fixture
def volume() -> np.ndarray:
    return np.random.default_rng(3).integers(-1000, 2000, size=(6, 20, 24)).astype(np.int16)


def test_import_into_archive_creates_an_item_per_image_with_files_in_the_store(user, volume):
    archive = archive_create(creator=user, title="Lungs")
    upload = completed_upload(user, "scan.mha", mha_bytes(volume))
    session = archive_cases_add(archive=archive, creator=user, uploads=[upload])

    import_session(session_pk=str(session.pk))

    session.refresh_from_db()
    assert session.status == RawImageUploadSession.Status.SUCCEEDED, session.error_message
    image = Image.objects.get(origin=session)
    assert image.shape == [6, 20, 24]
    item = ArchiveItem.objects.get(archive=archive)
    assert item.values.get().image == image
    assert item.values.get().interface.slug == "generic-medical-image"
    mha = ImageFile.objects.get(image=image, image_type="MHD")
    # keys hold only UUIDs
    assert mha.file.name.startswith(f"images/{image.pk}/") and mha.file.name.endswith(".mha")
    assert "scan" not in mha.file.name
    body = s3_client("protected").get_object(Bucket=bucket_name("protected"), Key=mha.file.name)
    assert body["Body"].read()[:4] == b"Obje"  # a MetaImage header
    # thumbnails live in the protected bucket too
    assert image.thumbnail and image.thumbnail in keys_in("protected", f"images/{image.pk}/")
    # the upload is consumed
    upload.refresh_from_db()
    assert upload.status == UserUpload.Status.DELETED
    assert keys_in("uploads", upload.key) == []


def test_running_the_import_twice_changes_nothing(user, volume):
    upload = completed_upload(user, "scan.mha", mha_bytes(volume))
    session = upload_session_create(creator=user, uploads=[upload])
    import_session(session_pk=str(session.pk))
    keys = sorted(keys_in("protected", "images/"))

    import_session(session_pk=str(session.pk))

    assert Image.objects.filter(origin=session).count() == 1
    assert sorted(keys_in("protected", "images/")) == keys


def test_a_non_image_file_gives_a_per_file_error_and_writes_nothing(user):
    before = set(keys_in("protected"))
    upload = completed_upload(user, "notes.txt", b"these are not pixels\n" * 50)
    session = upload_session_create(creator=user, uploads=[upload])

    import_session(session_pk=str(session.pk))

    session.refresh_from_db()
    assert session.status == RawImageUploadSession.Status.FAILED
    assert "notes.txt" in session.file_errors
    assert session.file_errors["notes.txt"]
    assert "No image could be built" in session.error_message
    assert Image.objects.count() == 0
    assert set(keys_in("protected")) == before
    assert keys_in("uploads", upload.key) == []


def test_good_and_bad_files_together_keep_the_good_image_and_name_the_bad_file(user, volume):
    good = completed_upload(user, "scan.mha", mha_bytes(volume))
    bad = completed_upload(user, "broken.dcm", b"DICM" + b"\0" * 300)
    session = upload_session_create(creator=user, uploads=[good, bad])

    import_session(session_pk=str(session.pk))

    session.refresh_from_db()
    assert session.status == RawImageUploadSession.Status.SUCCEEDED
    assert list(session.file_errors) == ["broken.dcm"]
    assert "broken.dcm" in session.error_message
    assert Image.objects.filter(origin=session).count() == 1


def test_a_refusing_target_rolls_everything_back(user, volume):
    archive = archive_create(creator=user, title="Gone soon")
    upload = completed_upload(user, "scan.mha", mha_bytes(volume))
    session = archive_cases_add(archive=archive, creator=user, uploads=[upload])
    before = set(keys_in("protected"))
    Archive.objects.filter(pk=archive.pk).delete()

    import_session(session_pk=str(session.pk))

    session.refresh_from_db()
    assert session.status == RawImageUploadSession.Status.FAILED
    assert "archive no longer exists" in session.error_message
    assert Image.objects.count() == 0
    assert ImageFile.objects.count() == 0
    assert set(keys_in("protected")) == before


def test_only_completed_uploads_of_the_creator_are_accepted(user, other_user, volume):
    from django.core.exceptions import ValidationError

    theirs = completed_upload(other_user, "scan.mha", mha_bytes(volume))
    with pytest.raises(ValidationError, match="not yours"):
        upload_session_create(creator=user, uploads=[theirs])
    unfinished = UserUpload.objects.create(creator=user, filename="x.mha")
    with pytest.raises(ValidationError, match="not completed"):
        upload_session_create(creator=user, uploads=[unfinished])
    assert RawImageUploadSession.objects.count() == 0


def test_a_socket_refusing_the_image_fails_the_session_with_its_reason(user, volume):
    from components.models import ComponentInterface

    segmentation = ComponentInterface.objects.get(slug="segmentation")
    segmentation.overlay_segments = [{"name": "organ", "visible": True, "voxel_value": 1}]
    segmentation.save()
    archive = archive_create(creator=user, title="Organs")
    upload = completed_upload(user, "scan.mha", mha_bytes(volume))  # intensities, no labels
    session = archive_cases_add(
        archive=archive, creator=user, uploads=[upload], interface=segmentation
    )
    before = set(keys_in("protected"))

    import_session(session_pk=str(session.pk))

    session.refresh_from_db()
    assert session.status == RawImageUploadSession.Status.FAILED
    assert "Socket 'segmentation'" in session.error_message
    assert "is not a label map" in session.error_message
    assert Image.objects.count() == 0
    assert ArchiveItem.objects.count() == 0
    assert set(keys_in("protected")) == before


def test_uploads_missing_from_the_store_are_named_and_the_rest_still_imported(user, volume):
    archive = archive_create(creator=user, title="Lungs")
    uploads = [completed_upload(user, f"scan{i}.mha", mha_bytes(volume + i)) for i in range(6)]
    for gone in (uploads[1], uploads[4]):
        s3_client("uploads").delete_object(Bucket=bucket_name("uploads"), Key=gone.key)
    session = archive_cases_add(archive=archive, creator=user, uploads=uploads)

    import_session(session_pk=str(session.pk))

    session.refresh_from_db()
    assert session.status == RawImageUploadSession.Status.SUCCEEDED
    assert session.file_errors == {
        "scan1.mha": "scan1.mha: the uploaded file could not be read from the store.",
        "scan4.mha": "scan4.mha: the uploaded file could not be read from the store.",
    }
    assert Image.objects.filter(origin=session).count() == 4
    assert ArchiveItem.objects.filter(archive=archive).count() == 4
