"""The platform as `make run` serves it, for API benchmarks: gunicorn over HTTPS (same
worker class, workers and threads as app/run.py), a Celery worker for the conversion
queues, SeaweedFS, and a scratch database (a fresh SQLite file for the embedded default,
a fresh PostgreSQL database otherwise). Call `configure()` before Django is set up.
"""

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var" / "bench"
QUEUES = "default,images"  # conversions; jobs stay Queued (no container is run here)


def configure(database: str, name: str = "api") -> dict[str, str]:
    """Environment for one bench stack; `database` is "sqlite" or "postgres"; `name`
    keeps each benchmark's files, database and buckets apart."""
    var = VAR / f"{name}-{database}"
    var.mkdir(parents=True, exist_ok=True)
    if database == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (var / f"tessera.sqlite3{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{var / 'tessera.sqlite3'}"
    else:
        base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tessera")
        url = base + f"_bench_{name}"
        _recreate_postgres(url)
    env = {
        "DJANGO_SETTINGS_MODULE": "app.settings",
        "DATABASE_URL": url,
        "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/8"),
        "AWS_S3_ENDPOINT_URL": os.environ.get("BENCH_S3_ENDPOINT_URL", "http://127.0.0.1:18700"),
        "SEAWEEDFS_DIR": str(VAR / "seaweedfs"),
        "TESSERA_VAR_DIR": str(var),
        "SECRET_KEY": "bench-only-secret-key-0123456789-0123456789-0123456789",
        **{
            f"BUCKET_{b.upper()}": f"bench-{name}-{b}"
            for b in ("private", "protected", "public", "uploads")
        },
    }
    os.environ.update(env)
    return env


def _recreate_postgres(url: str) -> None:
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def stop_object_store(timeout: float = 60) -> None:
    """Stop the bench's SeaweedFS and wait until it is gone: it drains for ~10 s after
    SIGTERM, and one started meanwhile on the same ports exits at once (code 255)."""
    import signal

    pid_file = VAR / "seaweedfs" / "weed.pid"
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text())
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.2)
    else:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Stack:
    api_url: str
    ca_file: Path


def _stop(processes: list[subprocess.Popen]) -> None:
    for p in processes:
        if p.poll() is None:
            p.terminate()
    for p in processes:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


@contextlib.contextmanager
def serving(env: dict[str, str]) -> Iterator[Stack]:
    """gunicorn (HTTPS) and a Celery worker; both stopped on the way out."""
    import httpx
    from django.conf import settings

    from app.tls import ensure_certificates

    tls = ensure_certificates(VAR / "tls")
    port = free_port()
    log = open(Path(env["TESSERA_VAR_DIR"]) / "servers.log", "ab")  # noqa: SIM115
    child_env = {**os.environ, **env}
    processes: list[subprocess.Popen] = []
    try:
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "app.wsgi:application",
                    "--worker-class=gthread",
                    f"--workers={settings.RUN_WEB_WORKERS}",
                    "--threads=4",
                    "--no-control-socket",
                    "--access-logfile=-",
                    "--access-logformat=%(m)s %(U)s %(s)s %(D)sus",
                    f"--bind=127.0.0.1:{port}",
                    f"--certfile={tls.cert}",
                    f"--keyfile={tls.key}",
                ],
                cwd=ROOT,
                env=child_env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "app",
                    "worker",
                    "-Q",
                    QUEUES,
                    "-l",
                    "warning",
                ],
                cwd=ROOT,
                env=child_env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        api = Stack(api_url=f"https://127.0.0.1:{port}/api/v1/", ca_file=tls.ca)
        deadline = time.monotonic() + 90
        while True:  # the port opens before gunicorn's workers have loaded the app
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(api.api_url + "gcapi/", verify=str(tls.ca), timeout=5).is_success:
                    break
            if any(p.poll() is not None for p in processes) or time.monotonic() > deadline:
                raise RuntimeError(f"bench servers did not start; see {log.name}")
            time.sleep(0.2)
        yield api
    finally:
        _stop(processes)
        log.close()
