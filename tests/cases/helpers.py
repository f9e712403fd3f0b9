"""Test helpers for imports: real uploads in the real object store, and what the store holds."""

import time
from pathlib import Path

from django.contrib.auth.models import User

from app.storage import bucket_name, s3_client
from cases.models import RawImageUploadSession
from uploads.models import UserUpload


def completed_upload(user: User, filename: str, data: bytes | Path) -> UserUpload:
    """An upload as the multipart API leaves it: object in the uploads bucket, Completed."""
    body = data.read_bytes() if isinstance(data, Path) else data
    upload = UserUpload.objects.create(
        creator=user, filename=filename, status=UserUpload.Status.COMPLETED, size=len(body)
    )
    s3_client("uploads").put_object(Bucket=bucket_name("uploads"), Key=upload.key, Body=body)
    return upload


def keys_in(bucket: str, prefix: str = "") -> list[str]:
    client = s3_client(bucket)  # type: ignore[arg-type]
    keys: list[str] = []
    for page in client.get_paginator("list_objects_v2").paginate(
        Bucket=bucket_name(bucket),  # type: ignore[arg-type]
        Prefix=prefix,
    ):
        keys += [o["Key"] for o in page.get("Contents", [])]
    return keys


def wait_for_sessions(*sessions_pks: object, timeout: float = 120) -> list[RawImageUploadSession]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sessions = list(RawImageUploadSession.objects.filter(pk__in=sessions_pks))
        if len(sessions) == len(sessions_pks) and all(s.is_finished for s in sessions):
            return sessions
        time.sleep(0.3)
    raise AssertionError(f"upload sessions not finished in {timeout}s")
