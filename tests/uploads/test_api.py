"""The uploads API as gcapi and browsers drive it, against the real object store."""

import io
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from tests.uploads.conftest import MiB, action_url, object_exists, put_part, stored_bytes
from uploads.models import UserUpload

pytestmark = pytest.mark.django_db

GCAPI_FIELDS = {"pk", "created", "filename", "key", "s3_upload_id", "status", "api_url"}


def test_create_answers_in_gcapis_shape_and_keeps_the_name_out_of_the_key(
    owner_client, start_upload, user
):
    upload = start_upload("patient-name-scan.mha")
    assert set(upload) >= GCAPI_FIELDS
    assert upload["status"] == "Initialized"
    assert upload["filename"] == "patient-name-scan.mha"
    assert upload["s3_upload_id"]
    assert "patient" not in upload["key"]
    assert upload["api_url"] == f"http://testserver/api/v1/uploads/{upload['pk']}/"
    listed = owner_client.get("/api/v1/uploads/").json()
    assert [u["pk"] for u in listed["results"]] == [upload["pk"]]
    assert owner_client.get(upload["api_url"]).json()["pk"] == upload["pk"]


def test_multipart_upload_by_raw_api_stores_exactly_the_bytes_sent(
    owner_client, start_upload, send_parts, random_bytes
):
    upload = start_upload()
    data = random_bytes(5 * MiB + 5 * MiB + 1234)
    chunks = [data[: 5 * MiB], data[5 * MiB : 10 * MiB], data[10 * MiB :]]
    parts = send_parts(upload, chunks)

    listed = owner_client.get(action_url(upload, "list-parts")).json()["parts"]
    assert [(p["PartNumber"], p["Size"]) for p in listed] == [
        (1, 5 * MiB),
        (2, 5 * MiB),
        (3, 1234),
    ]
    assert {"ETag", "PartNumber", "LastModified", "Size"} <= set(listed[0])

    response = owner_client.patch(
        action_url(upload, "complete-multipart-upload"), {"parts": parts}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "Completed"
    assert response.json()["size"] == len(data)
    assert stored_bytes(upload["key"]) == data


def test_presigned_urls_expire_within_the_signed_url_lifetime(owner_client, start_upload, settings):
    upload = start_upload()
    response = owner_client.patch(
        action_url(upload, "generate-presigned-urls"), {"part_numbers": [1, 2]}, format="json"
    )
    urls = response.json()["presigned_urls"]
    assert set(urls) == {"1", "2"}
    for url in urls.values():
        query = parse_qs(urlsplit(url).query)
        assert int(query["X-Amz-Expires"][0]) <= settings.SIGNED_URL_LIFETIME <= 300
        assert url.startswith(settings.AWS_S3_ENDPOINT_URL)


def test_gcapi_uploads_a_file_end_to_end(gcapi_client, user):
    data = bytes(range(256)) * (3 * 4096 + 17)  # about 3 MB
    done = gcapi_client.uploads.upload_fileobj(fileobj=io.BytesIO(data), filename="volume.nii.gz")
    assert done.status == "Completed"
    assert done.filename == "volume.nii.gz"
    upload = UserUpload.objects.get(pk=done.pk, creator=user)
    assert upload.size == len(data)
    assert stored_bytes(upload.key) == data
    assert gcapi_client.uploads.detail(pk=done.pk).api_url == done.api_url


def test_someone_elses_upload_is_not_found(start_upload, other_user):
    upload = start_upload()
    stranger = APIClient()
    stranger.force_authenticate(other_user)
    assert stranger.get(upload["api_url"]).status_code == 404
    assert stranger.get("/api/v1/uploads/").json()["results"] == []
    for name, body in [
        ("generate-presigned-urls", {"part_numbers": [1]}),
        ("complete-multipart-upload", {"parts": [{"PartNumber": 1, "ETag": "x"}]}),
        ("abort-multipart-upload", {}),
    ]:
        assert stranger.patch(action_url(upload, name), body, format="json").status_code == 404
    assert stranger.get(action_url(upload, "list-parts")).status_code == 404
    assert UserUpload.objects.get(pk=upload["pk"]).status == "Initialized"


def test_anonymous_users_get_nothing(start_upload):
    start_upload()
    assert APIClient().get("/api/v1/uploads/").status_code in {401, 403}
    assert APIClient().post("/api/v1/uploads/", {"filename": "x"}).status_code in {401, 403}


def test_wrong_s3_upload_id_is_refused_naming_the_field(owner_client, start_upload):
    upload = start_upload()
    wrong = {**upload, "s3_upload_id": "not-the-id"}
    response = owner_client.patch(
        action_url(wrong, "generate-presigned-urls"), {"part_numbers": [1]}, format="json"
    )
    assert response.status_code == 400
    assert "s3_upload_id" in response.json()
    response = owner_client.get(action_url(wrong, "list-parts"))
    assert response.status_code == 400
    assert "s3_upload_id" in response.json()


@pytest.mark.parametrize(
    "numbers",
    [[], [0], [10_001], [1, 1], ["one"], list(range(1, 102))],
    ids=["empty", "zero", "too-high", "repeated", "not-a-number", "too-many"],
)
def test_bad_part_numbers_are_refused(owner_client, start_upload, numbers):
    upload = start_upload()
    response = owner_client.patch(
        action_url(upload, "generate-presigned-urls"), {"part_numbers": numbers}, format="json"
    )
    assert response.status_code == 400
    assert "part_numbers" in response.json()


def test_complete_with_a_missing_part_or_bad_etag_completes_nothing(
    owner_client, start_upload, send_parts, random_bytes
):
    upload = start_upload()
    data = random_bytes(5 * MiB + 10)
    parts = send_parts(upload, [data[: 5 * MiB], data[5 * MiB :]])
    complete = action_url(upload, "complete-multipart-upload")

    response = owner_client.patch(complete, {"parts": parts[1:]}, format="json")
    assert response.status_code == 400
    assert "part 1 is missing" in response.json()["parts"][0]

    response = owner_client.patch(
        complete, {"parts": [*parts, {"PartNumber": 3, "ETag": parts[0]["ETag"]}]}, format="json"
    )
    assert response.status_code == 400
    assert "Part 3 was never uploaded" in response.json()["parts"][0]

    bad = [parts[0], {"PartNumber": 2, "ETag": '"0123456789abcdef"'}]
    response = owner_client.patch(complete, {"parts": bad}, format="json")
    assert response.status_code == 400
    assert "ETag of part 2" in response.json()["parts"][0]

    assert UserUpload.objects.get(pk=upload["pk"]).status == "Initialized"
    assert not object_exists(upload["key"])

    # The client can still finish the same upload correctly.
    response = owner_client.patch(complete, {"parts": parts}, format="json")
    assert response.status_code == 200
    assert stored_bytes(upload["key"]) == data


def test_small_middle_parts_are_refused_with_the_reason(owner_client, start_upload, send_parts):
    upload = start_upload()
    parts = send_parts(upload, [b"a" * 1000, b"b" * 1000])
    response = owner_client.patch(
        action_url(upload, "complete-multipart-upload"), {"parts": parts}, format="json"
    )
    assert response.status_code == 400
    assert "at least 5242880 bytes" in response.json()["parts"][0]


def test_completed_upload_takes_no_more_parts_and_completes_once(
    owner_client, start_upload, send_parts
):
    upload = start_upload()
    parts = send_parts(upload, [b"hello"])
    complete = action_url(upload, "complete-multipart-upload")
    assert owner_client.patch(complete, {"parts": parts}, format="json").status_code == 200

    again = owner_client.patch(complete, {"parts": parts}, format="json")
    assert again.status_code == 400
    assert "completed" in again.json()["status"][0]
    presign = owner_client.patch(
        action_url(upload, "generate-presigned-urls"), {"part_numbers": [2]}, format="json"
    )
    assert presign.status_code == 400
    assert "status" in presign.json()
    abort = owner_client.patch(action_url(upload, "abort-multipart-upload"))
    assert abort.status_code == 400
    assert stored_bytes(upload["key"]) == b"hello"


def test_abort_drops_the_parts(owner_client, start_upload, send_parts):
    upload = start_upload()
    [part] = send_parts(upload, [b"x" * 2048])
    response = owner_client.patch(action_url(upload, "abort-multipart-upload"))
    assert response.status_code == 200
    assert response.json()["status"] == "Aborted"
    assert response.json()["size"] == 2048  # still counts to the daily quota
    assert owner_client.get(action_url(upload, "list-parts")).status_code == 400
    complete = owner_client.patch(
        action_url(upload, "complete-multipart-upload"), {"parts": [part]}, format="json"
    )
    assert complete.status_code == 400
    assert not object_exists(upload["key"])


@pytest.mark.parametrize(
    ("filename", "reason"),
    [
        ("", "blank"),
        ("   ", "empty"),
        ("../x", "path"),
        ("/etc/passwd", "path"),
        ("a/../../b", "path"),
        ("a\\b", "backslash"),
        ("x" * 256, "255"),
        ("bad\nname", "control"),
    ],
)
def test_bad_filenames_are_refused(owner_client, filename, reason):
    response = owner_client.post("/api/v1/uploads/", {"filename": filename}, format="json")
    assert response.status_code == 400
    assert reason in " ".join(response.json()["filename"])
    assert not UserUpload.objects.exists()


def test_a_socket_relative_path_keeps_only_its_name(start_upload):
    # gcapi sends a JSON socket's relative path as the file name.
    assert start_upload("results/metrics.json")["filename"] == "metrics.json"


def test_unknown_fields_are_refused(owner_client):
    response = owner_client.post(
        "/api/v1/uploads/", {"filename": "a.mha", "key": "elsewhere"}, format="json"
    )
    assert response.status_code == 400
    assert "key" in response.json()


def test_presigning_past_the_daily_quota_is_refused_with_quota_and_usage(
    owner_client, start_upload, send_parts, settings
):
    settings.UPLOADS_MAX_PART_BYTES = 10 * MiB
    settings.UPLOADS_DAILY_QUOTA_BYTES = 25 * MiB
    first = start_upload()
    send_parts(first, [b"1" * 100])  # reserves one part: 10 MiB
    second = start_upload()
    ok = owner_client.patch(
        action_url(second, "generate-presigned-urls"), {"part_numbers": [1]}, format="json"
    )
    assert ok.status_code == 200
    refused = owner_client.patch(
        action_url(second, "generate-presigned-urls"), {"part_numbers": [2]}, format="json"
    )
    assert refused.status_code == 400
    message = refused.json()["quota"][0]
    assert "26,214,400 bytes" in message  # the quota
    assert "10,485,760 bytes" in message  # used or reserved by the other upload
    assert "20,971,520 bytes" in message  # what this upload would need


def test_completing_past_the_daily_quota_is_refused(
    owner_client, start_upload, send_parts, random_bytes
):
    upload = start_upload()
    parts = send_parts(upload, [random_bytes(3000)])
    with override_settings(UPLOADS_DAILY_QUOTA_BYTES=2000):
        response = owner_client.patch(
            action_url(upload, "complete-multipart-upload"), {"parts": parts}, format="json"
        )
    assert response.status_code == 400
    assert "2,000 bytes" in response.json()["quota"][0]
    assert UserUpload.objects.get(pk=upload["pk"]).status == "Initialized"
    assert not object_exists(upload["key"])


def test_parts_bigger_than_the_limit_are_refused_on_completion(
    owner_client, start_upload, send_parts, settings
):
    upload = start_upload()
    parts = send_parts(upload, [b"z" * 4096])
    settings.UPLOADS_MAX_PART_BYTES = 1024
    response = owner_client.patch(
        action_url(upload, "complete-multipart-upload"), {"parts": parts}, format="json"
    )
    assert response.status_code == 400
    assert "at most 1,024 bytes" in response.json()["parts"][0]


def test_presigned_put_goes_straight_to_the_bucket(owner_client, start_upload):
    upload = start_upload()
    url = owner_client.patch(
        action_url(upload, "generate-presigned-urls"), {"part_numbers": [1]}, format="json"
    ).json()["presigned_urls"]["1"]
    etag = put_part(url, b"direct")
    # The URL is for this part of this upload only: another part number is refused.
    tampered = url.replace("partNumber=1", "partNumber=2")
    assert httpx.put(tampered, content=b"x").status_code == 403
    assert etag


def test_an_upload_the_store_lost_is_reported_not_crashed(owner_client, start_upload):
    from app.storage import bucket_name, s3_client

    upload = start_upload()
    s3_client("uploads").abort_multipart_upload(
        Bucket=bucket_name("uploads"), Key=upload["key"], UploadId=upload["s3_upload_id"]
    )
    response = owner_client.get(action_url(upload, "list-parts"))
    assert response.status_code == 400
    assert "no longer holds" in response.json()["s3_upload_id"][0]
