"""The helpers that say "the object is gone" answer False only when the store says so."""

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError
from django.conf import settings

from app.storage import bucket_name, s3_client
from tests.uploads.conftest import object_exists


def _client(*, endpoint: str, secret: str):  # type: ignore[no-untyped-def]
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=settings.AWS_ACCESS_KEY_ID,
        aws_secret_access_key=secret,
        region_name=settings.AWS_S3_REGION_NAME,
        config=Config(connect_timeout=1, retries={"max_attempts": 1}),
    )


def test_present_and_missing_objects_are_told_apart():
    s3_client("uploads").put_object(Bucket=bucket_name("uploads"), Key="probe/here", Body=b"x")
    try:
        assert object_exists("probe/here") is True
        assert object_exists("probe/never-written") is False
    finally:
        s3_client("uploads").delete_object(Bucket=bucket_name("uploads"), Key="probe/here")


def test_a_store_that_does_not_answer_is_an_error_not_a_missing_object():
    dead = _client(endpoint="http://127.0.0.1:9", secret=settings.AWS_SECRET_ACCESS_KEY)
    with pytest.raises(EndpointConnectionError):
        object_exists("probe/never-written", client=dead)


def test_a_refused_request_is_an_error_not_a_missing_object():
    wrong = _client(endpoint=settings.AWS_S3_ENDPOINT_URL, secret="not-the-secret")
    with pytest.raises(ClientError) as refused:
        object_exists("probe/never-written", client=wrong)
    assert refused.value.response["Error"]["Code"] == "403"
