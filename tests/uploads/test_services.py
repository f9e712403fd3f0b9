"""The services importers call, and expiry, against the real object store."""

import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from app.storage import bucket_name, s3_client
from cases.models import RawImageUploadSession
from tests.uploads.conftest import multipart_exists, object_exists
from uploads import services
from uploads.models import UserUpload
from uploads.selectors import completed_uploads_for

pytestmark = pytest.mark.django_db


def completed(user, data: bytes, filename: str = "file.bin") -> UserUpload:  # type: ignore[no-untyped-def]
    upload = services.upload_create(creator=user, filename=filename)
    services.presigned_part_urls(  # reserves the part against the quota
        upload=upload, s3_upload_id=upload.s3_upload_id, part_numbers=[1]
    )
    response = s3_client("uploads").upload_part(
        Bucket=bucket_name("uploads"),
        Key=upload.key,
        UploadId=upload.s3_upload_id,
        PartNumber=1,
        Body=data,
    )
    return services.upload_complete(
        upload=upload,
        s3_upload_id=upload.s3_upload_id,
        parts=[{"PartNumber": 1, "ETag": response["ETag"]}],
    )


def test_completed_uploads_for_resolves_gcapi_urls_and_pks_in_order(user):
    a, b = completed(user, b"a"), completed(user, b"b")
    found = completed_uploads_for(
        user=user,
        api_urls_or_pks=[f"https://tessera.example/api/v1/uploads/{b.pk}/", str(a.pk)],
    )
    assert found == [b, a]


def test_completed_uploads_for_names_each_bad_value(user, other_user):
    mine = completed(user, b"mine")
    theirs = completed(other_user, b"theirs")
    unfinished = services.upload_create(creator=user, filename="half.mha")
    with pytest.raises(ValidationError) as raised:
        completed_uploads_for(
            user=user,
            api_urls_or_pks=[
                f"https://host/api/v1/uploads/{mine.pk}/",
                f"https://host/api/v1/uploads/{mine.pk}/",
                "https://host/api/v1/archives/1/",
                f"https://host/api/v1/uploads/{theirs.pk}/",
                f"https://host/api/v1/uploads/{unfinished.pk}/",
            ],
        )
    messages = raised.value.messages
    assert any("listed more than once" in m for m in messages)
    assert any("archives/1/' is not an upload API URL" in m for m in messages)
    assert any(f"{theirs.pk}/' was not found" in m for m in messages)
    assert any("half.mha) is not completed" in m for m in messages)


def test_download_and_open_give_back_the_uploaded_bytes(user, tmp_path):
    data = b"\x00\x01volume" * 1000
    upload = completed(user, data)
    path = services.download_upload_to(upload=upload, path=tmp_path / "local.bin")
    assert path.read_bytes() == data
    with services.open_upload(upload=upload) as f:
        assert f.read() == data


def test_unfinished_uploads_cannot_be_read(user, tmp_path):
    upload = services.upload_create(creator=user, filename="half.mha")
    with pytest.raises(ValueError, match="not Completed"):
        services.download_upload_to(upload=upload, path=tmp_path / "x")


def test_delete_upload_removes_the_object_but_keeps_counting_its_bytes(user):
    upload = completed(user, b"x" * 5000)
    services.delete_upload(upload=upload)
    services.delete_upload(upload=upload)  # a second call is harmless
    assert not object_exists(upload.key)
    upload.refresh_from_db()
    assert upload.status == UserUpload.Status.DELETED
    from uploads.selectors import quota_usage

    assert quota_usage(user=user) == 5000


def _age(upload: UserUpload, hours: float) -> None:
    UserUpload.objects.filter(pk=upload.pk).update(created=timezone.now() - timedelta(hours=hours))


def _multipart_exists(upload: UserUpload) -> bool:
    return multipart_exists(upload.key, upload.s3_upload_id)


def test_expiry_removes_stale_uploads_from_the_store_and_the_database(user, settings):
    settings.UPLOADS_EXPIRE_HOURS = 24
    stale_unfinished = services.upload_create(creator=user, filename="stale.mha")
    stale_completed = completed(user, b"never imported")
    fresh = completed(user, b"fresh")
    referenced = completed(user, b"in a session")
    session = RawImageUploadSession.objects.create(creator=user)
    session.user_uploads.add(referenced)
    for upload in (stale_unfinished, stale_completed, referenced):
        _age(upload, 25)

    assert services.expire_uploads() == 3

    assert not UserUpload.objects.filter(pk__in=[stale_unfinished.pk, stale_completed.pk]).exists()
    assert not _multipart_exists(stale_unfinished)
    assert not object_exists(stale_completed.key)
    assert object_exists(fresh.key)
    # A row another row points at stays (marked Deleted) so the session keeps its link.
    referenced.refresh_from_db()
    assert referenced.status == UserUpload.Status.DELETED
    assert not object_exists(referenced.key)
    assert list(session.user_uploads.all()) == [referenced]
    assert services.expire_uploads() == 0  # a re-run is harmless


def test_expiry_runs_as_a_periodic_task_on_a_real_worker(user, celery_worker, settings):
    from app.celery import celery_app
    from uploads.tasks import expire_uploads

    schedule = celery_app.conf.beat_schedule["uploads-expire"]
    assert schedule["task"] == expire_uploads.name
    assert schedule["schedule"] == 3600

    stale = services.upload_create(creator=user, filename="stale.mha")
    _age(stale, settings.UPLOADS_EXPIRE_HOURS + 1)
    expire_uploads.delay()
    deadline = time.monotonic() + 30
    while UserUpload.objects.filter(pk=stale.pk).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not UserUpload.objects.filter(pk=stale.pk).exists()
    assert not _multipart_exists(stale)
