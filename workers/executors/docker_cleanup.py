"""Stop and clean up the Docker objects (containers, volumes) of jobs.

Every container and volume made for a job carries `tessera.job=<job id>`; these helpers
find them by that label, so they work after the worker that made them died. They run
only where the engine is reachable: on a worker, reached through `workers.tasks`.
"""

import time

from docker.errors import APIError, NotFound

from workers.engine import docker_client

JOB_LABEL = "tessera.job"
ROLE_LABEL = "tessera.role"
CREATED_LABEL = "tessera.created"


def remove_job_containers(*, job_id: str) -> int:
    """Force-remove every container and volume of one job; returns how many containers
    were removed. Idempotent: nothing to remove is fine."""
    client = docker_client()
    label = f"{JOB_LABEL}={job_id}"
    removed = 0
    for container in client.containers.list(all=True, filters={"label": label}):
        removed += _remove_container(container)
    for volume in client.volumes.list(filters={"label": label}):
        _remove_volume(volume)
    return removed


def remove_stale_containers(*, older_than_s: float) -> list[str]:
    """Force-remove job containers and volumes created more than `older_than_s` seconds
    ago (running or not) and return the job ids they belonged to. Pass more than the
    longest time limit plus a grace period: a running job younger than that is kept."""
    client = docker_client()
    cutoff = time.time() - older_than_s
    jobs: set[str] = set()
    for container in client.containers.list(all=True, filters={"label": JOB_LABEL}):
        if _created(container.labels) < cutoff:
            jobs.add(container.labels[JOB_LABEL])
            _remove_container(container)
    for volume in client.volumes.list(filters={"label": JOB_LABEL}):
        labels = volume.attrs.get("Labels") or {}
        if _created(labels) < cutoff:
            jobs.add(labels[JOB_LABEL])
            _remove_volume(volume)
    return sorted(jobs)


def _created(labels: dict) -> float:
    try:
        return float(labels.get(CREATED_LABEL, 0))
    except ValueError:
        return 0.0


def _remove_container(container) -> int:  # type: ignore[no-untyped-def]
    try:
        container.remove(force=True, v=True)
    except NotFound:
        return 0
    except APIError as error:
        if "already in progress" in str(error):
            return 0
        raise
    return 1


def _remove_volume(volume) -> None:  # type: ignore[no-untyped-def]
    try:
        volume.remove(force=True)
    except NotFound:
        pass
