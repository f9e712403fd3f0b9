"""A worker killed with SIGKILL mid-job: the job does not stay Executing, its container
goes. A real `celery worker` subprocess runs the job; the beat sweep settles it.

The kill follows the engine's own "container started" event and the job's time limit is
far longer than any wait here, so no load can make the job end before the kill; the
time that would pass before the sweep is simulated by moving the job's start back."""

import os
import signal
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from algorithms.jobs.inputs import InputSpec
from algorithms.jobs.services import job_create
from algorithms.models import Job
from algorithms.tasks import settle_overdue_jobs
from tests.algorithms.test_jobs_support import (
    job_containers,
    job_status,
    make_algorithm,
    socket,
    wait_for,
)
from workers.engine import docker_client
from workers.executors.docker import JOB_LABEL, ROLE_LABEL
from workers.testing import solo_worker_command

pytestmark = pytest.mark.django_db(transaction=True)


def start_worker() -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "TEST_CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    return subprocess.Popen(
        solo_worker_command(queue="jobs-cpu"),
        cwd=Path(settings.BASE_DIR),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for_container_start(job: Job, *, since: int, timeout: int = 120) -> None:
    """Block until the engine reports that the job's container (not its stager) started."""
    events = docker_client().events(
        since=since,
        until=int(time.time()) + timeout,
        decode=True,
        filters={"event": "start", "label": [f"{JOB_LABEL}={job.pk}", f"{ROLE_LABEL}=job"]},
    )
    for _event in events:
        return
    raise AssertionError(f"the container of job {job.pk} did not start in {timeout}s")


TIME_LIMIT_S = 600


def test_sigkilled_worker_leaves_no_executing_job_nor_container(user, settings):  # type: ignore[no-untyped-def]
    from app.celery import celery_app

    celery_app.control.purge()
    algorithm = make_algorithm(
        script="echo working\nsleep 900\n",
        inputs=["probability"],
        outputs=["results-json-file"],
        editor=user,
        time_limit=TIME_LIMIT_S,
    )
    worker = start_worker()
    since = int(time.time()) - 1
    try:
        job, _ = job_create(
            creator=user,
            algorithm=algorithm,
            specs=[InputSpec(socket=socket("probability"), value=0.5)],
        )
        wait_for_container_start(job, since=since)
        wait_for(lambda: job_status(job) == Job.Status.EXECUTING, timeout=60, what="executing")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=30)
    try:
        assert job_status(job) == Job.Status.EXECUTING  # nobody is left to finish it...
        assert [c.status for c in job_containers(job) if c.labels[ROLE_LABEL] == "job"] == [
            "running"
        ]

        settings.JOBS_TIME_LIMIT_GRACE_S = 1
        Job.objects.filter(pk=job.pk).update(
            started=timezone.now() - timedelta(seconds=TIME_LIMIT_S + 2)
        )
        settled = settle_overdue_jobs()  # ...until the every-minute sweep runs

        job.refresh_from_db()
        assert settled == [str(job.pk)]
        assert job.status == Job.Status.FAILED
        assert f"did not finish within its time limit of {TIME_LIMIT_S} s" in job.error_message
        assert job_containers(job) == []
    finally:
        for container in job_containers(job):  # whatever the outcome, nothing stays behind
            container.remove(force=True)
