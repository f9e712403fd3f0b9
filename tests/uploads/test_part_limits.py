"""Parts larger than UPLOADS_MAX_PART_BYTES are refused when they arrive, and the quota
counts the bytes the store really holds, against the real object store (SeaweedFS)."""

import httpx
import pytest
from botocore.exceptions import ClientError

from app.storage import bucket_name, s3_client
from tests.uploads.conftest import action_url, put_part
from uploads.models import UserUpload
from uploads.selectors import quota_usage

pytestmark = pytest.mark.django_db

REFUSAL = (
    "Part 1 holds 4,096 bytes (4.0\xa0KB); parts may hold at most 1,024 bytes (1.0\xa0KB). "
    "The upload was aborted and its parts deleted: start a new upload with smaller parts."
)


def _presign(client, upload, numbers, lengths=None):  # type: ignore[no-untyped-def]
    body: dict = {"part_numbers": numbers}
    if lengths is not None:
        body["content_lengths"] = lengths
    return client.patch(action_url(upload, "generate-presigned-urls"), body, format="json")


def _store_holds(upload: dict) -> bool:
    try:
        s3_client("uploads").list_parts(
            Bucket=bucket_name("uploads"), Key=upload["key"], UploadId=upload["s3_upload_id"]
        )
    except ClientError as e:
        assert e.response["Error"]["Code"] == "NoSuchUpload", e
        return False
    return True


def test_a_signed_length_makes_the_store_refuse_a_bigger_body_on_arrival(
    owner_client, start_upload, settings
):
    settings.UPLOADS_MAX_PART_BYTES = 1024
    upload = start_upload()
    response = _presign(owner_client, upload, [1], {"1": 1000})
    assert response.status_code == 200, response.content
    url = response.json()["presigned_urls"]["1"]

    refused = httpx.put(url, content=b"x" * 4096)  # the PUT itself fails
    assert refused.status_code == 403
    assert "SignatureDoesNotMatch" in refused.text
    listed = owner_client.get(action_url(upload, "list-parts"))
    assert listed.json()["parts"] == []  # nothing of it was stored

    etag = put_part(url, b"y" * 1000)
    done = owner_client.patch(
        action_url(upload, "complete-multipart-upload"),
        {"parts": [{"PartNumber": 1, "ETag": etag}]},
        format="json",
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "Completed"


def test_a_declared_length_over_the_limit_is_refused_naming_part_and_limit(
    owner_client, start_upload, settings
):
    settings.UPLOADS_MAX_PART_BYTES = 1024
    upload = start_upload()
    response = _presign(owner_client, upload, [1, 2], {"1": 1024, "2": 1025})
    assert response.status_code == 400
    assert response.json() == {
        "content_lengths": [
            "Part 2 would hold 1,025 bytes (1.0\xa0KB); parts may hold at most 1,024 bytes "
            "(1.0\xa0KB) (UPLOADS_MAX_PART_BYTES)."
        ]
    }


@pytest.mark.parametrize("step", ["generate-presigned-urls", "list-parts", "complete"])
def test_an_oversized_part_aborts_the_upload_at_the_next_step(
    owner_client, start_upload, send_parts, settings, user, step
):
    """gcapi sends no lengths: the part is checked at its next request for URLs (every
    five parts), a list of parts, or completion; the bytes are dropped from the store
    at once and the real size counts to the quota."""
    upload = start_upload()
    parts = send_parts(upload, [b"z" * 4096])  # URLs were issued under the 128 MiB default
    settings.UPLOADS_MAX_PART_BYTES = 1024
    if step == "generate-presigned-urls":
        response = _presign(owner_client, upload, [2])
    elif step == "list-parts":
        response = owner_client.get(action_url(upload, "list-parts"))
    else:
        response = owner_client.patch(
            action_url(upload, "complete-multipart-upload"), {"parts": parts}, format="json"
        )

    assert response.status_code == 400
    assert response.json() == {"parts": [REFUSAL]}
    row = UserUpload.objects.get(pk=upload["pk"])
    assert (row.status, row.size) == ("Aborted", 4096)
    assert not _store_holds(upload)
    assert quota_usage(user=user) == 4096  # the bytes really sent, not parts x limit
    again = owner_client.get(action_url(upload, "list-parts"))
    assert again.status_code == 400
    assert again.json() == {"status": ["This upload is aborted: it cannot list its parts."]}


def test_parts_within_the_limit_are_not_disturbed(owner_client, start_upload, send_parts):
    upload = start_upload()
    send_parts(upload, [b"a" * 4096])
    assert _presign(owner_client, upload, [2]).status_code == 200
    assert owner_client.get(action_url(upload, "list-parts")).json()["parts"][0]["Size"] == 4096
    assert _store_holds(upload)
