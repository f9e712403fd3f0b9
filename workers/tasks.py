"""Container control on a worker: whatever process decides (web cancelling a job, beat
sweeping) sends these to the job's own queue, whose workers have the engine."""

from django.conf import settings

from app.tasks import project_task
from workers.services import remove_job_containers, remove_stale_containers


@project_task(queue=settings.QUEUE_JOBS_CPU, soft_time_limit=300, time_limit=360)
def stop_job_containers(*, job_id: str) -> int:
    """Kill and remove the containers of one job (sent with `queue=<the job's queue>`)."""
    return remove_job_containers(job_id=job_id)


@project_task(queue=settings.QUEUE_JOBS_CPU, soft_time_limit=600, time_limit=660)
def remove_stale_job_containers() -> list[str]:
    """Beat, to each jobs queue: remove containers older than any job may run."""
    return remove_stale_containers(older_than_s=settings.WORKERS_STALE_CONTAINER_S)
