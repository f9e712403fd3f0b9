"""Writes for uploads: the S3 multipart life cycle, hand-over to importers, expiry.

Every method that changes an upload locks its row and checks its status first, so
two requests racing on one upload (a double complete, an abort during a complete)
settle to one outcome. Errors are Django ValidationErrors keyed by the request field.
"""

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from botocore.exceptions import ClientError
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from app.storage import bucket_name, s3_client
from uploads.models import UserUpload
from uploads.selectors import quota_usage, uploaded_parts

logger = logging.getLogger(__name__)

MAX_PART_NUMBER = 10_000  # S3's limit
MIN_PART_BYTES = 5 * 1024 * 1024  # S3's minimum for every part but the last
MAX_PARTS_PER_REQUEST = 100
MAX_FILENAME_LENGTH = 255
_BAD_FILENAME_CHARACTERS = {"\\", "\x00"}


def _quota_bytes(n: int) -> str:
    return f"{n:,} bytes ({filesizeformat(n)})"


def clean_filename(filename: object) -> str:
    """The user's file name, kept for display and import only (never in an object key).

    A name with directories is reduced to its last part, as gcapi sends a socket's
    relative path (`results/metrics.json`) as the name; anything that climbs out
    (`..`), starts at the root or uses backslashes or control characters is refused.
    """
    if not isinstance(filename, str) or not filename.strip():
        raise ValidationError({"filename": "The file name must not be empty."})
    if len(filename) > MAX_FILENAME_LENGTH:
        raise ValidationError(
            {"filename": f"The file name is longer than {MAX_FILENAME_LENGTH} characters."}
        )
    if any(c in _BAD_FILENAME_CHARACTERS or ord(c) < 32 for c in filename):
        raise ValidationError(
            {"filename": "The file name must not contain backslashes or control characters."}
        )
    parts = filename.split("/")
    if filename.startswith("/") or any(p in {"", ".", ".."} for p in parts):
        raise ValidationError(
            {"filename": f"{filename!r} is a path, not a file name: give the name only."}
        )
    return parts[-1]


def upload_create(*, creator: User, filename: str) -> UserUpload:
    """Start a multipart upload in the uploads bucket for one file.

    No transaction around the store's round trip: on SQLite a transaction takes the
    write lock at BEGIN, and every other write would wait on the object store."""
    upload = UserUpload(creator=creator, filename=clean_filename(filename))
    client = s3_client("uploads")
    started = client.create_multipart_upload(Bucket=bucket_name("uploads"), Key=upload.key)
    upload.s3_upload_id = started["UploadId"]
    try:
        upload.save(force_insert=True)
    except Exception:
        _abort_in_store(upload)
        raise
    return upload


def _locked(upload: UserUpload, *, s3_upload_id: str | None) -> UserUpload:
    """Lock the upload's row (call inside a transaction) and check the upload id."""
    locked = UserUpload.objects.select_for_update().get(pk=upload.pk)
    if s3_upload_id is not None and s3_upload_id != locked.s3_upload_id:
        raise ValidationError(
            {"s3_upload_id": f"{s3_upload_id!r} is not the multipart upload id of this upload."}
        )
    return locked


def _require_unfinished(upload: UserUpload, action: str) -> None:
    if upload.status != UserUpload.Status.INITIALIZED:
        raise ValidationError(
            {"status": f"This upload is {upload.status.lower()}: it cannot {action}."}
        )


def _clean_part_numbers(part_numbers: object) -> list[int]:
    if not isinstance(part_numbers, list) or not part_numbers:
        raise ValidationError({"part_numbers": "Give a non-empty list of part numbers."})
    if len(part_numbers) > MAX_PARTS_PER_REQUEST:
        raise ValidationError(
            {"part_numbers": f"At most {MAX_PARTS_PER_REQUEST} part numbers per request."}
        )
    for n in part_numbers:
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_PART_NUMBER:
            raise ValidationError(
                {"part_numbers": f"{n!r} is not a part number from 1 to {MAX_PART_NUMBER}."}
            )
    if len(set(part_numbers)) != len(part_numbers):
        raise ValidationError({"part_numbers": "A part number is listed more than once."})
    return part_numbers


def _check_quota(*, upload: UserUpload, needed: int, what: str) -> None:
    quota = settings.UPLOADS_DAILY_QUOTA_BYTES
    used = quota_usage(user=upload.creator, exclude=upload)
    if used + needed > quota:
        raise ValidationError(
            {
                "quota": (
                    f"Daily upload quota exceeded: the quota is {_quota_bytes(quota)} per 24 "
                    f"hours, {_quota_bytes(used)} are used or reserved by your other uploads, "
                    f"and {what} needs {_quota_bytes(needed)}."
                )
            }
        )


