"""Writes for upload sessions and image downloads."""

from collections.abc import Sequence

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from app.models import AuditRecord
from app.services import audit_record
from app.storage import signed_url
from app.tasks import enqueue
from cases.models import ImageFile, RawImageUploadSession
from uploads.models import UserUpload

MAX_UPLOADS_PER_SESSION = 10_000


def upload_session_create(
    *,
    creator: User,
    uploads: Sequence[UserUpload],
    target: dict | None = None,
) -> RawImageUploadSession:
    """Queue the conversion of creator's completed uploads into images.

    `target` says where the images go (see `cases.targets`); the caller has checked that
    creator may add images there.
    """
    if not uploads:
        raise ValidationError({"uploads": "Give at least one completed upload."})
    if len(uploads) > MAX_UPLOADS_PER_SESSION:
        raise ValidationError(
            {"uploads": f"At most {MAX_UPLOADS_PER_SESSION} uploads per session."}
        )
    for upload in uploads:
        if upload.creator_id != creator.pk:
            raise ValidationError({"uploads": f"Upload {upload.pk} is not yours."})
        if upload.status != UserUpload.Status.COMPLETED:
            raise ValidationError(
                {"uploads": f"Upload '{upload.filename}' ({upload.pk}) is not completed."}
            )
    with transaction.atomic():
        busy = (
            RawImageUploadSession.objects.filter(
                user_uploads__in=uploads,
                status__in=[
                    RawImageUploadSession.Status.QUEUED,
                    RawImageUploadSession.Status.STARTED,
                ],
            )
            .values_list("user_uploads__filename", flat=True)
            .first()
        )
        if busy is not None:
            raise ValidationError(
                {"uploads": f"Upload '{busy}' is already being imported by another session."}
            )
        session = RawImageUploadSession.objects.create(creator=creator, target=target or {})
        session.user_uploads.set(uploads)
        enqueue("cases.tasks.build_images_for_session", session_pk=str(session.pk))
    return session


def image_file_download_url(
    *, image_file: ImageFile, user: User, request: HttpRequest | None = None
) -> str:
    """Record the download and return a short-lived signed URL for the file.

    The caller has checked that user may see the image.
    """
    audit_record(
        action=AuditRecord.Action.DOWNLOAD,
        actor=user,
        obj=image_file,
        request=request,
        detail={"image": str(image_file.image_id), "image_type": image_file.image_type},
    )
    return signed_url(
        bucket="protected",
        key=image_file.file.name,
        filename=f"{image_file.image_id}.{image_file.extension}",
    )


def image_thumbnail_url(*, key: str) -> str:
    """A signed URL for a thumbnail the caller has checked the user may see.

    Not audited: thumbnails are previews shown in every list, not downloads of the image.
    """
    return signed_url(bucket="protected", key=key)


def slide_open_record(*, image_file: ImageFile, user: User, request: HttpRequest | None) -> None:
    """Record that user opened a slide in the viewer; the caller has checked permission.

    One record per opening, not per tile: a session fetches hundreds of tiles."""
    audit_record(
        action=AuditRecord.Action.DOWNLOAD,
        actor=user,
        obj=image_file,
        request=request,
        detail={"image": str(image_file.image_id), "image_type": "TIFF", "via": "tiles"},
    )
