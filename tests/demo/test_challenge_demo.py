"""The `make run` demo challenge: its evaluation script's metrics, and (slow, with the
Python base image) the whole demo made twice, evaluated by a real worker, on the
leaderboard."""

import json
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from algorithms.jobs.demo import register_demo_algorithm
from algorithms.models import Job
from archives.models import Archive, ArchiveItem
from challenges.demo import DEMO_SLUG, register_demo_challenge
from challenges.demo_evaluation.evaluate import run as evaluate
from challenges.models import Challenge, Evaluation, EvaluationGroundTruth, Method, Submission
from tests.algorithms.test_jobs_support import wait_for
from tests.factories import UserFactory
from workers.demo_algorithm.mha import Volume, write_mha

SPACING = (2.0, 2.0, 2.5)  # 0.01 ml per voxel


def _job(root: Path, pk: str, case: str, mask: np.ndarray, volume_ml: float) -> dict:
    out = root / "input" / pk / "output"
    (out / "images" / "segmentation").mkdir(parents=True)
    write_mha(out / "images" / "segmentation" / "x.mha", Volume(array=mask, spacing=SPACING))
    (out / "results.json").write_text(json.dumps({"body_volume_ml": volume_ml}))
    return {
        "pk": pk,
        "status": "Succeeded",
        "inputs": [{"interface": {"slug": "ct-image"}, "image": {"name": f"{case}.mha"}}],
        "outputs": [
            {"interface": {"slug": "segmentation", "relative_path": "images/segmentation"}},
            {"interface": {"slug": "results-json-file", "relative_path": "results.json"}},
        ],
    }


def test_the_evaluation_computes_dice_and_volume_error_per_case(tmp_path):  # type: ignore[no-untyped-def]
    truth = np.zeros((2, 4, 4), np.uint8)
    truth[:, :2, :] = 1  # 16 voxels = 0.16 ml
    half = np.zeros_like(truth)
    half[:, :1, :] = 1  # 8 voxels, all inside the truth: Dice 2*8/(8+16) = 2/3
    gt = tmp_path / "gt"
    gt.mkdir()
    for case in ("a", "b"):
        write_mha(gt / f"{case}.mha", Volume(array=truth, spacing=SPACING))
    jobs = [
        _job(tmp_path, "job-b", "b", half, 0.10),
        _job(tmp_path, "job-a", "a", truth, 0.16),
    ]
    (tmp_path / "input" / "predictions.json").write_text(json.dumps(jobs))
    (tmp_path / "output").mkdir()

    evaluate(input_dir=tmp_path / "input", ground_truth=gt, output=tmp_path / "output")

    metrics = json.loads((tmp_path / "output" / "metrics.json").read_text())
    assert metrics["results"] == [
        {"case": "a", "dice": 1.0, "volume_error_ml": 0.0},
        {"case": "b", "dice": 0.666667, "volume_error_ml": 0.06},
    ]
    assert metrics["aggregates"] == {
        # over the rounded per-case values: std of (1, 0.666667) = 0.1666665
        "dice": {"mean": 0.833333, "std": 0.166666},
        "volume_error_ml": {"mean": 0.03, "std": 0.03},
    }


@pytest.mark.slow
def test_the_demo_challenge_is_made_once_and_its_submission_reaches_the_leaderboard(
    transactional_db,
):  # type: ignore[no-untyped-def]
    """Builds the Python base once per machine (about a minute, then cached by Docker).
    As in `make run`, the worker starts after the start-up steps."""
    from celery.contrib.testing.worker import start_worker

    from app.celery import celery_app

    celery_app.control.purge()
    User.objects.create_superuser("admin", "admin@localhost", "pw")
    lines: list[str] = []
    assert register_demo_algorithm(log=lines.append) is not None
    first = register_demo_challenge(log=lines.append)
    second = register_demo_challenge(log=lines.append)

    assert first is not None and second is not None and first.pk == second.pk
    assert Challenge.objects.count() == 1
    assert (first.slug, first.hidden, first.access_request_handling) == (
        DEMO_SLUG,
        False,
        Challenge.AccessRequestHandling.ACCEPT_ALL,
    )
    [phase] = first.phases.all()
    hidden = Archive.objects.get(pk=str(phase.archive_id))
    assert hidden.title == "Demo challenge: hidden cases"
    assert ArchiveItem.objects.filter(archive=hidden).count() == 3
    assert Method.objects.filter(phase=phase, status="Valid", is_active=True).count() == 1
    assert EvaluationGroundTruth.objects.filter(phase=phase, status="Valid").count() == 1
    [submission] = Submission.objects.filter(phase=phase)
    assert submission.jobs.count() == 3

    with start_worker(
        celery_app,
        pool="threads",
        concurrency=2,
        perform_ping_check=False,
        queues=settings.CELERY_TASK_QUEUES_NAMES,
        shutdown_timeout=60,
    ):
        wait_for(
            lambda: Evaluation.objects.filter(status__in=Evaluation.FINAL).exists(),
            timeout=240,
            what="the demo evaluation",
        )
    evaluation = Evaluation.objects.get()
    assert evaluation.status == Evaluation.Status.SUCCESS, evaluation.error_message
    assert set(submission.jobs.values_list("status", flat=True)) == {Job.Status.SUCCEEDED}
    metrics = evaluation.metrics
    assert metrics is not None
    assert [r["case"] for r in metrics["results"]] == ["demo-ct-101", "demo-ct-102", "demo-ct-103"]
    # the demo algorithm finds exactly the body the generator drew
    assert metrics["aggregates"]["dice"] == {"mean": 1.0, "std": 0.0}
    assert metrics["aggregates"]["volume_error_ml"]["mean"] <= 0.001

    # a brand-new user joins at once and sees the leaderboard
    newcomer: User = UserFactory()  # type: ignore[assignment]
    client = APIClient()
    client.force_authenticate(newcomer)
    [row] = client.get("/api/v1/evaluations/", {"submission__phase": str(phase.pk)}).json()[
        "results"
    ]
    assert (row["rank"], row["status"]) == (1, "Succeeded")