def _clean_content_lengths(content_lengths: object, numbers: list[int]) -> dict[int, int]:
    """Optional byte counts of the parts to presign, each within the part limit."""
    if content_lengths is None:
        return {}
    if not isinstance(content_lengths, Mapping):
        raise ValidationError({"content_lengths": "Give a mapping of part number to bytes."})
    limit = settings.UPLOADS_MAX_PART_BYTES
    lengths: dict[int, int] = {}
    for key, length in content_lengths.items():
        number = int(key) if isinstance(key, int | str) and str(key).isdigit() else None
        if number is None or number not in numbers:
            raise ValidationError(
                {"content_lengths": f"{key!r} is not one of the part numbers asked for."}
            )
        if isinstance(length, bool) or not isinstance(length, int) or length < 1:
            raise ValidationError(
                {"content_lengths": f"Part {number}: {length!r} is not a positive byte count."}
            )
        if length > limit:
            raise ValidationError(
                {
                    "content_lengths": f"Part {number} would hold {_quota_bytes(length)}; parts "
                    f"may hold at most {_quota_bytes(limit)} (UPLOADS_MAX_PART_BYTES)."
                }
            )
        lengths[number] = length
    return lengths


def presigned_part_urls(
    *,
    upload: UserUpload,
    s3_upload_id: str,
    part_numbers: object,
    content_lengths: object = None,
) -> tuple[UserUpload, dict[str, str]]:
    """PUT URLs straight to the store for the given parts, each valid for a few minutes.

    A part's size is enforced twice. When the client gives `content_lengths`, the length
    is signed into the URL and the store itself refuses a body of any other size as it
    arrives. Clients that do not (gcapi) have every stored part checked each time they
    ask for more URLs, list parts or complete: an oversized part aborts the upload in the
    store, so its bytes are dropped at once, and the upload counts what was really sent.
    """
    numbers = _clean_part_numbers(part_numbers)
    lengths = _clean_content_lengths(content_lengths, numbers)
    if upload.max_presigned_part and upload.status == UserUpload.Status.INITIALIZED:
        _abort_if_oversized(upload, _stored_parts(upload))  # parts sent since the last URLs
    with transaction.atomic():
        upload = _locked(upload, s3_upload_id=s3_upload_id)
        _require_unfinished(upload, "take more parts")
        highest = max(upload.max_presigned_part, *numbers)
        _check_quota(
            upload=upload,
            needed=highest * settings.UPLOADS_MAX_PART_BYTES,
            what=f"this upload (up to {highest} parts of at most "
            f"{_quota_bytes(settings.UPLOADS_MAX_PART_BYTES)})",
        )
        if highest != upload.max_presigned_part:
            upload.max_presigned_part = highest
            upload.save(update_fields=["max_presigned_part"])
    client = s3_client("uploads")
    urls = {
        str(n): str(
            client.generate_presigned_url(
                "upload_part",
                Params={
                    "Bucket": bucket_name("uploads"),
                    "Key": upload.key,
                    "UploadId": upload.s3_upload_id,
                    "PartNumber": n,
                    **({"ContentLength": lengths[n]} if n in lengths else {}),
                },
                ExpiresIn=settings.SIGNED_URL_LIFETIME,
                HttpMethod="PUT",
            )
        )
        for n in numbers
    }
    return upload, urls


def _stored_parts(upload: UserUpload) -> list[dict[str, Any]]:
    try:
        return uploaded_parts(upload=upload)
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") in {"NoSuchUpload", "404"}:
            raise ValidationError(
                {"s3_upload_id": "The object store no longer holds this multipart upload."}
            ) from e
        raise


def list_upload_parts(*, upload: UserUpload, s3_upload_id: str) -> list[dict[str, Any]]:
    """The parts stored so far, so a client can resume after a network drop."""
    if s3_upload_id != upload.s3_upload_id:
        raise ValidationError(
            {"s3_upload_id": f"{s3_upload_id!r} is not the multipart upload id of this upload."}
        )
    _require_unfinished(upload, "list its parts")
    parts = _stored_parts(upload)
    _abort_if_oversized(upload, parts)
    return parts


def _oversized_abort(locked: UserUpload, parts: list[dict[str, Any]]) -> ValidationError | None:
    """With the row locked: when a stored part is over the part limit, abort the upload
    in the store (its bytes are dropped at once), keep the bytes really sent (they count
    to the daily quota) and return the refusal naming the part and the limit, for the
    caller to raise once this is committed."""
    limit = settings.UPLOADS_MAX_PART_BYTES
    oversized = next((p for p in parts if p["Size"] > limit), None)
    if oversized is None:
        return None
    _abort_in_store(locked)
    locked.status = UserUpload.Status.ABORTED
    locked.size = sum(p["Size"] for p in parts)
    locked.save(update_fields=["status", "size"])
    return ValidationError(
        {
            "parts": f"Part {oversized['PartNumber']} holds {_quota_bytes(oversized['Size'])}; "
            f"parts may hold at most {_quota_bytes(limit)}. The upload was aborted and its "
            "parts deleted: start a new upload with smaller parts."
        }
    )


