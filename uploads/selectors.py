"""Reads for uploads: a user's own uploads, quota usage, parts in the store."""

import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from app.storage import bucket_name, s3_client
from app.urlresolve import pk_from_api_url
from uploads.models import UserUpload

QUOTA_WINDOW = timedelta(hours=24)


def uploads_for(*, user: User | AnonymousUser) -> QuerySet[UserUpload]:
    """Uploads are private to their creator: nobody else, staff included, sees them."""
    if not user.is_authenticated or not user.is_active:
        return UserUpload.objects.none()
    return UserUpload.objects.filter(creator=user)


def quota_usage(*, user: User, exclude: UserUpload | None = None) -> int:
    """Bytes the user uploaded or may still upload within the quota window.

    Finished uploads count their size; unfinished ones reserve the most their issued
    part URLs can carry (parts x UPLOADS_MAX_PART_BYTES), so no client can outrun the
    quota by asking for URLs first and uploading later.
    """
    recent = UserUpload.objects.filter(creator=user, created__gte=timezone.now() - QUOTA_WINDOW)
    if exclude is not None:
        recent = recent.exclude(pk=exclude.pk)
    totals = recent.aggregate(
        sized=Sum("size", filter=~Q(status=UserUpload.Status.INITIALIZED), default=0),
        parts=Sum("max_presigned_part", filter=Q(status=UserUpload.Status.INITIALIZED), default=0),
    )
    return int(totals["sized"]) + int(totals["parts"]) * settings.UPLOADS_MAX_PART_BYTES


def uploaded_parts(*, upload: UserUpload) -> list[dict[str, Any]]:
    """The parts the store holds for an unfinished upload, in gcapi's `Part` shape."""
    client = s3_client("uploads")
    parts: list[dict[str, Any]] = []
    marker = 0
    while True:
        page = client.list_parts(
            Bucket=bucket_name("uploads"),
            Key=upload.key,
            UploadId=upload.s3_upload_id,
            PartNumberMarker=marker,
        )
        for part in page.get("Parts", []):
            parts.append(
                {
                    "ETag": part["ETag"],
                    "PartNumber": part["PartNumber"],
                    "LastModified": part["LastModified"].isoformat(),
                    "Size": part["Size"],
                }
            )
        if not page.get("IsTruncated"):
            return parts
        marker = int(page["NextPartNumberMarker"])


def _upload_pk(value: object) -> uuid.UUID | None:
    """The pk in an upload API URL (`https://host/api/v1/uploads/<uuid>/`) or a bare pk."""
    pk = pk_from_api_url(value, "api:upload-detail")
    return uuid.UUID(pk) if pk else None


def completed_uploads_for(
    *, user: User | AnonymousUser, api_urls_or_pks: Iterable[object]
) -> list[UserUpload]:
    """The user's own completed uploads named by API URL or pk, in the order given.

    Raises ValidationError naming each value that is not an upload URL, not the user's
    upload, listed twice or not completed (someone else's upload reads as not found).
    """
    values = list(api_urls_or_pks)
    if not values:
        raise ValidationError("No uploads given.")
    named: dict[uuid.UUID, object] = {}  # pk -> the value that named it, in order
    errors: list[str] = []
    for value in values:
        pk = _upload_pk(value)
        if pk is None:
            errors.append(f"{value!r} is not an upload API URL.")
        elif pk in named:
            errors.append(f"{value!r} is listed more than once.")
        else:
            named[pk] = value
    found = {u.pk: u for u in uploads_for(user=user).filter(pk__in=list(named))}
    for pk, value in named.items():
        upload = found.get(pk)
        if upload is None:
            errors.append(f"Upload {value!r} was not found.")
        elif upload.status != UserUpload.Status.COMPLETED:
            errors.append(
                f"Upload {value!r} ({upload.filename}) is not completed: its status is "
                f"{upload.status}."
            )
    if errors:
        raise ValidationError(errors)
    return [found[pk] for pk in named]
