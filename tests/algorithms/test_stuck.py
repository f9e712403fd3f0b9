"""Nothing stays stuck: the sweeps settle every job and algorithm image left in a
non-final state past its deadline, with a message naming the cause; stuck jobs do not
use up their creator's limit of active jobs."""

import json
from datetime import timedelta

import pytest
import redis
from django.conf import settings as django_settings
from django.utils import timezone

from algorithms.images.tasks import settle_stuck_algorithm_images
from algorithms.jobs.inputs import InputSpec
from algorithms.jobs.services import JobRefused, job_create
from algorithms.models import AlgorithmImage, Job
from algorithms.tasks import settle_stuck_jobs
from app.celery import celery_app
from tests.algorithms.test_jobs_support import make_algorithm, socket
from tests.workers.processes import no_docker_here

pytestmark = pytest.mark.django_db(transaction=True)
S = Job.Status


@pytest.fixture
def purged_broker():  # type: ignore[no-untyped-def]
    celery_app.control.purge()
    yield redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    celery_app.control.purge()


def new_job(user, algorithm) -> Job:  # type: ignore[no-untyped-def]
    job, _ = job_create(
        creator=user, algorithm=algorithm, specs=[InputSpec(socket=socket("probability"), value=1)]
    )
    return job


def put_in(job: Job, status: str, *, seconds_ago: float) -> None:
    """The job entered `status` (and, when Executing, started its container) that long ago."""
    at = timezone.now() - timedelta(seconds=seconds_ago)
    history = [*job.status_history, {"status": status, "at": at.isoformat()}]
    started = at if status == S.EXECUTING else None
    Job.objects.filter(pk=job.pk).update(status=status, status_history=history, started=started)


def queued_tasks(broker: redis.Redis, queue: str) -> list[tuple[str, str]]:
    messages = [json.loads(raw) for raw in broker.lrange(queue, 0, -1)]
    return [(m["headers"]["task"], m["headers"]["kwargsrepr"]) for m in messages]


@pytest.fixture
def algorithm(user):  # type: ignore[no-untyped-def]
    return make_algorithm(
        script="true\n",
        inputs=["probability"],
        outputs=["results-json-file"],
        editor=user,
        time_limit=60,
        max_active_jobs_per_user=10,
    )


def test_sweep_settles_each_stuck_job_status_with_its_cause(
    user, algorithm, settings, purged_broker
):  # type: ignore[no-untyped-def]
    settings.JOBS_TIME_LIMIT_GRACE_S = 30
    settings.JOBS_QUEUED_TIMEOUT_S = 3600
    jobs = {name: new_job(user, algorithm) for name in ("queued", "prov", "exec", "parse")}
    celery_app.control.purge()  # the broker lost every job's message
    put_in(jobs["queued"], S.QUEUED, seconds_ago=3601)
    put_in(jobs["prov"], S.PROVISIONING, seconds_ago=91)
    put_in(jobs["exec"], S.EXECUTING, seconds_ago=91)
    put_in(jobs["parse"], S.PARSING, seconds_ago=91)
    # not yet due: each is one second before its deadline
    due_soon = {name: new_job(user, algorithm) for name in ("queued", "exec", "parse")}
    put_in(due_soon["queued"], S.QUEUED, seconds_ago=3599)
    put_in(due_soon["exec"], S.EXECUTING, seconds_ago=89)
    put_in(due_soon["parse"], S.PARSING, seconds_ago=89)
    celery_app.control.purge()

    with no_docker_here():  # as beat: no container engine
        settled = settle_stuck_jobs()

    assert sorted(settled) == sorted(str(j.pk) for j in jobs.values())
    messages = {name: Job.objects.get(pk=j.pk).error_message for name, j in jobs.items()}
    assert messages == {
        "queued": "No worker took the job from the queue 'jobs-cpu' within 3600 s: its "
        "message to the broker was lost or no worker serves that queue.",
        "prov": "The job stayed Provisioning for more than 90 s (its time limit of 60 s "
        "plus 30 s grace): its worker stopped while preparing the container.",
        "exec": "The job did not finish within its time limit of 60 s plus 30 s grace: its "
        "worker stopped or lost the container. It was stopped.",
        "parse": "The job stayed Parsing for more than 90 s (its time limit of 60 s plus "
        "30 s grace): its worker stopped while storing the outputs.",
    }
    assert {Job.objects.get(pk=j.pk).status for j in jobs.values()} == {S.FAILED}
    assert sorted(Job.objects.get(pk=j.pk).status for j in due_soon.values()) == [
        S.EXECUTING,
        S.PARSING,
        S.QUEUED,
    ]
    # the containers of the running ones are stopped by a worker of their own queue
    stops = queued_tasks(purged_broker, "jobs-cpu")
    assert sorted(kwargs for _, kwargs in stops) == sorted(
        repr({"job_id": str(jobs[name].pk)}) for name in ("prov", "exec", "parse")
    )
    assert {task for task, _ in stops} == {"workers.tasks.stop_job_containers"}
    assert settle_stuck_jobs() == []  # a second sweep finds nothing more


