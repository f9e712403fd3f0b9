"""Writes for algorithm images: create from an upload, validate, activate."""

import dataclasses
import logging
import tempfile
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from algorithms.images.inspect import ImageInfo, ImageRefused, inspect_image_tarball
from algorithms.images.repack import add_classic_manifest
from algorithms.models import Algorithm, AlgorithmImage
from algorithms.models.algorithms import image_tarball_path
from app.services import audit_record
from app.storage import bucket_name, s3_client
from app.tasks import enqueue
from uploads.models import UserUpload
from uploads.services import delete_upload, open_upload

logger = logging.getLogger(__name__)


def max_image_bytes() -> int:
    return int(settings.ALGORITHM_IMAGE_MAX_BYTES)


def algorithm_image_create(
    *,
    algorithm: Algorithm,
    creator: User,
    user_upload: UserUpload,
    comment: str = "",
    request: HttpRequest | None = None,
) -> AlgorithmImage:
    """Record a new image for algorithm from a completed upload and queue its validation."""
    if user_upload.status != UserUpload.Status.COMPLETED:
        raise ValidationError({"user_upload": f"Upload {user_upload.pk} is not completed."})
    if user_upload.size is not None and user_upload.size > max_image_bytes():
        raise ValidationError(
            {
                "user_upload": f"{user_upload.filename} is {user_upload.size} bytes, over the "
                f"limit of {max_image_bytes()} bytes for an algorithm image."
            }
        )
    if AlgorithmImage.objects.filter(user_upload=user_upload).exists():
        raise ValidationError({"user_upload": "This upload is already used by another image."})
    with transaction.atomic():
        image = AlgorithmImage.objects.create(
            algorithm=algorithm, creator=creator, user_upload=user_upload, comment=comment
        )
        audit_record(action="algorithm-image-uploaded", actor=creator, obj=image, request=request)
        enqueue("algorithms.images.tasks.validate_algorithm_image", image_pk=str(image.pk))
    return image


def _claim(image_pk: str) -> AlgorithmImage | None:
    """Mark the image Validating; None when there is nothing (left) to do.

    A re-delivered task finds it Validating and starts over, which is safe: the upload
    is only deleted once the image is settled.
    """
    with transaction.atomic():
        image = AlgorithmImage.objects.select_for_update().get(pk=image_pk)
        if image.status not in (AlgorithmImage.Status.QUEUED, AlgorithmImage.Status.VALIDATING):
            return None
        image.status = AlgorithmImage.Status.VALIDATING
        image.save(update_fields=["status", "modified"])
        return image


def _inspect(image: AlgorithmImage) -> ImageInfo:
    upload = image.user_upload
    if upload is None or upload.status != UserUpload.Status.COMPLETED:
        raise ImageRefused("The uploaded tarball is no longer available; upload it again.")
    stream = open_upload(upload=upload)
    try:
        info = inspect_image_tarball(stream, max_bytes=max_image_bytes())
    finally:
        stream.close()
    if (
        AlgorithmImage.objects.filter(
            algorithm_id=image.algorithm_id,
            image_sha256=info.sha256,
            status=AlgorithmImage.Status.VALID,
        )
        .exclude(pk=image.pk)
        .exists()
    ):
        raise ImageRefused(
            f"This algorithm already has this exact image ({info.sha256[:19]}...); "
            "activate that one instead."
        )
    return info


def _move_to_private(image: AlgorithmImage, info: ImageInfo) -> tuple[str, ImageInfo]:
    """Server-side copy from the uploads bucket to the private bucket (re-packed with a
    classic manifest when the tarball has only the OCI one); returns the key and the
    info of what is stored."""
    assert image.user_upload is not None
    if info.classic_manifest is not None:
        return _repack_to_private(image, info)
    suffix = {"": ".tar", "gz": ".tar.gz", "xz": ".tar.xz"}[info.compression]
    key = image_tarball_path(image, f"image{suffix}")
    s3_client("private").copy(
        {"Bucket": bucket_name("uploads"), "Key": image.user_upload.key},
        bucket_name("private"),
        key,
    )
    return key, info


def _repack_to_private(image: AlgorithmImage, info: ImageInfo) -> tuple[str, ImageInfo]:
    assert image.user_upload is not None and info.classic_manifest is not None
    key = image_tarball_path(image, "image.tar")
    source = open_upload(upload=image.user_upload)
    # on disk, not in memory: an image is gigabytes
    with tempfile.TemporaryFile() as repacked:
        try:
            add_classic_manifest(source=source, target=repacked, manifest=info.classic_manifest)
        finally:
            source.close()
        size = repacked.tell()
        repacked.seek(0)
        s3_client("private").upload_fileobj(repacked, bucket_name("private"), key)
    return key, dataclasses.replace(info, size=size, compression="")