def _abort_if_oversized(upload: UserUpload, parts: list[dict[str, Any]]) -> None:
    """`_oversized_abort` in its own transaction, raising its refusal; outside any other."""
    if all(p["Size"] <= settings.UPLOADS_MAX_PART_BYTES for p in parts):
        return
    with transaction.atomic():
        locked = _locked(upload, s3_upload_id=None)
        refusal = (
            _oversized_abort(locked, parts)
            if locked.status == UserUpload.Status.INITIALIZED
            else None
        )
    if refusal is not None:
        raise refusal


def _etag(value: str) -> str:
    return value.strip().strip('"')


def _clean_parts(parts: object) -> list[tuple[int, str]]:
    if not isinstance(parts, list) or not parts:
        raise ValidationError({"parts": "Give the uploaded parts as a non-empty list."})
    if len(parts) > MAX_PART_NUMBER:
        raise ValidationError({"parts": f"At most {MAX_PART_NUMBER} parts."})
    cleaned: list[tuple[int, str]] = []
    for part in parts:
        number = part.get("PartNumber") if isinstance(part, Mapping) else None
        etag = part.get("ETag") if isinstance(part, Mapping) else None
        if isinstance(number, bool) or not isinstance(number, int):
            raise ValidationError({"parts": f"{part!r} needs an integer PartNumber and an ETag."})
        if not isinstance(etag, str) or not _etag(etag):
            raise ValidationError({"parts": f"Part {number} has no ETag."})
        cleaned.append((number, _etag(etag)))
    cleaned.sort()
    for expected, (number, _) in enumerate(cleaned, start=1):
        if number != expected:
            raise ValidationError(
                {
                    "parts": f"Parts must be numbered 1 to {len(cleaned)} without gaps or "
                    f"repeats: part {expected} is missing or repeated."
                }
            )
    return cleaned


def upload_complete(*, upload: UserUpload, s3_upload_id: str, parts: object) -> UserUpload:
    """Join the uploaded parts into the object, once, after checking each part's ETag."""
    wanted = _clean_parts(parts)
    with transaction.atomic():
        upload = _locked(upload, s3_upload_id=s3_upload_id)
        _require_unfinished(upload, "be completed again")
        stored = {p["PartNumber"]: p for p in _stored_parts(upload)}
        refusal = _oversized_abort(upload, list(stored.values()))
        if refusal is None:
            _join_parts(upload, wanted=wanted, stored=stored)
    if refusal is not None:
        raise refusal  # after the abort is committed
    return upload


def _join_parts(
    upload: UserUpload, *, wanted: list[tuple[int, str]], stored: dict[int, dict[str, Any]]
) -> None:
    for number, etag in wanted:
        if number not in stored:
            raise ValidationError({"parts": f"Part {number} was never uploaded."})
        if _etag(stored[number]["ETag"]) != etag:
            raise ValidationError(
                {"parts": f"The ETag of part {number} does not match the uploaded part."}
            )
    size = 0
    for number, _ in wanted:
        part = stored[number]
        if number < len(wanted) and part["Size"] < MIN_PART_BYTES:
            raise ValidationError(
                {
                    "parts": f"Part {number} holds {part['Size']} bytes; every part but "
                    f"the last needs at least {MIN_PART_BYTES} bytes (5 MiB)."
                }
            )
        size += part["Size"]
    _check_quota(upload=upload, needed=size, what="this upload")
    try:
        s3_client("uploads").complete_multipart_upload(
            Bucket=bucket_name("uploads"),
            Key=upload.key,
            UploadId=upload.s3_upload_id,
            MultipartUpload={"Parts": [{"PartNumber": n, "ETag": f'"{e}"'} for n, e in wanted]},
        )
    except ClientError as e:
        raise ValidationError({"parts": f"The object store refused to join the parts: {e}"}) from e
    upload.status = UserUpload.Status.COMPLETED
    upload.size = size
    upload.save(update_fields=["status", "size"])


def _abort_in_store(upload: UserUpload) -> None:
    try:
        s3_client("uploads").abort_multipart_upload(
            Bucket=bucket_name("uploads"), Key=upload.key, UploadId=upload.s3_upload_id
        )
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") not in {"NoSuchUpload", "404"}:
            raise


