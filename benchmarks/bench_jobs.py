"""Job overhead and throughput on this machine (not a test: figures, no assertions).

1. API POST -> Succeeded of a trivial job, against a bare `docker run` of the same
   image in the same run: median of N, as a ratio and a difference (target <= 1.0 s).
2. 100 queued trivial jobs drained by 2 worker processes: jobs per minute (target >= 60).

Runs on a scratch PostgreSQL database `<DATABASE_URL name>_bench_jobs` (created and
migrated here), Redis db 9 as broker, the SeaweedFS object store and Docker; the
workers are real `celery worker` subprocesses on `jobs-cpu`.

    python -m benchmarks.bench_jobs [--runs 7] [--jobs 100]
"""

import argparse
import os
import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRIVIAL = "echo '{\"ok\": true}' > /output/results.json 2>/dev/null || true\n"


def _setup_env(database_suffix: str = "_bench_jobs") -> dict[str, str]:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tessera")
    env = {
        "DATABASE_URL": base.rsplit("/", 1)[0] + "/" + base.rsplit("/", 1)[1] + database_suffix,
        "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/9"),
        "DJANGO_SETTINGS_MODULE": "app.settings",
        "BUCKET_PRIVATE": "bench-private",
        "BUCKET_PROTECTED": "bench-protected",
        "BUCKET_PUBLIC": "bench-public",
        "BUCKET_UPLOADS": "bench-uploads",
        "AWS_S3_ENDPOINT_URL": os.environ.get("AWS_S3_ENDPOINT_URL", "http://127.0.0.1:18333"),
        "TESSERA_VAR_DIR": str(ROOT / "var" / "test"),
        "SEAWEEDFS_DIR": str(ROOT / "var" / "test" / "seaweedfs"),
    }
    os.environ.update(env)
    return env


def _create_database(url: str) -> None:
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def _workers(n: int, env: dict[str, str], queue: str = "jobs-cpu") -> list[subprocess.Popen]:
    """Solo workers; their log (warnings and errors) goes to var/bench/worker-<i>.log."""
    from workers.devtools import solo_worker_command

    logs = ROOT / "var" / "bench"
    logs.mkdir(parents=True, exist_ok=True)
    return [
        subprocess.Popen(
            solo_worker_command(queue=queue, name=f"bench{i}@%h"),
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=open(logs / f"worker-{i}.log", "ab"),  # the child process keeps it open
        )
        for i in range(n)
    ]


def _stop(workers: list[subprocess.Popen]) -> None:
    for w in workers:
        w.terminate()
    for w in workers:
        try:
            w.wait(timeout=30)
        except subprocess.TimeoutExpired:
            w.kill()


def _fixture():  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import User

    from algorithms.models import Algorithm, AlgorithmImage, AlgorithmInterface
    from app.permissions import add_member, create_role_groups
    from components.models import ComponentInterface
    from workers.images.busybox import build_busybox_image
    from workers.images.tarballs import store_image_tarball

    user, _ = User.objects.get_or_create(username="bench-jobs")
    image_id = build_busybox_image(script=TRIVIAL, tag="tessera-bench/trivial")
    ref = store_image_tarball(image=image_id)
    algorithm = Algorithm.objects.create(
        title=f"Bench trivial {time.time_ns()}",
        time_limit=60,
        memory_limit_gb=1,
        max_active_jobs_per_user=1000,
    )
    create_role_groups(
        obj=algorithm,
        roles={"editors": Algorithm.EDITOR_PERMISSIONS, "users": Algorithm.USER_PERMISSIONS},
    )
    add_member(obj=algorithm, role="editors", user=user)
    interface = AlgorithmInterface.objects.create(algorithm=algorithm)
    interface.inputs.set(ComponentInterface.objects.filter(slug="probability"))
    interface.outputs.set(ComponentInterface.objects.filter(slug="results-json-file"))
    AlgorithmImage.objects.create(
        algorithm=algorithm,
        image=ref.storage_key,
        image_sha256=ref.sha256,
        status="Valid",
        is_active=True,
    )
    return user, algorithm, image_id


