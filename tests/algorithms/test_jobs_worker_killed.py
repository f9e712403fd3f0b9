"""A worker killed with SIGKILL mid-job: the job does not stay Executing, its container
goes. A real `celery worker` subprocess runs the job; the beat sweep settles it."""

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

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
from workers.devtools import solo_worker_command

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


def test_sigkilled_worker_leaves_no_executing_job_nor_container(user, settings):  # type: ignore[no-untyped-def]
    from app.celery import celery_app

    celery_app.control.purge()
    algorithm = make_algorithm(
        script="echo working\nsleep 120\n",
        inputs=["probability"],
        outputs=["results-json-file"],
        editor=user,
        time_limit=3,
    )
    worker = start_worker()
    try:
        job, _ = job_create(
            creator=user,
            algorithm=algorithm,
            specs=[InputSpec(socket=socket("probability"), value=0.5)],
        )
        wait_for(lambda: job_status(job) == Job.Status.EXECUTING, timeout=120, what="executing")
        wait_for(lambda: any(c.status == "running" for c in job_containers(job)), timeout=30)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert job_status(job) == Job.Status.EXECUTING  # nobody is left to finish it...

    settings.JOBS_TIME_LIMIT_GRACE_S = 1
    time.sleep(job.time_limit + 1.5)
    settled = settle_overdue_jobs()  # ...until the every-minute sweep runs

    job.refresh_from_db()
    assert settled == [str(job.pk)]
    assert job.status == Job.Status.FAILED
    assert "did not finish within its time limit of 3 s" in job.error_message
    assert job_containers(job) == []
