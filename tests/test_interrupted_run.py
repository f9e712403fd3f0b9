"""An interrupted test run leaves nothing running: a pytest of its own starts the test
SeaweedFS, a job container and a Celery worker (tests/interrupted_run_target.py), is
interrupted mid-test, and afterwards no store process, port, data, container, volume or
worker of that run is left."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from tests import cleanup
from workers.engine import docker_client

pytestmark = pytest.mark.slow

PORTS = 10  # SeaweedFS uses its S3 port and the nine after it


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def free_port_block() -> int:
    for base in range(18700, 19000, PORTS):
        if not any(port_open(p) for p in range(base, base + PORTS)):
            return base
    raise AssertionError("no free block of ports for the interrupted run's store")


def labelled(run: str) -> tuple[list, list]:
    label = {"label": f"{cleanup.RUN_LABEL}={run}"}
    client = docker_client()
    return client.containers.list(all=True, filters=label), client.volumes.list(filters=label)


def alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists() and cleanup._alive(pid)


def wait_for_file(path: Path, process: subprocess.Popen, log: Path, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return dict(json.loads(path.read_text()))
        if process.poll() is not None:
            raise AssertionError(f"the inner run ended before its test started:\n{log.read_text()}")
        time.sleep(0.2)
    raise AssertionError(f"the inner run's test did not start in {timeout}s:\n{log.read_text()}")


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize(
    ("interrupt", "xdist"),
    [("ctrl-c to the process group", False), ("SIGTERM to the controller", True)],
)
def test_an_interrupted_run_leaves_no_store_container_or_worker(
    tmp_path: Path, interrupt: str, xdist: bool
) -> None:
    port, run = free_port_block(), uuid.uuid4().hex
    store_dir, ready, log = tmp_path / "seaweedfs", tmp_path / "ready.json", tmp_path / "log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    env.pop("PYTEST_CURRENT_TEST", None)
    env |= {
        cleanup.RUN_ENV: run,
        "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "SEAWEEDFS_DIR": str(store_dir),
        "TESSERA_VAR_DIR": str(tmp_path / "var"),
        "TEST_BUCKET_PREFIX": "interrupted",
        "INTERRUPT_READY_FILE": str(ready),
    }
    command = [sys.executable, "-m", "pytest", "-p", "no:randomly", "-q"]
    command += ["-n", "1"] if xdist else []
    with open(log, "wb") as out:
        inner = subprocess.Popen(
            [*command, "tests/interrupted_run_target.py"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a process group of its own, as a terminal gives it
            # A suite started in the background (`make test &`, some CI runners) inherits
            # SIGINT ignored, and Python then installs no Ctrl-C handler: give the inner
            # run the disposition a terminal would.
            preexec_fn=_default_sigint,
        )
    try:
        started = wait_for_file(ready, inner, log, timeout=150)
        # everything is up, so each check below could fail
        assert port_open(port)
        assert [c.status for c in labelled(run)[0] if c.labels.get("tessera.role") == "job"] == [
            "running"
        ]
        assert alive(started["worker_pid"])

        if xdist:
            inner.send_signal(signal.SIGTERM)
        else:
            os.killpg(inner.pid, signal.SIGINT)
        # the clean-up under a loaded machine is slow (13-41 s seen), but a run that hangs
        # fails here, inside the suite's 300 s per-test limit, with the inner run's log
        try:
            returncode = inner.wait(timeout=120)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the inner run did not end:\n{log.read_text()[-3000:]}") from None

        output = log.read_text()
        assert returncode == pytest.ExitCode.INTERRUPTED, output
        assert [p for p in range(port, port + PORTS) if port_open(p)] == [], output
        assert not store_dir.exists(), output
        assert labelled(run) == ([], []), output
        assert cleanup.processes_of(run) == [], output
        assert not alive(started["worker_pid"])
        assert not alive(started["test_pid"])
    finally:
        if inner.poll() is None:
            os.killpg(inner.pid, signal.SIGKILL)
            inner.wait()
        cleanup.end_of_run(run=run, store=None)  # whatever the inner run left, if it failed
