"""Services enqueue tasks by name: the first lookups in a fresh web process, made by many
threads at once, all find their task (a load bench once got 500s from a lookup that ran
while another thread was still importing the tasks module)."""

import subprocess
import sys
from pathlib import Path

import pytest
from celery.exceptions import NotRegistered
from django.conf import settings

from app.tasks import registered_task

FRESH_PROCESS = """
import os, threading, django
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
django.setup()
from app.tasks import registered_task
names = [
    "algorithms.tasks.execute_job", "cases.tasks.build_images_for_session",
    "challenges.tasks.execute_evaluation", "workers.tasks.stop_job_containers",
] * 8
barrier = threading.Barrier(len(names))
failures = []
def look_up(name):
    barrier.wait()
    try:
        assert registered_task(name).name == name
    except Exception as e:
        failures.append(f"{name}: {e!r}")
threads = [threading.Thread(target=look_up, args=(n,)) for n in names]
[t.start() for t in threads]
[t.join() for t in threads]
print("FAILURES", failures)
"""


def test_concurrent_first_lookups_in_a_fresh_process_all_find_their_task() -> None:
    for _ in range(3):
        result = subprocess.run(
            [sys.executable, "-c", FRESH_PROCESS],
            cwd=Path(settings.BASE_DIR),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        assert "FAILURES []" in result.stdout, result.stdout[-2000:]


def test_an_unknown_task_name_is_refused_where_it_is_enqueued() -> None:
    with pytest.raises(NotRegistered):
        registered_task("algorithms.tasks.no_such_task")
    with pytest.raises(NotRegistered):
        registered_task("no_such_app.tasks.run")
