"""Not part of the suite (the name does not match test_*.py): tests/test_interrupted_run.py
runs it in a pytest of its own and interrupts it while it waits. It starts what tests
start (a job container through the executor, a Celery worker), says so, and waits.

Deliberately without the `finally` every real test has: it stands for a test whose
`finally` never ran (an xdist worker its controller killed), so what is proven is that
the end of the run (tests/cleanup.py) removes everything on its own."""

import json
import os
import subprocess
import threading
import time
import uuid
from pathlib import Path

from workers.devtools import solo_worker_command
from workers.engine import docker_client
from workers.executors.base import ContainerLimits
from workers.executors.docker import JOB_LABEL, DockerExecutor
from workers.images.busybox import build_busybox_image
from workers.images.tarballs import store_image_tarball


def test_starts_a_container_and_a_worker_then_waits(tmp_path: Path) -> None:
    image = store_image_tarball(
        image=build_busybox_image(script="sleep 600", tag="tessera-test/interrupted")
    )
    job_id = f"interrupted-{uuid.uuid4()}"
    limits = ContainerLimits(memory_limit_gb=0.25, time_limit_s=600, pids_limit=64)
    executor = DockerExecutor(job_id=job_id, image=image, limits=limits)
    worker = subprocess.Popen(
        solo_worker_command(queue=f"interrupted-{job_id}"),
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    (tmp_path / "in").mkdir()
    executor.provision(input_dir=tmp_path / "in")
    running = threading.Thread(
        target=executor.execute, kwargs={"output_dir": tmp_path / "out"}, daemon=True
    )
    running.start()
    client = docker_client()
    while not client.containers.list(filters={"label": f"{JOB_LABEL}={job_id}"}):
        time.sleep(0.2)  # running (list() shows running containers only)
    Path(os.environ["INTERRUPT_READY_FILE"]).write_text(
        json.dumps({"worker_pid": worker.pid, "job_id": job_id, "test_pid": os.getpid()})
    )
    time.sleep(600)  # interrupted here