def test_a_stuck_gpu_job_is_stopped_on_the_gpu_queue(user, algorithm, settings, purged_broker):  # type: ignore[no-untyped-def]
    algorithm.requires_gpu = True
    algorithm.save()
    settings.JOBS_TIME_LIMIT_GRACE_S = 0
    job = new_job(user, algorithm)
    put_in(job, S.EXECUTING, seconds_ago=61)
    celery_app.control.purge()

    assert settle_stuck_jobs() == [str(job.pk)]

    assert queued_tasks(purged_broker, "jobs-gpu") == [
        ("workers.tasks.stop_job_containers", repr({"job_id": str(job.pk)}))
    ]
    assert queued_tasks(purged_broker, "jobs-cpu") == []


def test_stuck_jobs_do_not_count_against_the_active_job_limit(
    user, algorithm, settings, purged_broker
):  # type: ignore[no-untyped-def]
    settings.JOBS_TIME_LIMIT_GRACE_S = 0
    algorithm.max_active_jobs_per_user = 1
    algorithm.save()
    stuck = new_job(user, algorithm)
    put_in(stuck, S.EXECUTING, seconds_ago=3600)  # its worker died; the sweep is late

    second = new_job(user, algorithm)  # allowed: the stuck one does not count

    with pytest.raises(JobRefused) as refused:
        new_job(user, algorithm)  # the second one is live, and counts
    assert str(refused.value) == (
        f"You already have 1 queued or running job(s) with {algorithm.slug!r}; "
        "the limit is 1 per user. Wait for some to finish, then try again."
    )
    assert second.status == S.QUEUED


def test_sweep_refuses_algorithm_images_whose_validation_stopped(user, algorithm, settings):  # type: ignore[no-untyped-def]
    settings.ALGORITHM_IMAGES_VALIDATION_TIMEOUT_S = 600
    old = timezone.now() - timedelta(seconds=601)
    images = {
        status: AlgorithmImage.objects.create(algorithm=algorithm, creator=user, status=status)
        for status in (AlgorithmImage.Status.QUEUED, AlgorithmImage.Status.VALIDATING)
    }
    recent = AlgorithmImage.objects.create(
        algorithm=algorithm, creator=user, status=AlgorithmImage.Status.VALIDATING
    )
    AlgorithmImage.objects.filter(pk__in=[i.pk for i in images.values()]).update(modified=old)

    settled = settle_stuck_algorithm_images()

    assert sorted(settled) == sorted(str(i.pk) for i in images.values())
    reasons = {
        status: (
            AlgorithmImage.objects.get(pk=i.pk).status,
            AlgorithmImage.objects.get(pk=i.pk).status_reason,
        )
        for status, i in images.items()
    }
    assert reasons == {
        AlgorithmImage.Status.QUEUED: (
            AlgorithmImage.Status.INVALID,
            "The image stayed queued for more than 600 s: its validation task was lost or "
            "its worker stopped. Upload the image again.",
        ),
        AlgorithmImage.Status.VALIDATING: (
            AlgorithmImage.Status.INVALID,
            "The image stayed validating for more than 600 s: its validation task was lost "
            "or its worker stopped. Upload the image again.",
        ),
    }
    recent.refresh_from_db()
    assert recent.status == AlgorithmImage.Status.VALIDATING
    # the algorithm's active image is untouched
    assert algorithm.active_image is not None
    assert algorithm.active_image.status == AlgorithmImage.Status.VALID


def test_a_job_waiting_too_long_for_its_input_images_is_failed(user, algorithm, settings):  # type: ignore[no-untyped-def]
    from cases.models import RawImageUploadSession

    settings.JOBS_QUEUED_TIMEOUT_S = 3600
    job = new_job(user, algorithm)
    session = RawImageUploadSession.objects.create(creator=user)  # its import never ran
    Job.objects.filter(pk=job.pk).update(
        pending_inputs=[{"session": str(session.pk), "socket": "ct-image"}]
    )
    job.refresh_from_db()
    put_in(job, S.QUEUED, seconds_ago=3601)

    assert settle_stuck_jobs() == [str(job.pk)]

    job.refresh_from_db()
    assert (job.status, job.error_message) == (
        S.FAILED,
        "The job waited more than 3600 s for its input images to be imported.",
    )
