"""A worker killed with SIGKILL mid-job: the job does not stay Executing, its container
goes. A real `celery worker` subprocess runs the job; the beat sweep (in a process with
no container engine, as beat is) settles it, and a worker of the job's queue removes
the container.

The kill follows the job's container running (the wait fails at once, with the job's own
reason, if the job ends first) and the job's time limit is far longer than any wait here,
so no load can make the job end before the kill; the time that would pass before the
sweep is simulated by moving the job's start back."""

import signal
import time
from datetime import timedelta

import pytest
from django.db.models import F

from algorithms.jobs.inputs import InputSpec
from algorithms.jobs.services import job_create
from algorithms.models import Job
from algorithms.tasks import settle_stuck_jobs
from tests.algorithms.test_jobs_support import (
    job_containers,
    job_status,
    make_algorithm,
    socket,
    wait_for,
)
from tests.workers.processes import no_docker_here, start_worker, stop_worker
from workers.executors.docker import ROLE_LABEL

pytestmark = pytest.mark.django_db(transaction=True)

TIME_LIMIT_S = 600


def wait_for_container_start(job: Job, *, timeout: int = 180) -> None:
    """Block until the job's container (not its keeper) runs; fail at once, with the
    job's own reason, if the job ends first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        roles = {c.attrs["Labels"].get(ROLE_LABEL): c.status for c in job_containers(job)}
        if roles.get("job") == "running":
            return
        job.refresh_from_db()
        if job.is_final:
            raise AssertionError(
                f"job {job.pk} ended {job.status} before its container ran: {job.error_message}"
            )
        time.sleep(0.5)
    job.refresh_from_db()
    raise AssertionError(
        f"the container of job {job.pk} did not start in {timeout}s (job {job.status}: "
        f"{job.status_note or job.error_message or 'no note'})"
    )


def test_sigkilled_worker_leaves_no_executing_job_nor_container(user, settings):  # type: ignore[no-untyped-def]
    from app.celery import celery_app

    celery_app.control.purge()
    algorithm = make_algorithm(
        script="echo working\nsleep 1200\n",
        inputs=["probability"],
        outputs=["results-json-file"],
        editor=user,
        time_limit=TIME_LIMIT_S,  # far beyond the kill: load cannot make the job end by itself
    )
    worker = start_worker(queue="jobs-cpu")
    job = None
    try:
        job, _ = job_create(
            creator=user,
            algorithm=algorithm,
            specs=[InputSpec(socket=socket("probability"), value=0.5)],
        )
        wait_for_container_start(job)
        wait_for(lambda: job_status(job) == Job.Status.EXECUTING, timeout=60, what="executing")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=30)
    try:
        assert job_status(job) == Job.Status.EXECUTING  # nobody is left to finish it...
        roles = {c.attrs["Labels"][ROLE_LABEL]: c.status for c in job_containers(job)}
        assert roles.get("job") == "running"

        settings.JOBS_TIME_LIMIT_GRACE_S = 1
        # as if the time limit and grace had passed since the container started
        Job.objects.filter(pk=job.pk).update(
            started=F("started") - timedelta(seconds=TIME_LIMIT_S + 2)
        )
        with no_docker_here():
            settled = settle_stuck_jobs()  # ...until the every-minute sweep runs

        job.refresh_from_db()
        assert settled == [str(job.pk)]
        assert job.status == Job.Status.FAILED
        assert job.error_message == (
            f"The job did not finish within its time limit of {TIME_LIMIT_S} s plus 1 s "
            "grace: its worker stopped or lost the container. It was stopped."
        )
        assert job_containers(job) != []  # beat could not remove it; a worker of jobs-cpu does
        cleaner = start_worker(queue="jobs-cpu")
        try:
            wait_for(lambda: job_containers(job) == [], timeout=60, what="container removed")
        finally:
            stop_worker(cleaner)
    finally:
        for container in job_containers(job) if job is not None else []:
            container.remove(force=True)  # whatever the outcome, nothing stays behind
