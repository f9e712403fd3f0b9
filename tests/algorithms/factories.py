from django.contrib.auth.models import User

from algorithms.models import Algorithm
from algorithms.services import algorithm_create
from app.storage import bucket_name, s3_client
from uploads.models import UserUpload


def make_algorithm(
    *,
    creator: User,
    title: str = "Lung nodules",
    inputs=("ct-image",),
    outputs=("results-json-file",),
) -> Algorithm:
    return algorithm_create(
        creator=creator,
        title=title,
        interfaces=[{"inputs": list(inputs), "outputs": list(outputs)}],
    )


def completed_upload(*, user: User, filename: str, data: bytes) -> UserUpload:
    """An upload as the multipart API leaves it: object in the uploads bucket, Completed."""
    upload = UserUpload.objects.create(
        creator=user, filename=filename, status=UserUpload.Status.COMPLETED, size=len(data)
    )
    s3_client("uploads").put_object(Bucket=bucket_name("uploads"), Key=upload.key, Body=data)
    return upload
