"""gcapi scripts written for grand-challenge.org work unchanged against Tessera."""

from pathlib import Path

import nibabel.testing
import numpy as np
import pydicom
import pytest
import SimpleITK as sitk
from django.contrib.auth.models import Permission
from django.db import connection
from gcapi import SocketValueSpec

from app.models import AuditRecord
from cases.models import RawImageUploadSession
from cases.synthetic import IDENTIFYING, write_ct_series
from tests.cases.helpers import keys_in, wait_for_sessions

NIFTI = Path(str(nibabel.testing.data_path)) / "anatomical.nii"


@pytest.fixture
def dicom_series(tmp_path: Path) -> Path:
    out = tmp_path / "ct"
    write_ct_series(out, slices=20)
    return out


@pytest.fixture
def mha_file(tmp_path: Path) -> Path:
    array = np.random.default_rng(7).normal(100, 30, size=(5, 33, 40)).astype(np.float32)
    image = sitk.GetImageFromArray(array)
    image.SetSpacing((0.8, 0.9, 2.5))
    image.SetOrigin((-12.5, 40.0, 7.25))
    image.SetDirection((0.0, 1.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 1.0))
    path = tmp_path / "phantom.mha"
    sitk.WriteImage(image, str(path), useCompression=True)
    return path


def assert_same_image(downloaded: Path, reference: sitk.Image) -> None:
    ours = sitk.ReadImage(str(downloaded))
    assert ours.GetSize() == reference.GetSize()
    np.testing.assert_allclose(ours.GetSpacing(), reference.GetSpacing(), rtol=1e-5)
    np.testing.assert_allclose(ours.GetOrigin(), reference.GetOrigin(), atol=1e-4)
    np.testing.assert_allclose(ours.GetDirection(), reference.GetDirection(), atol=1e-5)
    np.testing.assert_array_equal(sitk.GetArrayFromImage(ours), sitk.GetArrayFromImage(reference))


def all_database_text() -> str:
    """Every row of every table, as text."""
    chunks: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from introspection
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def test_add_case_to_archive_with_dicom_mha_and_nifti(
    gcapi_client, user, celery_worker, dicom_series, mha_file, tmp_path
):
    user.user_permissions.add(Permission.objects.get(codename="add_archive"))
    archive = gcapi_client(
        method="POST", path="archives/", json={"title": "Chest CT", "description": "tests"}
    )
    assert archive["slug"] == "chest-ct"
    dicom_files = sorted(dicom_series.iterdir())
    cases = {
        "dicom": (
            dicom_files,
            sitk.ReadImage(sitk.ImageSeriesReader.GetGDCMSeriesFileNames(str(dicom_series))),
        ),
        "mha": ([mha_file], sitk.ReadImage(str(mha_file))),
        "nifti": ([NIFTI], sitk.ReadImage(str(NIFTI))),
    }

    items = {}
    for name, (files, _) in cases.items():
        items[name] = gcapi_client.add_case_to_archive(
            archive_slug="chest-ct",
            values=[SocketValueSpec(socket_slug="generic-medical-image", files=files)],
        )
    wait_for_sessions(*RawImageUploadSession.objects.values_list("pk", flat=True))
    for session in RawImageUploadSession.objects.all():
        assert session.status == "Succeeded", (session.error_message, session.file_errors)

    listed = list(gcapi_client.archive_items.iterate_all(params={"archive": archive["pk"]}))
    assert {i.pk for i in listed} == {i.pk for i in items.values()}
    for name, (_, reference) in cases.items():
        item = gcapi_client.archive_items.detail(pk=items[name].pk)
        (value,) = item.values
        assert value.interface.slug == "generic-medical-image"
        image = gcapi_client.images.detail(api_url=value.image)
        assert image.shape == list(reversed(reference.GetSize()))
        (downloaded,) = gcapi_client.images.download(
            url=value.image, output_directory=tmp_path / "out" / name
        )
        assert downloaded.suffix == ".mha"
        assert_same_image(downloaded, reference)
    assert AuditRecord.objects.filter(action="download", actor=user).count() == 3

    # nothing identifying survives: not in the database, object keys or MHA headers
    needles = list(IDENTIFYING.values())
    for path in dicom_files:
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        needles += [ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID]
        needles.append(ds.FrameOfReferenceUID)
    text = all_database_text()
    keys = "\n".join(keys_in("protected") + keys_in("public") + keys_in("uploads"))
    headers = "\n".join(
        p.read_bytes()[:4096].decode("latin1") for p in (tmp_path / "out").rglob("*.mha")
    )
    for needle in set(needles):
        assert needle not in text, needle
        assert needle not in keys, needle
        assert needle not in headers, needle
