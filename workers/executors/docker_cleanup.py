"""Stop and clean up the Docker objects (containers, volumes) of jobs.

Every container and volume made for a job carries `tessera.job=<job id>`; these helpers
find them by that label, so they work after the worker that made them died. A job's
keeper and its /input and /output volumes belong to its *slot* (`tessera.job=<slot>`,
made ahead of the job by `workers.executors.slots`); the job container names its slot
(`tessera.slot=<slot>`), so removing a job's objects removes its slot's too. They run
only where the engine is reachable: on a worker, reached through `workers.tasks`.
"""

import time
from collections.abc import Sequence

import docker
from docker.errors import APIError, NotFound

from workers.engine import docker_client

JOB_LABEL = "tessera.job"
ROLE_LABEL = "tessera.role"
CREATED_LABEL = "tessera.created"
SLOT_LABEL = "tessera.slot"
SLOT_ROLE = "slot"  # the keeper of a slot
# A slot no job container names this long after it was made is a spare its worker lost.
UNUSED_SLOT_S = 3600
VOLUME_ATTEMPTS = 5


def remove_job_containers(*, job_id: str) -> int:
    """Force-remove every container and volume of one job, its slot's included; returns
    how many containers were removed. Idempotent: nothing to remove is fine."""
    client = docker_client()
    label = f"{JOB_LABEL}={job_id}"
    removed = 0
    # sparse: one list call, no inspect per container
    containers = client.containers.list(all=True, sparse=True, filters={"label": label})
    slots = {(c.attrs.get("Labels") or {}).get(SLOT_LABEL) for c in containers} - {None, ""}
    for container in containers:
        removed += _remove_container(client, container.id)
    for slot in sorted(slots):  # type: ignore[type-var]
        removed += remove_job_containers(job_id=str(slot))
    for volume in client.volumes.list(filters={"label": label}):
        _remove_volume(client, volume.name)
    return removed


def remove_named(*, containers: Sequence[str], volumes: Sequence[str]) -> int:
    """Force-remove these containers, then these volumes, by name: what an executor knows
    it made, without the label look-ups; returns how many containers were removed."""
    client = docker_client()
    removed = sum(_remove_container(client, name) for name in containers)
    for name in volumes:
        _remove_volume(client, name)
    return removed


def remove_stale_containers(*, older_than_s: float) -> list[str]:
    """Force-remove job containers and volumes created more than `older_than_s` seconds
    ago (running or not) and return the job ids they belonged to. Pass more than the
    longest time limit plus a grace period: a running job younger than that is kept.
    Slots no job took within UNUSED_SLOT_S (a lost worker's spare) go too."""
    client = docker_client()
    now = time.time()
    cutoff = now - older_than_s
    jobs: set[str] = set()
    containers = client.containers.list(all=True, sparse=True, filters={"label": JOB_LABEL})
    used_slots = {(c.attrs.get("Labels") or {}).get(SLOT_LABEL) for c in containers}
    for container in containers:
        labels = container.attrs.get("Labels") or {}
        created = _created(labels)
        unused_slot = (
            labels.get(ROLE_LABEL) == SLOT_ROLE
            and labels[JOB_LABEL] not in used_slots
            and created < now - UNUSED_SLOT_S
        )
        if created < cutoff or unused_slot:
            jobs.add(labels[JOB_LABEL])
            _remove_container(client, container.id)
    for volume in client.volumes.list(filters={"label": JOB_LABEL}):
        labels = volume.attrs.get("Labels") or {}
        if _created(labels) < cutoff or labels[JOB_LABEL] in jobs:
            jobs.add(labels[JOB_LABEL])
            _remove_volume(client, volume.name)
    return sorted(jobs)


def _created(labels: dict) -> float:
    try:
        return float(labels.get(CREATED_LABEL, 0))
    except ValueError:
        return 0.0


def _remove_container(client: docker.DockerClient, container: str) -> int:
    try:
        client.api.remove_container(container, force=True, v=True)
    except NotFound:
        return 0
    except APIError as error:
        if "already in progress" in str(error):
            return 0
        raise
    return 1


def _remove_volume(client: docker.DockerClient, volume: str) -> None:
    # "in use" while another process's removal of its container is still under way
    for attempt in range(1, VOLUME_ATTEMPTS + 1):
        try:
            client.api.remove_volume(volume, force=True)
            return
        except NotFound:
            return
        except APIError as error:
            if error.status_code != 409 or attempt == VOLUME_ATTEMPTS:
                raise
            time.sleep(0.2 * attempt)
