"""gcapi 0.16.1 drives a job end to end over HTTPS, on a real Celery worker and Docker."""

import json
from pathlib import Path

import pytest
import SimpleITK as sitk
from gcapi import SocketValueSpec

from algorithms.models import Job
from tests.algorithms.test_jobs_support import copy_algorithm_for, wait_until_final, write_mha
from uploads.models import UserUpload


@pytest.fixture
def copy_algorithm(user):  # type: ignore[no-untyped-def]
    return copy_algorithm_for(user)


def test_gcapi_start_algorithm_job_and_download_outputs(  # type: ignore[no-untyped-def]
    gcapi_client, celery_worker, copy_algorithm, tmp_path: Path
):
    ct = write_mha(tmp_path / "ct.mha")
    created = gcapi_client.start_algorithm_job(
        algorithm_slug=copy_algorithm.slug,
        inputs=[
            SocketValueSpec(socket_slug="ct-image", file=ct),
            SocketValueSpec(socket_slug="probability", value=0.75),
        ],
    )
    assert created.status == "Queued"

    job = wait_until_final(Job.objects.get(pk=created.pk))
    assert job.status == Job.Status.SUCCEEDED, job.error_message

    detail = gcapi_client.algorithm_jobs.detail(pk=created.pk)
    assert detail.status == "Succeeded"
    assert {v.interface.slug for v in detail.outputs} == {"segmentation", "results-json-file"}
    out = tmp_path / "out"
    for value in detail.outputs:
        gcapi_client.download_socket_value(value, output_directory=out)

    results = json.loads((out / "results.json").read_text())
    assert results == {"threshold": 0.75, "ok": True}
    (downloaded,) = list((out / "images" / "segmentation").iterdir())
    got = sitk.GetArrayFromImage(sitk.ReadImage(str(downloaded)))
    sent = sitk.GetArrayFromImage(sitk.ReadImage(str(ct)))
    assert (got == sent).all()
    # the uploaded file was consumed by the import, not left in the uploads bucket
    assert not UserUpload.objects.filter(status=UserUpload.Status.COMPLETED).exists()
    listed = list(gcapi_client.algorithm_jobs.iterate_all())
    assert [j.pk for j in listed] == [created.pk]
