import hashlib
import os
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError
from django.urls import reverse
from rest_framework.test import APIClient

from app.storage import bucket_name, s3_client

MiB = 1024 * 1024


def stored_bytes(key: str) -> bytes:
    return s3_client("uploads").get_object(Bucket=bucket_name("uploads"), Key=key)["Body"].read()


# The store's answers for "no such thing"; anything else (store down, access denied) is an
# error, so that an "it is gone" assertion cannot pass because the store did not answer.
MISSING_CODES = {"404", "NoSuchKey", "NotFound", "NoSuchUpload"}


def _is_missing(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code")) in MISSING_CODES


def object_exists(key: str, client=None) -> bool:  # type: ignore[no-untyped-def]
    client = client or s3_client("uploads")
    try:
        client.head_object(Bucket=bucket_name("uploads"), Key=key)
    except ClientError as e:
        if _is_missing(e):
            return False
        raise
    return True


def multipart_exists(key: str, upload_id: str) -> bool:
    try:
        s3_client("uploads").list_parts(Bucket=bucket_name("uploads"), Key=key, UploadId=upload_id)
    except ClientError as e:
        if _is_missing(e):
            return False
        raise
    return True


def action_url(upload: dict, name: str) -> str:
    return reverse(
        f"api:upload-{name}", kwargs={"pk": upload["pk"], "s3_upload_id": upload["s3_upload_id"]}
    )


def put_part(url: str, data: bytes) -> str:
    response = httpx.put(url, content=data, timeout=60)
    response.raise_for_status()
    return response.headers["ETag"]


@pytest.fixture
def owner_client(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def random_bytes() -> Callable[[int], bytes]:
    return os.urandom


@pytest.fixture
def start_upload(owner_client) -> Callable[..., dict[str, Any]]:  # type: ignore[no-untyped-def]
    def start(filename: str = "scan.mha") -> dict[str, Any]:
        response = owner_client.post("/api/v1/uploads/", {"filename": filename}, format="json")
        assert response.status_code == 201, response.content
        return dict(response.json())

    return start


@pytest.fixture
def send_parts(owner_client) -> Callable[..., list[dict]]:  # type: ignore[no-untyped-def]
    """Presign and PUT each chunk as one part; return gcapi's parts list."""

    def send(upload: dict, chunks: list[bytes]) -> list[dict]:
        numbers = list(range(1, len(chunks) + 1))
        response = owner_client.patch(
            action_url(upload, "generate-presigned-urls"), {"part_numbers": numbers}, format="json"
        )
        assert response.status_code == 200, response.content
        urls = response.json()["presigned_urls"]
        return [
            {"PartNumber": n, "ETag": put_part(urls[str(n)], chunk)}
            for n, chunk in zip(numbers, chunks, strict=True)
        ]

    return send


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
