"""Thin Celery tasks for algorithm jobs; the work is in `algorithms.jobs`.

Services send these by name (`enqueue("algorithms.tasks.execute_job", ...)`), so this
module imports them and never the other way round."""

from django.conf import settings

from algorithms.jobs.execution import run_job
from algorithms.jobs.sweep import settle_stuck_jobs as settle_stuck
from app.tasks import project_task


# Retries are safe: the claim locks the row and runs only a Queued job.
@project_task(
    queue=settings.QUEUE_JOBS_CPU,
    max_retries=3,
    soft_time_limit=24 * 3600,
    time_limit=24 * 3600 + 60,
)
def execute_job(*, job_pk: str) -> None:
    """Run one job's container. Sent to jobs-gpu or jobs-cpu by `job_enqueue`; a second
    delivery for the same job finds it no longer Queued and does nothing."""
    run_job(job_pk=job_pk)


@project_task(queue=settings.QUEUE_DEFAULT)
def settle_stuck_jobs() -> list[str]:
    """Every minute (beat): fail every job left in a non-final status past its deadline,
    naming the cause; returns their primary keys."""
    return settle_stuck()
