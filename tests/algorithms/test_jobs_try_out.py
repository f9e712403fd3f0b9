"""The "try it out" page: run an algorithm on new files uploaded in the browser."""

import tempfile
from pathlib import Path

import pytest
from django.urls import reverse

from algorithms.models import Job
from tests.algorithms.test_jobs_support import (
    copy_algorithm_for,
    make_image,
    wait_until_final,
    write_mha,
)
from tests.cases.helpers import completed_upload

pytestmark = pytest.mark.django_db(transaction=True)


def _upload_url(upload) -> str:  # type: ignore[no-untyped-def]
    return reverse("api:upload-detail", kwargs={"pk": upload.pk})


def test_uploaded_files_are_imported_and_the_job_runs(client, user, celery_worker):  # type: ignore[no-untyped-def]
    algorithm = copy_algorithm_for(user)
    with tempfile.TemporaryDirectory() as folder:
        upload = completed_upload(user, "scan.mha", write_mha(Path(folder) / "scan.mha"))
    client.force_login(user)

    response = client.post(
        reverse("algorithms:job-try-out", kwargs={"slug": algorithm.slug}),
        {
            "interface": algorithm.interfaces.get().pk,
            "upload-ct-image": _upload_url(upload),
            "socket-probability": "0.25",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    job = wait_until_final(Job.objects.get(creator=user))
    assert job.status == Job.Status.SUCCEEDED, job.error_message
    image_input = job.inputs.get(interface__slug="ct-image")
    assert image_input.image is not None
    assert list(image_input.image.shape) == [4, 6, 8]


def test_an_image_socket_needs_exactly_one_source(client, user, other_user):  # type: ignore[no-untyped-def]
    algorithm = copy_algorithm_for(user)
    foreign = completed_upload(other_user, "theirs.mha", b"not mine")
    client.force_login(user)
    url = reverse("algorithms:job-try-out", kwargs={"slug": algorithm.slug})
    base = {"interface": algorithm.interfaces.get().pk, "socket-probability": "0.5"}

    neither = client.post(url, base)
    assert "Pick an image or upload files for CT Image." in neither.content.decode()

    both = client.post(
        url,
        {**base, "socket-ct-image": make_image(user).pk, "upload-ct-image": _upload_url(foreign)},
    )
    # someone else's upload is refused as unknown, naming it
    assert str(foreign.pk) in both.content.decode()
    assert not Job.objects.exists()
