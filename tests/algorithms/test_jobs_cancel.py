"""Cancelling a running job stops its container even when the cancelling process (web)
has no container engine: a worker of the job's own queue does it, or, when the only
worker of the queue is the one running the job, that worker notices the cancel."""

import time

import pytest

from algorithms.jobs.inputs import InputSpec
from algorithms.jobs.services import job_cancel, job_create
from algorithms.models import Job
from app.celery import celery_app
from tests.algorithms.test_jobs_support import (
    job_containers,
    make_algorithm,
    socket,
    wait_for,
    wait_for_job,
)
from tests.workers.processes import no_docker_here, start_worker, stop_worker

pytestmark = pytest.mark.django_db(transaction=True)


def test_cancel_from_a_process_without_docker_stops_the_container(user):  # type: ignore[no-untyped-def]
    celery_app.control.purge()
    algorithm = make_algorithm(
        script="echo working\nsleep 300\n",
        inputs=["probability"],
        outputs=["results-json-file"],
        editor=user,
        time_limit=600,
    )
    # two workers on the queue: one runs the job, the other takes the cancel's clean-up
    workers = [start_worker(queue="jobs-cpu", name=f"cancel{i}@%h") for i in (1, 2)]
    try:
        job, _ = job_create(
            creator=user,
            algorithm=algorithm,
            specs=[InputSpec(socket=socket("probability"), value=0.5)],
        )
        wait_for_job(job, Job.Status.EXECUTING, timeout=120, workers=workers)
        wait_for(lambda: any(c.status == "running" for c in job_containers(job)), timeout=30)

        with no_docker_here():
            cancelled = job_cancel(job=job, actor=user)
        started = time.monotonic()
        wait_for(lambda: job_containers(job) == [], timeout=60, what="container removed")
        stopped_after = time.monotonic() - started

        assert cancelled.status == Job.Status.CANCELLED
        assert stopped_after < 60  # not the 600 s time limit
        time.sleep(2)  # the worker that ran the job sees its container end...
        job.refresh_from_db()
        assert job.status == Job.Status.CANCELLED  # ...and leaves the cancel standing
        assert job.error_message == f"Cancelled by {user.get_username()}."
        assert job.outputs.count() == 0
    finally:
        for worker in workers:
            stop_worker(worker)
        celery_app.control.purge()


def test_cancel_stops_the_container_when_the_queue_has_no_free_worker(user):  # type: ignore[no-untyped-def]
    celery_app.control.purge()
    algorithm = make_algorithm(
        script="echo working\nsleep 300\n",
        inputs=["probability"],
        outputs=["results-json-file"],
        editor=user,
        time_limit=600,
    )
    worker = start_worker(queue="jobs-cpu")  # busy with the job: the clean-up task waits
    workers = [worker]
    try:
        job, _ = job_create(
            creator=user,
            algorithm=algorithm,
            specs=[InputSpec(socket=socket("probability"), value=0.5)],
        )
        wait_for_job(job, Job.Status.EXECUTING, timeout=120, workers=workers)
        wait_for(lambda: any(c.status == "running" for c in job_containers(job)), timeout=30)

        with no_docker_here():
            job_cancel(job=job, actor=user)
        wait_for(lambda: job_containers(job) == [], timeout=60, what="container removed")

        job.refresh_from_db()
        assert job.status == Job.Status.CANCELLED
        assert job.error_message == f"Cancelled by {user.get_username()}."
        assert "working" in job.stdout  # the run's logs are kept with the cancel
    finally:
        stop_worker(worker)
        celery_app.control.purge()
