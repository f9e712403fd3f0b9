"""An algorithm-phase evaluation container sees GC's layout: /input/predictions.json listing
the jobs, each job's outputs at /input/<job pk>/output/<relative path>, /input/inputs.json.

The submission creates one job per hidden case; they are settled here as the job runner
leaves them (Succeeded, with stored outputs); test_algorithm_submission runs them for real."""

import pytest

from algorithms.models import AlgorithmInterface, Job
from archives.models import ArchiveItem
from archives.services import archive_create, archive_item_create
from challenges import services
from challenges.execution import evaluation_execute
from challenges.models import Evaluation, Phase
from challenges.sweep import settle_stuck_evaluations
from challenges.validation import validate_method
from components.models import ComponentInterface
from components.services import socket_value_create
from tests.algorithms import images
from tests.algorithms.factories import make_algorithm
from tests.archives.helpers import stored_image
from tests.cases.helpers import completed_upload
from tests.challenges.helpers import make_challenge, participant, valid_algorithm_image

pytestmark = pytest.mark.django_db

LISTING = """\
set -e
seen=$(find /input -type f | sort | tr '\\n' ' ')
printf '{"dice": 1, "seen": "%s", "predictions": %s, "inputs": %s}' \\
  "$seen" "$(cat /input/predictions.json)" "$(cat /input/inputs.json)" > /output/metrics.json
"""


def _set_up(user, tmp_path):  # type: ignore[no-untyped-def]
    challenge = make_challenge(user)
    ann = participant(challenge, "ann")
    algorithm = make_algorithm(creator=ann, title="Ann's nodules")
    interface = AlgorithmInterface.objects.get(algorithm=algorithm)
    ct, results = (
        ComponentInterface.objects.get(slug=s) for s in ("ct-image", "results-json-file")
    )
    archive = archive_create(creator=user, title="Hidden")
    for n in (1, 2):
        item = archive_item_create(archive=archive, title=f"case {n}")
        item.values.add(socket_value_create(socket=ct, image=stored_image(name=f"case_00{n}.mha")))
    phase = services.phase_save(
        challenge=challenge,
        actor=user,
        fields={
            "title": "Algo",
            "submission_kind": Phase.SubmissionKind.ALGORITHM,
            "archive": archive,
            "score_jsonpath": "dice",
        },
        algorithm_interfaces=[interface],
    )
    data = images.saved(
        images.good_image(tag="tessera-tests/eval-jobs", script=LISTING), tmp_path / "e.tar.gz"
    )
    method = services.method_create(
        phase=phase,
        creator=user,
        user_upload=completed_upload(user=user, filename="e.tar.gz", data=data),
    )
    validate_method(method_pk=str(method.pk))
    phase = services.phase_save(
        challenge=challenge,
        actor=user,
        phase=phase,
        fields={"submissions_limit_per_user_per_period": 3},
    )
    image = valid_algorithm_image(algorithm, "sha256:" + "d" * 64)
    submission = services.submission_create(phase=phase, creator=ann, algorithm_image=image)
    jobs = sorted(submission.jobs.all(), key=lambda j: j.inputs.get().image.name)  # type: ignore[union-attr]
    assert [(j.algorithm_image, j.creator, j.status) for j in jobs] == [
        (image, None, Job.Status.QUEUED)
    ] * 2
    for n, job in enumerate(jobs, start=1):
        job.outputs.add(socket_value_create(socket=results, value={"case": n, "nodules": n * 2}))
    return submission, jobs


def _finish(job: Job, status: str, error: str = "") -> None:
    Job.objects.filter(pk=job.pk).update(status=status, error_message=error)


def test_the_container_sees_gcs_layout_for_an_algorithm_phase(user, tmp_path):
    submission, (a, b) = _set_up(user, tmp_path)
    evaluation = submission.evaluations.get()
    assert evaluation.status == Evaluation.Status.EXECUTING_PREREQUISITES  # waits for its jobs
    _finish(a, Job.Status.SUCCEEDED)
    services.evaluation_jobs_settle(evaluation_pk=evaluation.pk)
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.EXECUTING_PREREQUISITES  # b still queued
    _finish(b, Job.Status.SUCCEEDED)
    services.evaluation_jobs_settle(evaluation_pk=evaluation.pk)
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.PENDING  # queued for the evaluation task
    evaluation_execute(evaluation_pk=evaluation.pk)
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.SUCCESS, evaluation.error_message
    metrics = evaluation.metrics
    assert metrics is not None
    assert (
        metrics["seen"]
        == " ".join(
            sorted(
                [
                    f"/input/{a.pk}/output/results.json",
                    f"/input/{b.pk}/output/results.json",
                    "/input/inputs.json",
                    "/input/predictions.json",
                ]
            )
        )
        + " "
    )
    entries = {e["pk"]: e for e in metrics["predictions"]}
    assert set(entries) == {str(a.pk), str(b.pk)}
    entry = entries[str(a.pk)]
    assert entry["status"] == "Succeeded"
    assert [(i["interface"]["slug"], i["image"]["name"]) for i in entry["inputs"]] == [
        ("ct-image", "case_001.mha")
    ]
    assert [
        (o["interface"]["slug"], o["interface"]["relative_path"], o["value"])
        for o in entry["outputs"]
    ] == [("results-json-file", "results.json", {"case": 1, "nodules": 2})]
    # inputs.json: predictions.json's value first, then every job output
    assert [i["interface"]["slug"] for i in metrics["inputs"]] == [
        "predictions-json-file",
        "results-json-file",
        "results-json-file",
    ]
    assert evaluation.input_prefixes == {
        str(o.pk): f"{j.pk}/output/" for j in (a, b) for o in j.outputs.all()
    }


def test_a_failed_job_fails_the_evaluation_naming_it(user, tmp_path):
    submission, (a, _) = _set_up(user, tmp_path)
    _finish(a, Job.Status.FAILED, "Segmentation fault")
    evaluation = submission.evaluations.get()
    services.evaluation_jobs_settle(evaluation_pk=evaluation.pk)  # b still queued: fails now
    evaluation.refresh_from_db()
    item = ArchiveItem.objects.get(title="case 1")
    assert (evaluation.status, evaluation.error_message) == (
        Evaluation.Status.FAILURE,
        f"The algorithm failed on case 'case 1' ({item.pk}): Segmentation fault",
    )


def test_a_rerun_after_the_jobs_finished_is_queued_at_once(user, tmp_path):
    submission, (a, b) = _set_up(user, tmp_path)
    for job in (a, b):
        _finish(job, Job.Status.SUCCEEDED)
    services.evaluation_jobs_settle(evaluation_pk=submission.evaluations.get().pk)
    rerun = services.evaluation_rerun(submission=submission, actor=user)
    assert rerun.status == Evaluation.Status.PENDING
    assert list(submission.jobs.order_by("pk")) == sorted([a, b], key=lambda j: j.pk)


def test_the_sweep_settles_an_evaluation_whose_job_signal_was_lost(user, tmp_path):
    submission, (a, b) = _set_up(user, tmp_path)
    # updated behind the signal's back, as if the worker died after its commit
    _finish(a, Job.Status.SUCCEEDED)
    _finish(b, Job.Status.SUCCEEDED)
    evaluation = submission.evaluations.get()
    assert evaluation.status == Evaluation.Status.EXECUTING_PREREQUISITES
    assert settle_stuck_evaluations() == []  # not stuck: just never told
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.PENDING
