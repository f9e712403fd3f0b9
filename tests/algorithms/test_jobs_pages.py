"""Job pages: the cause of a failure, logs only for creator and editors, live status."""

import pytest
from django.urls import reverse

from algorithms.jobs.inputs import InputSpec
from algorithms.jobs.services import job_create
from algorithms.models import Job
from tests.algorithms.test_jobs_support import copy_algorithm_for, make_image, socket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def failed_job(user) -> Job:  # type: ignore[no-untyped-def]
    job, _ = job_create(
        creator=user,
        algorithm=copy_algorithm_for(user),
        specs=[
            InputSpec(socket=socket("ct-image"), image=make_image(user)),
            InputSpec(socket=socket("probability"), value=0.3),
        ],
    )
    job.record_status(Job.Status.FAILED)
    job.error_message = "The container exited with code 2: no GPU found"
    job.stderr = "loading model\nno GPU found"
    job.save()
    return job


def test_job_page_shows_cause_inputs_and_logs_to_the_creator(client, user, failed_job):  # type: ignore[no-untyped-def]
    client.force_login(user)
    page = client.get(reverse("algorithms:job-detail", args=[failed_job.pk])).content.decode()
    assert "The container exited with code 2: no GPU found" in page
    assert "loading model" in page  # logs
    assert "ct.mha" in page and "0.3" in page  # inputs
    assert "Run again with the same inputs" in page


def test_shared_viewer_sees_the_job_but_not_its_logs(client, other_user, failed_job):  # type: ignore[no-untyped-def]
    client.force_login(other_user)
    url = reverse("algorithms:job-detail", args=[failed_job.pk])
    assert client.get(url).status_code == 404
    assert failed_job.viewers_group is not None
    failed_job.viewers_group.user_set.add(other_user)
    page = client.get(url).content.decode()
    assert "no GPU found" in page  # the cause, yes
    assert "loading model" not in page  # the logs, no


def test_status_endpoint_reports_only_visible_jobs(client, user, other_user, failed_job):  # type: ignore[no-untyped-def]
    url = f"{reverse('algorithms:job-statuses')}?ids={failed_job.pk}"
    client.force_login(user)
    assert client.get(url).json()["jobs"][str(failed_job.pk)]["status"] == "Failed"
    client.force_login(other_user)
    assert client.get(url).json()["jobs"] == {}
