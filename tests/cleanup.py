"""What a test run starts is gone when it ends, however it ends.

The controlling pytest process (the only one without xdist; the xdist controller with
it) owns the run. It starts the test SeaweedFS when none answers on the test port, and
at the end (passed, failed, Ctrl-C or SIGTERM) it ends every process that inherited
the run's id (Celery workers, xdist workers an interrupt left behind), removes the
containers and volumes labelled with that id, stops the SeaweedFS it started and
deletes its data folder. Nothing of another run or checkout is touched: the id is
fresh per run and the store is found by its own folder and port.

SIGKILL cannot be caught; a store such a run left behind is recognised by the next run
of the same checkout (same folder and port) and stopped at that run's end.
"""

import contextlib
import os
import shutil
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

from app import objectstore

RUN_ENV = "TESSERA_TEST_RUN"
RUN_LABEL = "tessera.test-run"
STOP_TIMEOUT_S = 10
# SeaweedFS drains for more than 10 s on SIGTERM even when idle; its data is deleted
# right after, so it gets only a moment before SIGKILL.
STORE_GRACE_S = 1


def run_id() -> str:
    return os.environ[RUN_ENV]


def interrupt_on_sigterm() -> None:
    """Let SIGTERM stop pytest as Ctrl-C does, so teardown and the end of the run happen
    (Python's default for SIGTERM is to die on the spot)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@dataclass(frozen=True)
class OwnedStore:
    pid: int
    data_dir: Path


def start_store() -> OwnedStore | None:
    """Start the test SeaweedFS unless one answers; return it when this run owns it."""
    data_dir = Path(settings.SEAWEEDFS_DIR)
    leftover = _leftover_store_pid(data_dir)
    if objectstore.is_up():
        return OwnedStore(pid=leftover, data_dir=data_dir) if leftover else None
    if leftover:  # alive but not answering: a half-dead leftover holding the ports
        _stop_group(leftover, grace_s=STORE_GRACE_S)
    shutil.rmtree(data_dir, ignore_errors=True)  # start empty: no objects of earlier runs
    objectstore.ensure_running()
    return OwnedStore(pid=int((data_dir / "weed.pid").read_text()), data_dir=data_dir)


def end_of_run(*, run: str, store: OwnedStore | None) -> None:
    """Stop the run's processes, remove its containers, stop and delete its store."""
    spared = {store.pid} if store else set()
    stop_processes(run=run, spare=spared)
    remove_containers(run=run)
    if store:
        _stop_group(store.pid, grace_s=STORE_GRACE_S)
        shutil.rmtree(store.data_dir, ignore_errors=True)


def _leftover_store_pid(data_dir: Path) -> int | None:
    """The pid of a SeaweedFS on this checkout's test folder and port, if one lives."""
    try:
        pid = int((data_dir / "weed.pid").read_text())
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        return None
    port = urlsplit(settings.AWS_S3_ENDPOINT_URL).port
    wanted = {f"-dir={data_dir}".encode(), f"-s3.port={port}".encode()}
    return pid if wanted <= set(argv) else None


def processes_of(run: str) -> list[int]:
    """Processes that inherited this run's id (other than this one and its ancestors)."""
    marker = f"{RUN_ENV}={run}".encode()
    mine = {os.getpid(), *_ancestors()}
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in mine:
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue  # gone, or not ours to read
        if marker in environ and _alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def stop_processes(*, run: str, spare: set[int]) -> None:
    pids = [pid for pid in processes_of(run) if pid not in spare]
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    _wait_dead(pids)
    for pid in pids:
        if _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    _wait_dead(pids)


def remove_containers(*, run: str) -> None:
    from docker.errors import DockerException, NotFound

    from workers.engine import docker_client

    try:
        client = docker_client()
        label = {"label": f"{RUN_LABEL}={run}"}
        for container in client.containers.list(all=True, filters=label):
            with contextlib.suppress(NotFound):
                container.remove(force=True)
        for volume in client.volumes.list(filters=label):
            with contextlib.suppress(NotFound):
                volume.remove(force=True)
    except DockerException:
        pass  # no engine here: no containers either


def _stop_group(pid: int, *, grace_s: float) -> None:
    """SeaweedFS runs in a session of its own: end the whole group, its data is not kept."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)
    _wait_dead([pid], timeout=grace_s)
    if _alive(pid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
        _wait_dead([pid])


def _wait_dead(pids: list[int], timeout: float = STOP_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reap our own children, or they linger as zombies
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _ancestors() -> list[int]:
    pids, pid = [], os.getppid()
    while pid > 1:
        pids.append(pid)
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            break
    return pids
