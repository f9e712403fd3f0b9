"""Access to the object-store buckets and short-lived signed URLs."""

import threading
import weakref
from typing import Any, Literal

from django.conf import settings
from django.core.files.storage import Storage, storages

BucketName = Literal["private", "protected", "public", "uploads"]


def bucket_storage(name: BucketName) -> Storage:
    return storages[name]


_clients: "weakref.WeakKeyDictionary[Storage, Any]" = weakref.WeakKeyDictionary()
_clients_lock = threading.Lock()


def s3_client(name: BucketName = "protected"):  # type: ignore[no-untyped-def]
    """The boto3 client behind a bucket's storage (for multipart calls and the like).

    One per storage for the whole process: boto3 clients are thread-safe, and
    django-storages builds a session per thread, which costs a web thread's first
    request 50-100 ms of botocore JSON loading (seen in py-spy profiles of gunicorn).
    """
    storage = storages[name]
    client = _clients.get(storage)
    if client is None:
        with _clients_lock:
            client = _clients.get(storage)
            if client is None:
                client = _clients[storage] = storage.connection.meta.client  # type: ignore[attr-defined]
    return client


def bucket_name(name: BucketName) -> str:
    return str(settings.BUCKETS[name])


def signed_url(*, bucket: BucketName, key: str, filename: str | None = None) -> str:
    """A GET URL for one object that expires after SIGNED_URL_LIFETIME seconds."""
    params = {"Bucket": bucket_name(bucket), "Key": key}
    if filename:
        params["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
    return str(
        s3_client(bucket).generate_presigned_url(
            "get_object", Params=params, ExpiresIn=settings.SIGNED_URL_LIFETIME
        )
    )
