"""What `/health/` reports: each part Tessera runs on, probed with a short timeout.

Reads only; messages name the failure without addresses or credentials, since the
page is public (load balancers call it without signing in).
"""

import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

PROBE_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str
    ms: int


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "answers"


def _broker() -> str:
    from kombu import Connection

    with Connection(
        settings.CELERY_BROKER_URL,
        transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        connect_timeout=PROBE_TIMEOUT_S,
    ) as conn:
        conn.ensure_connection(max_retries=1, timeout=PROBE_TIMEOUT_S)
    return "answers"


def _object_store() -> str:
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "s3",
        endpoint_url=settings.AWS_S3_ENDPOINT_URL,
        aws_access_key_id=settings.AWS_ACCESS_KEY_ID,
        aws_secret_access_key=settings.AWS_SECRET_ACCESS_KEY,
        region_name=settings.AWS_S3_REGION_NAME,
        config=Config(
            connect_timeout=PROBE_TIMEOUT_S,
            read_timeout=PROBE_TIMEOUT_S,
            retries={"max_attempts": 1},
            s3={"addressing_style": settings.AWS_S3_ADDRESSING_STYLE},
        ),
    )
    for name in settings.BUCKETS.values():
        client.head_bucket(Bucket=name)
    return f"{len(settings.BUCKETS)} buckets answer"


def _docker() -> str:
    import docker

    client = docker.DockerClient(base_url=settings.DOCKER_BASE_URL, timeout=PROBE_TIMEOUT_S)
    try:
        client.ping()
    finally:
        client.close()
    return "answers"


def _workers() -> str:
    from app.celery import celery_app

    replies = celery_app.control.ping(timeout=1.0)
    if not replies:
        raise RuntimeError("no worker answered a ping in 1s")
    return f"{len(replies)} answered"


PROBES: dict[str, Callable[[], str]] = {
    "database": _database,
    "broker": _broker,
    "object_store": _object_store,
    "docker": _docker,
    "workers": _workers,
}


def _run(probe: Callable[[], str]) -> Check:
    started = time.monotonic()
    try:
        detail, ok = probe(), True
    except Exception as e:  # any failure of a probe is the answer, not an error
        first_line = str(e).splitlines()[0] if str(e) else ""
        detail, ok = f"{type(e).__name__}: {first_line}"[:200], False
    return Check(ok=ok, detail=detail, ms=round((time.monotonic() - started) * 1000))


def _hide_addresses(detail: str) -> str:
    """No hosts, ports or credentials on a public page."""
    return re.sub(r"[\w.+-]*://\S+|\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b", "<address>", detail)


def health() -> tuple[bool, dict]:
    """(all required parts up, the report). Probes run at once, each bounded."""
    checks: dict[str, Check] = {"database": _run(_database)}  # this thread's connection
    pool = ThreadPoolExecutor(max_workers=len(PROBES))
    try:
        futures = {
            name: pool.submit(_run, probe) for name, probe in PROBES.items() if name != "database"
        }
        deadline = time.monotonic() + PROBE_TIMEOUT_S + 3
        for name, future in futures.items():
            try:
                checks[name] = future.result(timeout=max(0, deadline - time.monotonic()))
            except FutureTimeout:
                checks[name] = Check(ok=False, detail="no answer in time", ms=-1)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # never wait on a hung probe
    required = set(settings.HEALTH_REQUIRED)
    healthy = all(check.ok for name, check in checks.items() if name in required)
    report = {
        "status": "ok" if healthy else "unavailable",
        "checks": {
            name: {
                "ok": check.ok,
                "required": name in required,
                "detail": _hide_addresses(check.detail),
                "ms": check.ms,
            }
            for name, check in checks.items()
        },
    }
    return healthy, report