def _settle(image: AlgorithmImage, *, info: ImageInfo | None, reason: str, key: str) -> bool:
    """Write the outcome; False when another delivery settled the image first."""
    with transaction.atomic():
        locked = AlgorithmImage.objects.select_for_update().get(pk=image.pk)
        if locked.status != AlgorithmImage.Status.VALIDATING:
            return False
        if info is not None:
            locked.status = AlgorithmImage.Status.VALID
            locked.image_sha256 = info.sha256
            locked.size = info.size
            locked.run_as = f"{info.uid}:{info.gid}"
            locked.image.name = key
            locked.status_reason = ""
        else:
            locked.status = AlgorithmImage.Status.INVALID
            locked.status_reason = reason
        locked.save()
        if info is not None:
            _activate_newest(algorithm_id=locked.algorithm_id)
        return True


def _activate_newest(*, algorithm_id: Any) -> None:
    """The newest valid image becomes the active one."""
    Algorithm.objects.select_for_update().get(pk=algorithm_id)
    newest = (
        AlgorithmImage.objects.filter(algorithm_id=algorithm_id, status=AlgorithmImage.Status.VALID)
        .order_by("-created")
        .first()
    )
    if newest is not None and not newest.is_active:
        AlgorithmImage.objects.filter(algorithm_id=algorithm_id, is_active=True).update(
            is_active=False
        )
        AlgorithmImage.objects.filter(pk=newest.pk).update(is_active=True)


def validate_image(*, image_pk: str) -> None:
    """Check the uploaded tarball, then keep it in the private bucket or refuse it."""
    image = _claim(image_pk)
    if image is None:
        return
    info: ImageInfo | None = None
    reason = ""
    key = ""
    try:
        info = _inspect(image)
        key, info = _move_to_private(image, info)
    except ImageRefused as e:
        reason = str(e)
        info = None
    settled = _settle(image, info=info, reason=reason, key=key)
    # A delivery that lost the race stored the same key the winner's row keeps: leave it.
    kept = AlgorithmImage.objects.filter(pk=image.pk, image=key).exists()
    if key and not settled and not kept:
        s3_client("private").delete_object(Bucket=bucket_name("private"), Key=key)
    if settled and image.user_upload is not None:
        delete_upload(upload=image.user_upload)


def algorithm_image_activate(
    *, image: AlgorithmImage, actor: User, request: HttpRequest | None = None
) -> AlgorithmImage:
    """Make an older valid image the active one again (rollback)."""
    with transaction.atomic():
        Algorithm.objects.select_for_update().get(pk=image.algorithm_id)
        locked = AlgorithmImage.objects.select_for_update().get(pk=image.pk)
        if locked.status != AlgorithmImage.Status.VALID:
            raise ValidationError(
                {"is_active": f"Only a valid image can be active; this one is {locked.status}."}
            )
        AlgorithmImage.objects.filter(algorithm_id=locked.algorithm_id, is_active=True).exclude(
            pk=locked.pk
        ).update(is_active=False)
        locked.is_active = True
        locked.save(update_fields=["is_active", "modified"])
        audit_record(action="algorithm-image-activated", actor=actor, obj=locked, request=request)
    return locked


def settle_stuck_images() -> list[str]:
    """Refuse images left Queued or Validating past the deadline (their task was lost or
    its worker died), so the uploader sees why; returns their primary keys."""
    timeout = int(settings.ALGORITHM_IMAGES_VALIDATION_TIMEOUT_S)
    cutoff = timezone.now() - timedelta(seconds=timeout)
    settled = []
    stuck = AlgorithmImage.objects.filter(
        status__in=(AlgorithmImage.Status.QUEUED, AlgorithmImage.Status.VALIDATING),
        modified__lt=cutoff,
    ).values_list("pk", flat=True)
    for pk in stuck:
        with transaction.atomic():
            image = AlgorithmImage.objects.select_for_update().get(pk=pk)
            if (
                image.status
                not in (
                    AlgorithmImage.Status.QUEUED,
                    AlgorithmImage.Status.VALIDATING,
                )
                or image.modified >= cutoff
            ):
                continue
            stage = "queued" if image.status == AlgorithmImage.Status.QUEUED else "validating"
            image.status = AlgorithmImage.Status.INVALID
            image.status_reason = (
                f"The image stayed {stage} for more than {timeout} s: its validation task "
                "was lost or its worker stopped. Upload the image again."
            )
            image.save(update_fields=["status", "status_reason", "modified"])
            settled.append(str(pk))
    return settled
