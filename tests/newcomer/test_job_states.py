"""The job page's status and outputs come from one read and change together: never a final
status next to a Cancel button or "no outputs yet"; an error text appears once."""

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse

from algorithms.jobs.inputs import InputSpec
from algorithms.jobs.services import job_create
from algorithms.models import Job
from components.models import ComponentInterfaceValue
from tests.algorithms.test_jobs_support import copy_algorithm_for, make_image, socket
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def job(user) -> Job:  # type: ignore[no-untyped-def]
    created, _ = job_create(
        creator=user,
        algorithm=copy_algorithm_for(user),
        specs=[
            InputSpec(socket=socket("ct-image"), image=make_image(user)),
            InputSpec(socket=socket("probability"), value=0.3),
        ],
    )
    return created


def test_queued_then_succeeded_status_and_outputs_change_together(client, user, job):  # type: ignore[no-untyped-def]
    client.force_login(user)
    page = client.get(reverse("algorithms:job-detail", args=[job.pk])).content.decode()
    assert f'data-state-url="/algorithms/jobs/{job.pk}/state.json"' in page
    assert "Cancel job" in page and "No outputs yet" in page
    assert "/static/algorithms/job-state.js" in page  # the poller, a static file

    state = client.get(reverse("algorithms:job-state", args=[job.pk])).json()
    assert state["status"] == job.status and state["final"] is False
    assert "Cancel job" in state["status_html"] and "No outputs yet" in state["outputs_html"]

    with transaction.atomic():  # as execution does: outputs and status in one commit
        output = ComponentInterfaceValue(interface=socket("results-json-file"))
        output.file.save("results.json", ContentFile(b'{"nodules": 3}'))
        job.outputs.add(output)
        job.record_status(Job.Status.SUCCEEDED)
        job.save()

    state = client.get(reverse("algorithms:job-state", args=[job.pk])).json()
    assert state == {**state, "status": "Succeeded", "final": True}
    assert "Cancel job" not in state["status_html"]
    assert "Run again with the same inputs" in state["status_html"]
    assert "&quot;nodules&quot;: 3" in state["outputs_html"]
    assert "No outputs" not in state["outputs_html"]
    page = client.get(reverse("algorithms:job-detail", args=[job.pk])).content.decode()
    assert "Succeeded" in page and "Cancel job" not in page and "No outputs" not in page
    assert "job-state.js" not in page  # nothing left to poll


def test_a_succeeded_job_without_outputs_says_so(client, user, job):  # type: ignore[no-untyped-def]
    job.record_status(Job.Status.SUCCEEDED)
    job.save()
    client.force_login(user)
    page = client.get(reverse("algorithms:job-detail", args=[job.pk])).content.decode()
    assert "This job produced no outputs." in page and "yet" not in page.split("Outputs")[-1]


def test_a_failed_job_shows_its_reason_once_in_a_red_bar(client, user, job):  # type: ignore[no-untyped-def]
    job.record_status(Job.Status.FAILED)
    job.error_message = job.status_note = "The container exited with code 2: no GPU found"
    job.save()
    client.force_login(user)
    page = client.get(reverse("algorithms:job-detail", args=[job.pk])).content.decode()
    assert page.count("no GPU found") == 1
    assert '<span class="error" role="alert">The container exited with code 2' in page
    assert "No outputs: the job failed." in page and "Cancel job" not in page


def test_the_state_of_a_job_one_may_not_see_is_404(client, job):  # type: ignore[no-untyped-def]
    client.force_login(UserFactory())
    assert client.get(reverse("algorithms:job-state", args=[job.pk])).status_code == 404
