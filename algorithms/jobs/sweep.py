"""The every-minute sweep (beat): every job left in a non-final status past its deadline
is failed with the cause, and its containers are stopped by a worker of its own queue
(beat has no container engine)."""

from algorithms.jobs.deadlines import stuck_cause
from algorithms.jobs.execution import fail
from algorithms.jobs.services import fail_jobs_with_failed_imports, stop_containers
from algorithms.models import Job


def settle_stuck_jobs() -> list[str]:
    """Fail stuck jobs (and jobs whose input import failed); returns the primary keys of
    the stuck ones settled."""
    fail_jobs_with_failed_imports()
    settled = []
    for job in Job.objects.filter(status__in=Job.ACTIVE_STATUSES):
        cause = stuck_cause(job)
        # `expect` the status the cause was read from: a job that moved on meanwhile is kept
        if cause is None or not fail(job.pk, cause, expect=(job.status,)):
            continue
        settled.append(str(job.pk))
        if job.status in Job.RUNNING_STATUSES:
            stop_containers(job)
    return settled
