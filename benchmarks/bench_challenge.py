"""An algorithm phase end to end against bare `docker run`s (not a test: figures only).

Compared, in the same run on the same machine:
- platform: `POST .../submissions/` of an algorithm image to a phase with 20 hidden cases
  -> 20 jobs (2 worker processes, `celery --pool solo`, queues jobs-cpu and default) ->
  the evaluation container over their outputs -> the result ranked on the leaderboard
  (wall clock from the POST until the evaluation has rank > 0);
- bare: the same 21 containers (20 of the algorithm image, each with its case's
  /input/probability.json and an /output mount, then the evaluation image with 20 job
  outputs under /input/<job>/output/) by `docker run --rm --network none`, one after the
  other (wall clock of the 21 runs).
The ratio platform / bare is the figure (target <= 1.0x). A warm-up submission to a
one-case phase goes first so that neither side pays for first use of the images. The
host's load average is reported with it: on a shared host, compare ratios of runs at a
similar load. `steps` says where the platform's time went: the median seconds of each
job status (from the jobs' status history), when the first job began after the
submission, and the evaluation's wait and run.

Scratch PostgreSQL database `<DATABASE_URL name>_bench_challenge`, the broker of
BENCH_BROKER_URL (default Redis db 9), the SeaweedFS at AWS_S3_ENDPOINT_URL (started
here with its data under var/bench/seaweedfs when none answers) and Docker.

    python -m benchmarks.bench_challenge [--cases 20]
"""

import argparse
import itertools
import json
import os
import statistics
import subprocess
import tempfile
import time
from datetime import datetime
from pathlib import Path

from benchmarks.bench_jobs import TRIVIAL, _create_database, _setup_env, _stop, _workers

EVALUATE = """\
n=$(ls /input/*/output/results.json | wc -l)
printf '{"cases": %s}' "$n" > /output/metrics.json
"""


def _fixture(cases: int):  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import User

    from algorithms.models import Algorithm, AlgorithmImage, AlgorithmInterface
    from app.permissions import add_member, create_role_groups
    from archives.services import archive_create, archive_item_create
    from challenges import services
    from challenges.models import Method, Phase
    from components.models import ComponentInterface
    from components.services import socket_value_create
    from workers.images.busybox import build_busybox_image
    from workers.images.tarballs import store_image_tarball

    stamp = time.time_ns()
    admin, _ = User.objects.get_or_create(username="bench-organiser")
    ann, _ = User.objects.get_or_create(username="bench-participant")
    algorithm_image = build_busybox_image(script=TRIVIAL, tag="tessera-bench/trivial")
    evaluation_image = build_busybox_image(script=EVALUATE, tag="tessera-bench/evaluate")
    algorithm_ref = store_image_tarball(image=algorithm_image)
    evaluation_ref = store_image_tarball(image=evaluation_image)
    probability = ComponentInterface.objects.get(slug="probability")

    def new_algorithm(title: str) -> tuple[AlgorithmInterface, AlgorithmImage]:
        # one algorithm per phase: an algorithm holds an image (sha256) once, and a phase
        # refuses the same image twice
        algorithm = Algorithm.objects.create(
            title=f"Bench challenge {title} {stamp}",
            time_limit=60,
            memory_limit_gb=1,
            max_active_jobs_per_user=1000,
        )
        create_role_groups(
            obj=algorithm,
            roles={"editors": Algorithm.EDITOR_PERMISSIONS, "users": Algorithm.USER_PERMISSIONS},
        )
        add_member(obj=algorithm, role="editors", user=ann)
        interface = AlgorithmInterface.objects.create(algorithm=algorithm)
        interface.inputs.set([probability])
        interface.outputs.set(ComponentInterface.objects.filter(slug="results-json-file"))
        image = AlgorithmImage.objects.create(
            algorithm=algorithm,
            image=algorithm_ref.storage_key,
            image_sha256=algorithm_ref.sha256,
            status="Valid",
            is_active=True,
        )
        return interface, image

    challenge = services.challenge_create(creator=admin, slug=f"bench-{stamp}")
    add_member(obj=challenge, role="participants", user=ann)

    def phase(title: str, n: int) -> tuple[Phase, AlgorithmImage]:
        interface, image = new_algorithm(title)
        archive = archive_create(creator=admin, title=f"{title} {stamp}")
        for i in range(n):
            item = archive_item_create(archive=archive, title=f"case {i}")
            item.values.add(socket_value_create(socket=probability, value=i / max(n, 1)))
        p = services.phase_save(
            challenge=challenge,
            actor=admin,
            fields={
                "title": title,
                "submission_kind": Phase.SubmissionKind.ALGORITHM,
                "archive": archive,
                "score_jsonpath": "cases",
                "algorithm_time_limit": 300,
                "evaluation_time_limit": 300,
                "evaluation_requires_memory_gb": 1,
            },
            algorithm_interfaces=[interface],
        )
        Method.objects.create(
            phase=p,
            image=evaluation_ref.storage_key,
            sha256=evaluation_ref.sha256,
            status=Method.Status.VALID,
            is_active=True,
        )
        opened = services.phase_save(
            challenge=challenge,
            actor=admin,
            phase=p,
            fields={"submissions_limit_per_user_per_period": 10},
        )
        return opened, image

    return ann, phase("Warm-up", 1), phase("Final", cases), algorithm_image, evaluation_image


