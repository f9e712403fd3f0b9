"""Slots: a job's keeper with its fresh /input and /output volumes, made ahead of the job.

Starting a container is the dearest step of a job on the engine (0.3-0.8 s on a busy
host), and a job needs two: its keeper (`workers.executors.keeper`, which holds the
/output tmpfs) and its own. So each worker process keeps one *spare* slot per /output
size, made in the background as soon as a job's container has started (while it runs):
the next job only stages its inputs into it and starts its own container.

A slot serves exactly one job (its volumes are new and empty; nothing passes from one
job to the next) and is removed with the job's objects: the job container names it
(`tessera.slot`). A spare older than SPARE_MAX_AGE_S is not used; one its worker lost
(killed, or a pool child that exited) is removed by the stale sweep after
`UNUSED_SLOT_S`, as no job container names it.
"""

import atexit
import contextlib
import logging
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import docker
from celery.signals import worker_process_shutdown
from django.conf import settings

from workers.executors.docker_cleanup import (
    CREATED_LABEL,
    JOB_LABEL,
    ROLE_LABEL,
    SLOT_ROLE,
    UNUSED_SLOT_S,
    remove_job_containers,
)
from workers.executors.keeper import keeper_image
from workers.executors.start import start_container

logger = logging.getLogger(__name__)

SPARE_MAX_AGE_S = UNUSED_SLOT_S // 2  # well before the sweep could take it


@dataclass(frozen=True)
class Slot:
    name: str
    output_bytes: int
    extras: int = 0  # volumes for extra inputs, mounted at /extra-<n> in the keeper
    made: float = field(default_factory=time.monotonic)

    @property
    def keeper(self) -> str:
        return f"{self.name}-keeper"

    @property
    def input_volume(self) -> str:
        return f"{self.name}-input"

    @property
    def output_volume(self) -> str:
        return f"{self.name}-output"

    def extra_volume(self, n: int) -> str:
        return f"{self.name}-extra-{n}"


def make_slot(client: docker.DockerClient, *, output_bytes: int, extras: int = 0) -> Slot:
    """Create the volumes and start the keeper; on any failure nothing of it remains."""
    slot = Slot(name=f"tessera-slot-{uuid.uuid4().hex}", output_bytes=output_bytes, extras=extras)
    labels = {
        **settings.WORKERS_CONTAINER_LABELS,
        JOB_LABEL: slot.name,
        ROLE_LABEL: SLOT_ROLE,
        CREATED_LABEL: str(int(time.time())),
    }
    try:
        client.volumes.create(name=slot.input_volume, labels=labels)
        for n in range(extras):
            client.volumes.create(name=slot.extra_volume(n), labels=labels)
        client.volumes.create(
            name=slot.output_volume,
            labels=labels,
            driver="local",
            driver_opts={
                "type": "tmpfs",
                "device": "tmpfs",
                "o": f"size={output_bytes},mode=1777,nosuid,nodev",
            },
        )
        keeper = client.containers.create(
            keeper_image(client),
            name=slot.keeper,
            labels=labels,
            network_mode="none",
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            pids_limit=4,
            mem_limit=16 * 1024**2,
            # writable root: the engine unpacks the staged tar from "/" (into the volumes)
            volumes={
                slot.input_volume: {"bind": "/input", "mode": "rw"},
                slot.output_volume: {"bind": "/output", "mode": "rw"},
                **{
                    slot.extra_volume(n): {"bind": f"/extra-{n}", "mode": "rw"}
                    for n in range(extras)
                },
            },
        )
        start_container(keeper)
    except BaseException:
        remove_slot(slot)
        raise
    return slot


def remove_slot(slot: Slot) -> None:
    try:
        remove_job_containers(job_id=slot.name)
    except Exception:  # the stale sweep removes what is left
        logger.exception("Could not remove slot %s", slot.name)


class _Spares:
    """At most one spare slot per /output size in this process, made in a thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spares: dict[int, Future[Slot]] = {}
        self._maker: ThreadPoolExecutor | None = None

    def take(self, *, output_bytes: int) -> Slot | None:
        with self._lock:
            future = self._spares.pop(output_bytes, None)
        if future is None:
            return None
        try:
            slot = future.result()
        except Exception:
            logger.warning("No spare slot could be made", exc_info=True)
            return None
        if time.monotonic() - slot.made > SPARE_MAX_AGE_S:
            remove_slot(slot)
            return None
        return slot

    def make_ahead(self, client: docker.DockerClient, *, output_bytes: int) -> None:
        with self._lock:
            if output_bytes in self._spares:
                return
            if self._maker is None:
                self._maker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="spare-slot")
                atexit.register(self.remove_all)
            self._spares[output_bytes] = self._maker.submit(
                make_slot, client, output_bytes=output_bytes
            )

    def remove_all(self) -> None:
        with self._lock:
            futures, self._spares = list(self._spares.values()), {}
        for future in futures:
            with contextlib.suppress(Exception):  # never made: nothing to remove
                remove_slot(future.result(timeout=60))


spares = _Spares()


# A prefork pool child leaves through os._exit, past atexit: Celery tells it beforehand,
# so a stopped worker takes its spares with it (`make run` stopped by Ctrl-C left them).
@worker_process_shutdown.connect(weak=False)
def _remove_spares(**_: object) -> None:
    spares.remove_all()
