"""A worker's spare slot (workers.executors.slots) goes with the worker: a prefork pool
child, as `make run` runs them, leaves through os._exit, past atexit."""

import os

import pytest

from algorithms.jobs.inputs import InputSpec
from algorithms.jobs.services import job_create
from algorithms.models import Job
from app.celery import celery_app
from tests.algorithms.test_jobs_support import make_algorithm, socket, wait_for, wait_for_job
from tests.workers.processes import start_worker, stop_worker
from workers.engine import docker_client

pytestmark = pytest.mark.django_db(transaction=True)


def _labels() -> list[str]:
    return ["tessera.role=slot", f"tessera.test-run={os.environ['TESSERA_TEST_RUN']}"]


def _spare_keepers() -> list:  # type: ignore[type-arg]
    # sparse: no inspect per container (the finished job's own slot is removed meanwhile)
    return docker_client().containers.list(all=True, sparse=True, filters={"label": _labels()})


def test_a_stopped_prefork_worker_removes_its_spare_slot(user):  # type: ignore[no-untyped-def]
    celery_app.control.purge()
    algorithm = make_algorithm(
        script="echo '{\"done\": true}' > /output/results.json\n",
        inputs=["probability"],
        outputs=["results-json-file"],
        editor=user,
    )
    worker = start_worker(queue="jobs-cpu", prefork=True)
    try:
        job, _ = job_create(
            creator=user,
            algorithm=algorithm,
            specs=[InputSpec(socket=socket("probability"), value=0.5)],
        )
        wait_for_job(job, Job.Status.SUCCEEDED, timeout=120, workers=[worker])
        # the job is done; its worker has made the next job's slot ahead
        wait_for(lambda: len(_spare_keepers()) == 1, timeout=60, what="a spare slot")
    finally:
        stop_worker(worker)  # SIGTERM: Celery's warm shutdown, as Ctrl-C on make run
    assert worker.returncode == 0
    assert _spare_keepers() == []
    assert docker_client().volumes.list(filters={"label": _labels()}) == []