def _submit_and_wait(ann, phase, image, timeout: float = 900) -> float:  # type: ignore[no-untyped-def]
    from rest_framework.test import APIClient

    from challenges.models import Evaluation

    client = APIClient(SERVER_NAME="127.0.0.1")
    client.force_authenticate(ann)
    url = f"/api/v1/challenges/{phase.challenge.slug}/phases/{phase.slug}/submissions/"
    image_url = f"http://127.0.0.1/api/v1/algorithms/images/{image.pk}/"
    t0 = time.perf_counter()
    response = client.post(url, {"algorithm_image": image_url}, format="json")
    assert response.status_code == 201, response.content
    pk = response.json()["pk"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        evaluation = Evaluation.objects.filter(submission_id=pk).first()
        if evaluation and evaluation.status in Evaluation.FINAL:
            if evaluation.status != Evaluation.Status.SUCCESS or evaluation.rank < 1:
                raise RuntimeError(
                    f"bench evaluation ended {evaluation.get_status_display()}: "
                    f"{evaluation.error_message}"
                )
            return time.perf_counter() - t0
        time.sleep(0.05)
    raise TimeoutError("the evaluation did not finish")


def _steps(phase) -> dict:  # type: ignore[no-untyped-def]
    """Where the platform's time went on the phase's latest submission (see the docstring)."""
    from challenges.models import Submission

    submission = Submission.objects.filter(phase=phase).latest("created")
    per_status: dict[str, list[float]] = {}
    began, ended = [], []
    for job in submission.jobs.all():
        history = [(h["status"], datetime.fromisoformat(h["at"])) for h in job.status_history]
        for (status, at), (_, next_at) in itertools.pairwise(history):
            per_status.setdefault(status, []).append((next_at - at).total_seconds())
        began.append(history[1][1])
        ended.append(history[-1][1])
    evaluation = submission.evaluations.get()
    started, completed = evaluation.started_at, evaluation.completed_at
    assert started is not None and completed is not None  # it ranked: it ran
    return {
        "job_status_median_s": {
            status: round(statistics.median(seconds), 3)
            for status, seconds in per_status.items()
            if status != "Queued"  # waiting for a free worker
        },
        "submission_to_first_job_s": round((min(began) - submission.created).total_seconds(), 2),
        "last_job_to_evaluation_start_s": round((started - max(ended)).total_seconds(), 2),
        "evaluation_run_s": round((completed - started).total_seconds(), 2),
    }


def _docker_run(image: str, mounts: list[tuple[Path, str, str]]) -> None:
    command = ["docker", "run", "--rm", "--network", "none"]
    for source, target, mode in mounts:
        command += ["-v", f"{source}:{target}:{mode}"]
    subprocess.run([*command, image], check=True, stdout=subprocess.DEVNULL)


def _bare(cases: int, algorithm_image: str, evaluation_image: str) -> float:
    """The same containers back to back on the same inputs, staged beforehand (untimed)."""
    with tempfile.TemporaryDirectory(prefix="bench-challenge-") as work:
        root = Path(work)
        runs = []
        for i in range(cases):
            inputs, outputs = root / f"in-{i}", root / "eval-in" / f"job-{i}" / "output"
            inputs.mkdir()
            outputs.mkdir(parents=True)
            (inputs / "probability.json").write_text(json.dumps(i / cases))
            (inputs / "inputs.json").write_text("[]")
            outputs.chmod(0o777)  # the container runs as user 1000
            runs.append((inputs, outputs))
        (root / "eval-in" / "predictions.json").write_text("[]")
        evaluation_out = root / "eval-out"
        evaluation_out.mkdir()
        evaluation_out.chmod(0o777)
        t0 = time.perf_counter()
        for inputs, outputs in runs:
            _docker_run(algorithm_image, [(inputs, "/input", "ro"), (outputs, "/output", "rw")])
        _docker_run(
            evaluation_image,
            [(root / "eval-in", "/input", "ro"), (evaluation_out, "/output", "rw")],
        )
        elapsed = time.perf_counter() - t0
        metrics = json.loads((evaluation_out / "metrics.json").read_text())
        if metrics != {"cases": cases}:
            raise RuntimeError(f"the bare evaluation saw {metrics}")
        return elapsed


def run(cases: int = 20, workers: int = 2) -> dict:
    env = _setup_env("_bench_challenge")
    # an object store of its own: a test run sharing var/test/seaweedfs would stop it
    env["SEAWEEDFS_DIR"] = str(Path(__file__).resolve().parent.parent / "var/bench/seaweedfs")
    os.environ.update(env)
    _create_database(env["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    from app import objectstore
    from app.celery import celery_app

    objectstore.ensure_running()
    call_command("migrate", verbosity=0)
    celery_app.control.purge()
    ann, warm_up, final, algorithm_image, evaluation_image = _fixture(cases)
    processes = _workers(workers, env, queue="jobs-cpu,default")
    try:
        time.sleep(3)  # worker start-up is not part of a submission
        warm_up_s = _submit_and_wait(ann, *warm_up)
        load_before = os.getloadavg()[0]
        platform_s = _submit_and_wait(ann, *final)
    finally:
        _stop(processes)
    steps = _steps(final[0])
    load_between = os.getloadavg()[0]
    bare_s = _bare(cases, algorithm_image, evaluation_image)
    load_after = os.getloadavg()[0]
    return {
        "cases": cases,
        "containers": cases + 1,
        "workers": workers,
        "warm_up_one_case_s": round(warm_up_s, 2),
        "platform_submission_to_leaderboard_s": round(platform_s, 2),
        "bare_sequential_docker_runs_s": round(bare_s, 2),
        "ratio": round(platform_s / bare_s, 2),
        # the host's 1-minute load before the platform's run, between the two, after bare
        "load_average": [round(x, 1) for x in (load_before, load_between, load_after)],
        "steps": steps,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    result = run(cases=args.cases, workers=args.workers)
    print(json.dumps(result, indent=2))
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")
    main()
