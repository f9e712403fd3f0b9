"""Container control for any job, through the executor the settings choose.

These run on a worker (the engine is local to it); other processes send
`workers.tasks` to the job's queue instead of calling them.
"""

from django.conf import settings
from django.utils.module_loading import import_string

from workers.executors.base import Executor


def executor_class() -> type[Executor]:
    return import_string(settings.WORKERS_EXECUTOR)  # type: ignore[no-any-return]


def remove_job_containers(*, job_id: str) -> int:
    """Kill and remove every container and volume of one job; returns how many containers
    were removed. Idempotent: nothing to remove is fine."""
    return executor_class().stop_job(job_id=job_id)


def remove_stale_containers(*, older_than_s: float) -> list[str]:
    """Remove job containers made more than `older_than_s` seconds ago (running or not)
    and return their job ids. Pass more than the longest time limit plus a grace period:
    a running job younger than that is kept."""
    return executor_class().remove_stale(older_than_s=older_than_s)
