"""Thin Celery tasks for algorithm jobs; the work is in `algorithms.jobs`."""

from django.conf import settings

from app.tasks import project_task


@project_task(queue="jobs-cpu", max_retries=0, soft_time_limit=24 * 3600, time_limit=24 * 3600 + 60)
def execute_job(*, job_pk: str) -> None:
    """Run one job's container. Sent to jobs-gpu or jobs-cpu by `job_enqueue`; a second
    delivery for the same job finds it no longer Queued and does nothing."""
    from algorithms.jobs.execution import run_job

    run_job(job_pk=job_pk)


@project_task(queue="default")
def settle_overdue_jobs() -> list[str]:
    """Every minute (beat): fail jobs stuck past their time limit plus grace, and jobs
    whose input images could not be imported."""
    from algorithms.jobs.execution import settle_overdue
    from algorithms.jobs.services import fail_jobs_with_failed_imports

    fail_jobs_with_failed_imports()
    return settle_overdue(grace_s=settings.JOBS_TIME_LIMIT_GRACE_S)
