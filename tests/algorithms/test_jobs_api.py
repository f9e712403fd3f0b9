"""The jobs API: refusals leave nothing behind, per-user limit, who sees what."""

import pytest
from django.urls import reverse

from algorithms.jobs.inputs import InputSpec
from algorithms.jobs.services import job_create
from algorithms.models import Job
from app.permissions import add_member
from components.models import ComponentInterfaceValue
from tests.algorithms.test_jobs_support import copy_algorithm_for, make_image, socket
from tests.cases.helpers import completed_upload
from uploads.models import UserUpload

pytestmark = pytest.mark.django_db(transaction=True)
JOBS = "/api/v1/algorithms/jobs/"


@pytest.fixture
def copy_algorithm(user):  # type: ignore[no-untyped-def]
    return copy_algorithm_for(user)


def algorithm_url(algorithm) -> str:  # type: ignore[no-untyped-def]
    return f"http://testserver{reverse('api:algorithm-detail', args=[algorithm.pk])}"


def test_refused_job_leaves_no_job_value_or_upload(api_client, user, copy_algorithm):  # type: ignore[no-untyped-def]
    upload = completed_upload(user, "ct.mha", b"not an image")
    api_client.force_authenticate(user)
    response = api_client.post(
        JOBS,
        {
            "algorithm": algorithm_url(copy_algorithm),
            "inputs": [
                {"interface": "ct-image", "user_uploads": [str(upload.pk)]},
                {"interface": "probability", "value": "not a number"},
            ],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "probability" in response.json()
    assert "Float" in str(response.json()["probability"])
    assert Job.objects.count() == 0
    assert ComponentInterfaceValue.objects.count() == 0
    upload.refresh_from_db()
    assert upload.status == UserUpload.Status.DELETED


def test_inputs_must_match_one_interface(api_client, user, copy_algorithm):  # type: ignore[no-untyped-def]
    api_client.force_authenticate(user)
    response = api_client.post(
        JOBS,
        {
            "algorithm": algorithm_url(copy_algorithm),
            "inputs": [{"interface": "probability", "value": 0.5}],
        },
        format="json",
    )
    assert response.status_code == 400
    message = str(response.json()["inputs"])
    assert "ct-image" in message and "No interface" in message
    assert Job.objects.count() == 0 and ComponentInterfaceValue.objects.count() == 0


def test_active_job_limit_is_a_clear_400(api_client, user, copy_algorithm):  # type: ignore[no-untyped-def]
    copy_algorithm.max_active_jobs_per_user = 1
    copy_algorithm.save()
    image = make_image(user)
    body = {
        "algorithm": algorithm_url(copy_algorithm),
        "inputs": [
            {
                "interface": "ct-image",
                "image": f"http://testserver/api/v1/cases/images/{image.pk}/",
            },
            {"interface": "probability", "value": 0.5},
        ],
    }
    api_client.force_authenticate(user)
    first = api_client.post(JOBS, body, format="json")
    assert first.status_code == 201, first.json()
    assert first.json()["status"] == "Queued"
    second = api_client.post(JOBS, body, format="json")
    assert second.status_code == 400
    assert "the limit is 1 per user" in str(second.json())
    assert Job.objects.count() == 1


def test_others_see_nothing_and_logs_are_for_creator_and_editors(  # type: ignore[no-untyped-def]
    api_client, user, other_user, copy_algorithm
):
    job, _ = job_create(
        creator=user,
        algorithm=copy_algorithm,
        specs=[
            InputSpec(socket=socket("ct-image"), image=make_image(user)),
            InputSpec(socket=socket("probability"), value=0.1),
        ],
    )
    api_client.force_authenticate(other_user)
    assert api_client.get(f"{JOBS}{job.pk}/").status_code == 404
    assert api_client.get(JOBS).json()["count"] == 0
    assert api_client.post(f"{JOBS}{job.pk}/cancel/").status_code == 404

    assert job.viewers_group is not None
    job.viewers_group.user_set.add(other_user)  # shared: sees the job, not its logs
    shared = api_client.get(f"{JOBS}{job.pk}/").json()
    assert shared["status"] == "Queued" and "stderr" not in shared

    add_member(obj=copy_algorithm, role="editors", user=other_user)
    assert "stderr" in api_client.get(f"{JOBS}{job.pk}/").json()
    api_client.force_authenticate(user)
    assert "stderr" in api_client.get(f"{JOBS}{job.pk}/").json()


def test_cancel_and_rerun(api_client, user, copy_algorithm):  # type: ignore[no-untyped-def]
    job, _ = job_create(
        creator=user,
        algorithm=copy_algorithm,
        specs=[
            InputSpec(socket=socket("ct-image"), image=make_image(user)),
            InputSpec(socket=socket("probability"), value=0.1),
        ],
    )
    api_client.force_authenticate(user)
    cancelled = api_client.post(f"{JOBS}{job.pk}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "Cancelled"
    again = api_client.post(f"{JOBS}{job.pk}/cancel/")
    assert again.status_code == 400 and "already finished" in str(again.json())
    rerun = api_client.post(f"{JOBS}{job.pk}/rerun/")
    assert rerun.status_code == 201
    new = Job.objects.get(pk=rerun.json()["pk"])
    assert new.status == Job.Status.QUEUED
    assert set(new.inputs.values_list("pk", flat=True)) == set(
        job.inputs.values_list("pk", flat=True)
    )
