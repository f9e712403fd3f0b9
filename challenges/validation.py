"""Check uploaded evaluation methods (container images, checked like algorithm images) and
ground truths (.tar.gz), keep them in the private bucket, and make the newest valid one of a
phase active."""

import tarfile
import tempfile
from pathlib import PurePosixPath
from typing import IO

from django.conf import settings
from django.db import transaction

from algorithms.images.inspect import ImageRefused, inspect_image_tarball
from algorithms.images.repack import add_classic_manifest
from app.storage import bucket_name, s3_client
from challenges.models import EvaluationGroundTruth, Method
from challenges.models.phases import Versioned, ground_truth_path, method_path
from uploads.models import UserUpload
from uploads.services import delete_upload, open_upload

MAX_GROUND_TRUTH_BYTES = 10 * 2**30


def _claim(model: type[Versioned], pk: str) -> Versioned | None:
    with transaction.atomic():
        obj = model.objects.select_for_update().get(pk=pk)  # type: ignore[attr-defined]
        if obj.status not in (Versioned.Status.QUEUED, Versioned.Status.VALIDATING):
            return None
        obj.status = Versioned.Status.VALIDATING
        obj.save(update_fields=["status", "modified"])
        return obj  # type: ignore[no-any-return]


def _upload_of(obj: Versioned) -> UserUpload:
    upload = obj.user_upload
    if upload is None or upload.status != UserUpload.Status.COMPLETED:
        raise ImageRefused("The uploaded file is no longer available; upload it again.")
    return upload


def _settle(
    model: type[Versioned],
    obj: Versioned,
    *,
    file_field: str,
    key: str,
    sha256: str,
    size: int | None,
    reason: str,
) -> bool:
    """Write the outcome and activate the newest valid version; False if already settled."""
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=obj.pk)  # type: ignore[attr-defined]
        if locked.status != Versioned.Status.VALIDATING:
            return False
        if reason:
            locked.status = Versioned.Status.INVALID
            locked.status_reason = reason
        else:
            locked.status = Versioned.Status.VALID
            locked.sha256, locked.size, locked.status_reason = sha256, size, ""
            getattr(locked, file_field).name = key
        locked.save()
        if not reason:
            versions = model.objects.filter(phase_id=locked.phase_id)  # type: ignore[attr-defined]
            newest = versions.filter(status=Versioned.Status.VALID).order_by("-created").first()
            versions.filter(is_active=True).exclude(pk=newest.pk).update(is_active=False)
            versions.filter(pk=newest.pk).update(is_active=True)
        return True


def _holds(model: type[Versioned], obj: Versioned, *, file_field: str, key: str) -> bool:
    """Whether the row keeps `key`: a second delivery that lost the race wrote the same
    key as the one that settled, and must not delete the winner's object."""
    row = model.objects.filter(pk=obj.pk).first()  # type: ignore[attr-defined]
    return row is not None and getattr(row, file_field).name == key


def _finish(
    model: type[Versioned],
    obj: Versioned,
    *,
    file_field: str,
    key: str,
    sha256: str,
    size: int | None,
    reason: str,
) -> None:
    settled = _settle(
        model, obj, file_field=file_field, key=key, sha256=sha256, size=size, reason=reason
    )
    if key and (reason or not settled) and not _holds(model, obj, file_field=file_field, key=key):
        s3_client("private").delete_object(Bucket=bucket_name("private"), Key=key)
    if settled and obj.user_upload is not None:
        delete_upload(upload=obj.user_upload)


def validate_method(*, method_pk: str) -> None:
    method = _claim(Method, method_pk)
    if not isinstance(method, Method):
        return
    key, sha256, size, reason = "", "", None, ""
    try:
        upload = _upload_of(method)
        stream = open_upload(upload=upload)
        try:
            info = inspect_image_tarball(stream, max_bytes=int(settings.ALGORITHM_IMAGE_MAX_BYTES))
        finally:
            stream.close()
        duplicate = Method.objects.filter(
            phase_id=method.phase_id, sha256=info.sha256, status=Method.Status.VALID
        ).exclude(pk=method.pk)
        if duplicate.exists():
            raise ImageRefused(
                f"This phase already has this exact method image ({info.sha256[:19]}...)."
            )
        sha256, size = info.sha256, info.size
        if info.classic_manifest is not None:
            key = method_path(method, "image.tar")
            source = open_upload(upload=upload)
            with tempfile.TemporaryFile() as repacked:
                try:
                    add_classic_manifest(
                        source=source, target=repacked, manifest=info.classic_manifest
                    )
                finally:
                    source.close()
                size = repacked.tell()
                repacked.seek(0)
                s3_client("private").upload_fileobj(repacked, bucket_name("private"), key)
        else:
            suffix = {"": ".tar", "gz": ".tar.gz", "xz": ".tar.xz"}[info.compression]
            key = method_path(method, f"image{suffix}")
            s3_client("private").copy(
                {"Bucket": bucket_name("uploads"), "Key": upload.key}, bucket_name("private"), key
            )
    except ImageRefused as e:
        reason = str(e)
    _finish(Method, method, file_field="image", key=key, sha256=sha256, size=size, reason=reason)


def check_ground_truth_tarball(fileobj: IO[bytes], *, filename: str) -> int:
    """Read a .tar.gz once, front to back; the number of files, or ImageRefused saying why
    it cannot be extracted safely at /opt/ml/input/data/ground_truth/."""
    files = 0
    try:
        with tarfile.open(fileobj=fileobj, mode="r|gz") as tar:
            for member in tar:
                path = PurePosixPath(member.name)
                if path.is_absolute() or ".." in path.parts:
                    raise ImageRefused(
                        f"{filename}: the member {member.name!r} would land outside the "
                        "ground-truth directory."
                    )
                if not (member.isfile() or member.isdir()):
                    raise ImageRefused(
                        f"{filename}: the member {member.name!r} is a link or a device; "
                        "only files and directories are allowed."
                    )
                files += member.isfile()
    except (tarfile.TarError, EOFError, OSError) as e:
        raise ImageRefused(f"{filename} is not a .tar.gz tarball ({e}).") from None
    if files == 0:
        raise ImageRefused(f"{filename} holds no files.")
    return files


def validate_ground_truth(*, ground_truth_pk: str) -> None:
    ground_truth = _claim(EvaluationGroundTruth, ground_truth_pk)
    if not isinstance(ground_truth, EvaluationGroundTruth):
        return
    key, size, reason = "", None, ""
    try:
        upload = _upload_of(ground_truth)
        if upload.size is not None and upload.size > MAX_GROUND_TRUTH_BYTES:
            raise ImageRefused(f"{upload.filename} is over {MAX_GROUND_TRUTH_BYTES} bytes.")
        stream = open_upload(upload=upload)
        try:
            check_ground_truth_tarball(stream, filename=upload.filename)
        finally:
            stream.close()
        size = upload.size
        key = ground_truth_path(ground_truth, upload.filename)
        s3_client("private").copy(
            {"Bucket": bucket_name("uploads"), "Key": upload.key}, bucket_name("private"), key
        )
    except ImageRefused as e:
        reason = str(e)
    _finish(
        EvaluationGroundTruth,
        ground_truth,
        file_field="ground_truth",
        key=key,
        sha256="",
        size=size,
        reason=reason,
    )
