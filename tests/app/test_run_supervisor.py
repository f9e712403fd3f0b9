"""`make run` comes up and stays up: a killed object store is restarted, buckets are
created safely by several processes at once, the broker choice is written down once."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from django.conf import settings
from django.test import override_settings

from app import objectstore

ROOT = Path(__file__).resolve().parents[2]


def _free_port_block(size: int) -> int:
    """A base port with `size` free ports from it (SeaweedFS uses S3 port + 0..9)."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + size > 65000:
            continue
        taken = []
        try:
            for port in range(base, base + size):
                sock = socket.socket()
                taken.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in taken:
                sock.close()
    raise RuntimeError("no block of free ports")


def _weed_pids(data_dir: Path) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if cmdline and cmdline[0].endswith(b"weed") and f"-dir={data_dir}".encode() in cmdline:
            pids.append(int(entry.name))
    return pids


def _s3_answers(endpoint: str) -> bool:
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=settings.AWS_ACCESS_KEY_ID,
        aws_secret_access_key=settings.AWS_SECRET_ACCESS_KEY,
        region_name="us-east-1",
        config=Config(connect_timeout=1, read_timeout=5, retries={"max_attempts": 1}),
    )
    try:
        names = {b["Name"] for b in client.list_buckets()["Buckets"]}
    except Exception:
        return False
    return "tessera-protected" in names


class _Output:
    """Collect a child's combined output in a thread, so waiting never blocks on a pipe."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self.thread.start()

    def _read(self, process: subprocess.Popen) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.append(line)

    @property
    def text(self) -> str:
        return "".join(self.lines)

    def wait_for(self, needle: str, timeout: float, process: subprocess.Popen) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.text:
            if process.poll() is not None:
                raise AssertionError(f"make run exited ({process.returncode}):\n{self.text}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {needle!r} in {timeout}s:\n{self.text}")
            time.sleep(0.5)


@pytest.mark.timeout(600)
def test_a_killed_object_store_is_restarted_and_make_run_says_so(tmp_path):  # type: ignore[no-untyped-def]
    s3_port = _free_port_block(objectstore.PORTS_USED)
    http_port = _free_port_block(2)
    endpoint = f"http://127.0.0.1:{s3_port}"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "SECRET_KEY", "CELERY_BROKER_URL", "SEAWEEDFS_DIR"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "app.settings",
            "TESSERA_VAR_DIR": str(tmp_path),
            "AWS_S3_ENDPOINT_URL": endpoint,
            "RUN_HTTP_PORT": str(http_port),
            "RUN_HTTPS_PORT": str(http_port + 1),
            "RUN_WEB_WORKERS": "1",
            # Its own broker: its worker must not take tasks from this test run's Redis.
            "CELERY_BROKER_URL": "filesystem://",
        }
    )
    for name in ("PRIVATE", "PROTECTED", "PUBLIC", "UPLOADS"):
        env.pop(f"BUCKET_{name}", None)
    run = subprocess.Popen(
        [sys.executable, "-m", "app.run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = _Output(run)
    data_dir = tmp_path / "seaweedfs"
    try:
        output.wait_for("Tessera is running.", 400, run)
        # Start-up state written once, by make run, for every child to read.
        assert (tmp_path / "broker.env").read_text().splitlines()[-1] == (
            "CELERY_BROKER_URL=filesystem://"
        )
        assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
        assert _s3_answers(endpoint)

        [weed] = _weed_pids(data_dir)
        os.kill(weed, signal.SIGKILL)
        output.wait_for("the object store is back at", 120, run)
        assert "the object store exited with code 1; restarting it." in output.text
        assert "weed.log" in output.text  # its log tail is shown with the cause
        assert run.poll() is None
        assert _s3_answers(endpoint)
        [new_weed] = _weed_pids(data_dir)
        assert new_weed != weed
    finally:
        if run.poll() is None:
            run.send_signal(signal.SIGTERM)
            try:
                run.wait(timeout=60)
            except subprocess.TimeoutExpired:
                run.kill()
                run.wait()
        for pid in _weed_pids(data_dir):
            os.kill(pid, signal.SIGKILL)
    assert run.returncode == 0, output.text
    assert _weed_pids(data_dir) == []


def test_buckets_are_created_by_many_processes_at_once_without_error():  # type: ignore[no-untyped-def]
    """Each of 6 threads creates the same 4 fresh buckets: all succeed, all exist."""
    suffix = f"{os.getpid()}-{time.monotonic_ns()}"
    buckets = {kind: f"race-{kind}-{suffix}" for kind in settings.BUCKETS}
    errors: list[BaseException] = []

    def create() -> None:
        try:
            objectstore.ensure_buckets()
        except BaseException as e:  # reported below
            errors.append(e)

    client = objectstore._client()
    try:
        with override_settings(BUCKETS=buckets):
            threads = [threading.Thread(target=create) for _ in range(6)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        assert errors == []
        names = {b["Name"] for b in client.list_buckets()["Buckets"]}
        assert set(buckets.values()) <= names
    finally:
        for name in buckets.values():
            with contextlib.suppress(ClientError):  # a bucket that was never made
                client.delete_bucket(Bucket=name)
