"""Jobs reach the worker queue their algorithm needs, on the real Redis broker."""

import json

import pytest
import redis
from django.conf import settings

from algorithms.jobs.inputs import InputSpec
from algorithms.jobs.services import job_create
from app.celery import celery_app
from tests.algorithms.test_jobs_support import make_algorithm, socket

pytestmark = pytest.mark.django_db(transaction=True)


def queued_job_pks(broker: redis.Redis, queue: str) -> list[str]:
    messages = [json.loads(raw) for raw in broker.lrange(queue, 0, -1)]
    return [m["headers"]["kwargsrepr"] for m in messages]


@pytest.mark.parametrize(
    ("requires_gpu", "queue", "other"),
    [
        (True, "jobs-gpu", "jobs-cpu"),
        (False, "jobs-cpu", "jobs-gpu"),
    ],
)
def test_job_is_sent_to_the_queue_of_its_hardware(user, requires_gpu, queue, other):  # type: ignore[no-untyped-def]
    celery_app.control.purge()
    algorithm = make_algorithm(
        script="true\n", inputs=["probability"], outputs=["results-json-file"], editor=user
    )
    algorithm.requires_gpu = requires_gpu
    algorithm.save()
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)

    job, _ = job_create(
        creator=user,
        algorithm=algorithm,
        specs=[InputSpec(socket=socket("probability"), value=0.5)],
    )

    assert job.queue == queue
    assert [str(job.pk) in kwargs for kwargs in queued_job_pks(broker, queue)] == [True]
    assert queued_job_pks(broker, other) == []
    celery_app.control.purge()
