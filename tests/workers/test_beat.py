"""The beat schedule (in settings) names real tasks, and container clean-up goes to the
workers of the jobs queues, which have the container engine."""

import time
import uuid

import pytest
from django.conf import settings

from app.celery import celery_app
from app.tasks import registered_task
from tests.algorithms.test_jobs_support import wait_for
from workers.engine import docker_client
from workers.executors.docker import CREATED_LABEL, JOB_LABEL
from workers.services import remove_job_containers

from .conftest import job_objects


def test_every_beat_entry_points_at_a_registered_task() -> None:
    schedule = celery_app.conf.beat_schedule
    assert schedule == settings.CELERY_BEAT_SCHEDULE
    tasks = {name: entry["task"] for name, entry in schedule.items()}
    assert tasks == {
        "settle-stuck-jobs": "algorithms.tasks.settle_stuck_jobs",
        "settle-stuck-algorithm-images": "algorithms.images.tasks.settle_stuck_algorithm_images",
        "settle-stuck-upload-sessions": "cases.tasks.settle_stuck_upload_sessions",
        "settle-stuck-evaluations": "challenges.tasks.settle_stuck_evaluations",
        "remove-stale-containers-jobs-cpu": "workers.tasks.remove_stale_job_containers",
        "remove-stale-containers-jobs-gpu": "workers.tasks.remove_stale_job_containers",
        "uploads-expire": "uploads.tasks.expire_uploads",
    }
    for name in tasks.values():
        assert registered_task(name).name == name
    for queue in ("jobs-cpu", "jobs-gpu"):
        assert schedule[f"remove-stale-containers-{queue}"]["options"]["queue"] == queue


def test_the_stale_container_entry_removes_old_containers_on_a_worker(  # type: ignore[no-untyped-def]
    stored_image, celery_worker, settings
):
    settings.WORKERS_STALE_CONTAINER_S = 3600
    image = stored_image("sleep 600\n")
    client = docker_client()
    old, fresh = f"test-{uuid.uuid4()}", f"test-{uuid.uuid4()}"
    for job_id, age in ((old, 7200), (fresh, 0)):
        labels = {JOB_LABEL: job_id, CREATED_LABEL: str(int(time.time() - age))}
        client.containers.create(image.sha256, labels=labels).start()
    entry = settings.CELERY_BEAT_SCHEDULE["remove-stale-containers-jobs-cpu"]
    try:
        # sent as beat sends it
        registered_task(entry["task"]).apply_async(**entry["options"])
        wait_for(lambda: job_objects(old)[0] == [], timeout=60, what="stale container removed")
        assert len(job_objects(fresh)[0]) == 1
    finally:
        remove_job_containers(job_id=old)
        remove_job_containers(job_id=fresh)


@pytest.mark.parametrize(
    "task",
    [
        "algorithms.tasks.execute_job",
        "cases.tasks.build_images_for_session",
        "algorithms.images.tasks.validate_algorithm_image",
    ],
)
def test_tasks_that_claim_a_row_retry_on_database_errors(task: str) -> None:
    from django.db.utils import InterfaceError, OperationalError

    registered = registered_task(task)
    assert registered.max_retries >= 3
    assert {OperationalError, InterfaceError} <= set(registered.autoretry_for)
