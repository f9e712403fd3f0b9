"""Development tools for tests and benchmarks; production code never imports this."""

import sys


def solo_worker_command(*, queue: str, name: str = "") -> list[str]:
    """A quiet one-process Celery worker for `queue`, as tests and benchmarks start it."""
    command = [sys.executable, "-m", "celery", "-A", "app", "worker", "-Q", queue]
    command += ["--pool", "solo", "-l", "warning", "--without-heartbeat", "--without-gossip"]
    return command + (["-n", name, "--without-mingle"] if name else [])