def _wait_final(pks: list, timeout: float = 900) -> None:
    from algorithms.models import Job

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if Job.objects.filter(pk__in=pks, status__in=Job.FINAL_STATUSES).count() == len(pks):
            return
        time.sleep(0.05)
    raise TimeoutError("jobs did not finish")


def bench_overhead(user, algorithm, image_id: str, runs: int, env: dict) -> dict:  # type: ignore[no-untyped-def]
    from rest_framework.test import APIClient

    from algorithms.models import Job

    client = APIClient(SERVER_NAME="127.0.0.1")
    client.force_authenticate(user)
    body = {"algorithm": str(algorithm.pk), "inputs": [{"interface": "probability", "value": 0.5}]}
    workers = _workers(1, env)
    api, bare = [], []
    try:
        time.sleep(3)  # worker start-up is not part of a job
        for i in range(runs + 1):  # the first run loads the image into the engine: warm-up
            t0 = time.perf_counter()
            response = client.post("/api/v1/algorithms/jobs/", body, format="json")
            assert response.status_code == 201, response.content
            pk = response.json()["pk"]
            _wait_final([pk])
            elapsed = time.perf_counter() - t0
            status = Job.objects.get(pk=pk).status
            if status != "Succeeded":
                raise RuntimeError(f"bench job {pk} ended {status}")
            t0 = time.perf_counter()
            subprocess.run(
                ["docker", "run", "--rm", "--network", "none", image_id],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,  # no /output outside the platform: expected
            )
            bare_elapsed = time.perf_counter() - t0
            if i:
                api.append(elapsed)
                bare.append(bare_elapsed)
    finally:
        _stop(workers)
    api_m, bare_m = statistics.median(api), statistics.median(bare)
    return {
        "runs": runs,
        "api_post_to_succeeded_median_s": round(api_m, 3),
        "bare_docker_run_median_s": round(bare_m, 3),
        "difference_s": round(api_m - bare_m, 3),
        "ratio": round(api_m / bare_m, 2),
    }


def bench_throughput(user, algorithm, n_jobs: int, env: dict) -> dict:  # type: ignore[no-untyped-def]
    from algorithms.jobs.inputs import InputSpec
    from algorithms.jobs.services import job_create
    from algorithms.models import Job
    from components.models import ComponentInterface

    socket = ComponentInterface.objects.get(slug="probability")
    pks = []
    for i in range(n_jobs):  # queued before any worker runs
        job, _ = job_create(
            creator=user, algorithm=algorithm, specs=[InputSpec(socket=socket, value=i / n_jobs)]
        )
        pks.append(job.pk)
    workers = _workers(2, env)
    try:
        _wait_final(pks)
    finally:
        _stop(workers)
    jobs = list(Job.objects.filter(pk__in=pks))
    first = min(j.status_history[1]["at"] for j in jobs)  # first Provisioning
    from datetime import datetime

    start = datetime.fromisoformat(first)
    end = max(j.completed for j in jobs if j.completed)
    seconds = (end - start).total_seconds()
    ok = sum(1 for j in jobs if j.status == "Succeeded")
    return {
        "jobs": n_jobs,
        "succeeded": ok,
        "workers": 2,
        "drain_s": round(seconds, 2),
        "jobs_per_minute": round(n_jobs / seconds * 60, 1),
    }


def run(runs: int = 7, n_jobs: int = 100) -> dict:
    env = _setup_env()
    _create_database(env["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    from app import objectstore
    from app.celery import celery_app

    objectstore.ensure_running()
    call_command("migrate", verbosity=0)
    celery_app.control.purge()
    user, algorithm, image_id = _fixture()
    return {
        "overhead": bench_overhead(user, algorithm, image_id, runs, env),
        "throughput": bench_throughput(user, algorithm, n_jobs, env),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--jobs", type=int, default=100)
    args = parser.parse_args()
    import json

    print(json.dumps(run(runs=args.runs, n_jobs=args.jobs), indent=2))


if __name__ == "__main__":
    main()
