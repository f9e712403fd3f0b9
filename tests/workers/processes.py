"""Real Celery worker subprocesses, and a test process without a container engine."""

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import docker
from django.conf import settings
from django.db import connection

from workers.devtools import solo_worker_command
from workers.engine import docker_client

DEAD_DOCKER = "unix:///nonexistent/tessera-no-docker.sock"

_logs: dict[int, Path] = {}  # worker pid -> its log file, for failure messages


def start_worker(*, queue: str, name: str = "") -> subprocess.Popen:
    """A solo `celery worker` on `queue`, on this test's database and broker, with the
    machine's Docker engine. The caller stops it in a `finally`."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "TEST_CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    log_dir = Path(settings.VAR_DIR) / "worker-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{queue}-{time.monotonic_ns()}.log"
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(
            solo_worker_command(queue=queue, name=name),
            cwd=Path(settings.BASE_DIR),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    _logs[worker.pid] = log_path
    return worker


def worker_log_tail(worker: subprocess.Popen, lines: int = 30) -> str:
    """The last lines a worker logged (warnings and errors), for a failing test to show."""
    path = _logs.get(worker.pid)
    if path is None or not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)


@contextmanager
def no_docker_here() -> Iterator[None]:
    """This process (as web or beat on a host with no engine) reaches no Docker engine:
    any container call from it fails."""
    original = settings.DOCKER_BASE_URL
    settings.DOCKER_BASE_URL = DEAD_DOCKER
    docker_client.cache_clear()
    try:
        try:
            docker_client().ping()
        except docker.errors.DockerException:
            pass
        else:
            raise AssertionError("Docker is still reachable from the test process")
        yield
    finally:
        settings.DOCKER_BASE_URL = original
        docker_client.cache_clear()