def upload_abort(*, upload: UserUpload, s3_upload_id: str) -> UserUpload:
    """Drop an unfinished upload's parts; the bytes already sent still count to the quota."""
    with transaction.atomic():
        upload = _locked(upload, s3_upload_id=s3_upload_id)
        _require_unfinished(upload, "be aborted")
        try:
            sent = sum(p["Size"] for p in uploaded_parts(upload=upload))
        except ClientError:
            sent = 0
        _abort_in_store(upload)
        upload.status = UserUpload.Status.ABORTED
        upload.size = sent
        upload.save(update_fields=["status", "size"])
    return upload


def _require_completed(upload: UserUpload) -> None:
    if upload.status != UserUpload.Status.COMPLETED:
        raise ValueError(f"Upload {upload.pk} is {upload.status}, not Completed")


def open_upload(*, upload: UserUpload) -> IO[bytes]:
    """A streaming, read-only file object over a completed upload's bytes; close it."""
    _require_completed(upload)
    body = s3_client("uploads").get_object(Bucket=bucket_name("uploads"), Key=upload.key)
    return body["Body"]  # type: ignore[no-any-return]


def download_upload_to(*, upload: UserUpload, path: Path | str) -> Path:
    """Stream a completed upload into a local file (parallel ranged GETs), return its path."""
    _require_completed(upload)
    target = Path(path)
    s3_client("uploads").download_file(bucket_name("uploads"), upload.key, str(target))
    return target


def delete_upload(*, upload: UserUpload) -> None:
    """Remove the upload's object (or unfinished parts); harmless when already gone.

    The row stays, marked Deleted, so its bytes keep counting to the daily quota and
    rows that point at it stay valid.
    """
    with transaction.atomic():
        locked = UserUpload.objects.select_for_update().get(pk=upload.pk)
        _remove_from_store(locked)
        if locked.status != UserUpload.Status.DELETED:
            locked.status = UserUpload.Status.DELETED
            locked.save(update_fields=["status"])
    upload.status = locked.status


def _remove_from_store(upload: UserUpload) -> None:
    if upload.status == UserUpload.Status.INITIALIZED:
        _abort_in_store(upload)
    elif upload.status == UserUpload.Status.COMPLETED:
        s3_client("uploads").delete_object(Bucket=bucket_name("uploads"), Key=upload.key)


def _is_referenced(upload: UserUpload) -> bool:
    """Whether any other row points at the upload (deleting it would cascade to them)."""
    for relation in UserUpload._meta.related_objects:
        if not isinstance(relation.field, models.Field) or relation.related_model is None:
            continue
        model: Any = relation.related_model
        if model._default_manager.filter(**{relation.field.name: upload}).exists():
            return True
    return False


def expire_uploads(*, now: datetime | None = None) -> int:
    """Remove uploads older than UPLOADS_EXPIRE_HOURS that nobody consumed; count them.

    Unfinished ones are aborted in the store, completed ones lose their object; the row
    goes too unless another row points at it (then it stays, marked Deleted).
    """
    cutoff = (now or timezone.now()) - timedelta(hours=settings.UPLOADS_EXPIRE_HOURS)
    stale = UserUpload.objects.filter(created__lt=cutoff).exclude(status=UserUpload.Status.DELETED)
    removed = 0
    for pk in stale.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            upload = (
                UserUpload.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, created__lt=cutoff)
                .exclude(status=UserUpload.Status.DELETED)
                .first()
            )
            if upload is None:
                continue  # someone else holds or settled it
            _remove_from_store(upload)
            if _is_referenced(upload):
                upload.status = UserUpload.Status.DELETED
                upload.save(update_fields=["status"])
            else:
                upload.delete()
            removed += 1
    _abort_orphaned_multipart_uploads(cutoff=cutoff)
    return removed


def _abort_orphaned_multipart_uploads(*, cutoff: datetime) -> None:
    """Abort old multipart uploads the store holds but no unfinished row knows about."""
    client = s3_client("uploads")
    bucket = bucket_name("uploads")
    try:
        listing = client.list_multipart_uploads(Bucket=bucket, Prefix="uploads/")
    except ClientError:
        logger.warning("The object store cannot list multipart uploads; orphans stay")
        return
    candidates: Iterable[dict[str, Any]] = [
        u for u in listing.get("Uploads", []) if u["Initiated"] < cutoff
    ]
    for item in candidates:
        known = UserUpload.objects.filter(
            s3_upload_id=item["UploadId"], status=UserUpload.Status.INITIALIZED
        ).exists()
        if not known:
            try:
                client.abort_multipart_upload(
                    Bucket=bucket, Key=item["Key"], UploadId=item["UploadId"]
                )
            except ClientError:
                logger.warning("Could not abort orphaned multipart upload %s", item["UploadId"])
