"""A worker process's spare slot (workers.executors.slots) goes when Celery shuts the
process down: a prefork pool child leaves through os._exit, past atexit, so the slots
module listens to `worker_process_shutdown`. The signal is sent here, in this process,
for a spare made with an /output size no other test uses, and only that spare is looked
at: other tests' workers may hold spares of their own meanwhile."""

import uuid

from celery.signals import worker_process_shutdown
from docker.errors import NotFound

from tests.algorithms.test_jobs_support import wait_for
from workers.engine import docker_client
from workers.executors.docker_cleanup import ROLE_LABEL, SLOT_ROLE, remove_job_containers
from workers.executors.slots import spares

PAGE = 4096


def _output_volumes(size: int) -> list:  # type: ignore[type-arg]
    """Slot /output volumes of exactly `size` bytes (see make_slot's tmpfs options)."""
    volumes = docker_client().volumes.list(filters={"label": f"{ROLE_LABEL}={SLOT_ROLE}"})
    return [v for v in volumes if f"size={size}," in (v.attrs.get("Options") or {}).get("o", "")]


def _keeper_status(slot: str) -> str:
    try:
        return str(docker_client().containers.get(f"{slot}-keeper").status)
    except NotFound:
        return "gone"


def test_a_worker_process_shutting_down_removes_its_spare_slot():  # type: ignore[no-untyped-def]
    # a size of this test's own: 16-32 MB, whole pages
    size = (16 * 256 + uuid.uuid4().int % (16 * 256)) * PAGE
    spares.make_ahead(docker_client(), output_bytes=size)
    slot = ""
    try:
        wait_for(lambda: len(_output_volumes(size)) == 1, timeout=60, what="the spare's volume")
        slot = _output_volumes(size)[0].name.removesuffix("-output")
        wait_for(lambda: _keeper_status(slot) == "running", timeout=60, what="the spare's keeper")

        worker_process_shutdown.send(sender=None, pid=0, exitcode=0)

        assert _keeper_status(slot) == "gone"
        assert _output_volumes(size) == []
        assert docker_client().volumes.list(filters={"name": f"{slot}-input"}) == []
    finally:
        if slot:
            remove_job_containers(job_id=slot)
