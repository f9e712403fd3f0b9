"""An evaluation container run through the real Docker executor: it sees GC's /input
layout for a predictions phase, and its failures are explained."""

import io
import json
import tarfile

import pytest

from app.storage import bucket_name, s3_client
from challenges import services
from challenges.execution import evaluation_execute
from challenges.models import Evaluation, EvaluationGroundTruth, Method
from challenges.validation import validate_ground_truth, validate_method
from components.models import ComponentInterface
from tests.algorithms import images
from tests.cases.helpers import completed_upload
from tests.challenges.helpers import make_challenge, participant, predictions

pytestmark = pytest.mark.django_db

# Lists what the container sees and echoes inputs.json back inside metrics.json.
LISTING = """\
set -e
seen=$(find /input | sort | tr '\\n' ' ')
printf '{"dice": 0.5, "seen": "%s", "inputs": %s, "csv": "%s"}' \\
  "$seen" "$(cat /input/inputs.json)" "$(head -n 1 /input/predictions.csv)" > /output/metrics.json
"""


def _phase_with_method(user, tmp_path, script: str, tag: str):  # type: ignore[no-untyped-def]
    challenge = make_challenge(user)
    phase = services.phase_save(
        challenge=challenge, actor=user, fields={"title": "Final", "score_jsonpath": "dice"}
    )
    data = images.saved(images.good_image(tag=tag, script=script), tmp_path / "eval.tar.gz")
    upload = completed_upload(user=user, filename="eval.tar.gz", data=data)
    method = services.method_create(phase=phase, creator=user, user_upload=upload)
    validate_method(method_pk=str(method.pk))
    assert Method.objects.get(pk=method.pk).is_active
    phase = services.phase_save(
        challenge=challenge,
        actor=user,
        phase=phase,
        fields={"submissions_limit_per_user_per_period": 5},
    )
    return challenge, phase


def _run(phase, user, text: str = "case,score\n1,0.5\n") -> Evaluation:  # type: ignore[no-untyped-def]
    submission = services.submission_create(
        phase=phase, creator=user, user_upload=predictions(user, text)
    )
    evaluation = submission.evaluations.get()
    evaluation_execute(evaluation_pk=evaluation.pk)
    evaluation.refresh_from_db()
    return evaluation


def test_the_container_sees_gcs_layout_for_a_predictions_phase(user, tmp_path):
    challenge, phase = _phase_with_method(user, tmp_path, LISTING, "tessera-tests/eval-listing")
    evaluation = _run(phase, participant(challenge))
    assert evaluation.status == Evaluation.Status.SUCCESS, evaluation.error_message
    assert evaluation.metrics["seen"] == "/input /input/inputs.json /input/predictions.csv "  # type: ignore[index]
    assert evaluation.metrics["csv"] == "case,score"  # type: ignore[index]
    [civ] = evaluation.metrics["inputs"]  # type: ignore[index]
    # a real value of the catalogue's socket (made by the socket-value pipeline)
    [value] = evaluation.inputs.all()
    socket = ComponentInterface.objects.get(slug="predictions-csv-file")
    assert (civ["pk"], civ["interface"]["pk"], civ["interface"]["kind"]) == (
        value.pk,
        socket.pk,
        "CSV file",
    )
    assert civ["interface"]["slug"] == "predictions-csv-file"
    assert civ["interface"]["relative_path"] == "predictions.csv"
    assert evaluation.rank == 1
    assert evaluation.exec_duration is not None


@pytest.mark.parametrize(
    "script,message",
    [
        (
            "echo starting; echo 'ValueError: no cases' >&2; exit 3",
            "The evaluation container exited with code 3: ValueError: no cases",
        ),
        (
            "echo '[0.5]' > /output/metrics.json",
            "/output/metrics.json must be a JSON object, not a list.",
        ),
        (
            'echo \'{"dice": "high"}\' > /output/metrics.json',
            "The score at 'dice' in /output/metrics.json must be a number, not \"high\".",
        ),
        ("echo done", "The evaluation container wrote no /output/metrics.json."),
    ],
)
def test_failures_say_why(user, tmp_path, script, message):
    challenge, phase = _phase_with_method(user, tmp_path, script, "tessera-tests/eval-bad")
    evaluation = _run(phase, participant(challenge))
    assert (evaluation.status, evaluation.error_message) == (Evaluation.Status.FAILURE, message)
    assert evaluation.rank == 0


def test_a_rerun_of_a_finished_evaluation_does_nothing(user, tmp_path):
    challenge, phase = _phase_with_method(user, tmp_path, LISTING, "tessera-tests/eval-listing")
    evaluation = _run(phase, participant(challenge))
    before = json.dumps(evaluation.metrics)
    evaluation_execute(evaluation_pk=evaluation.pk)
    evaluation.refresh_from_db()
    assert (evaluation.status, json.dumps(evaluation.metrics)) == (
        Evaluation.Status.SUCCESS,
        before,
    )


def _submit(phase, user, text: str = "case,score\n1,0.5\n") -> Evaluation:  # type: ignore[no-untyped-def]
    submission = services.submission_create(
        phase=phase, creator=user, user_upload=predictions(user, text)
    )
    return submission.evaluations.get()


def test_an_input_that_cannot_be_staged_fails_the_evaluation_at_once(user, tmp_path):
    challenge, phase = _phase_with_method(user, tmp_path, LISTING, "tessera-tests/eval-listing")
    evaluation = _submit(phase, participant(challenge))
    [value] = evaluation.inputs.all()
    s3_client("protected").delete_object(Bucket=bucket_name("protected"), Key=value.file.name)
    evaluation_execute(evaluation_pk=evaluation.pk)
    evaluation.refresh_from_db()
    # failed now, not Provisioning until the stuck sweep
    assert evaluation.status == Evaluation.Status.FAILURE
    assert evaluation.error_message.startswith(
        "The input /input/predictions.csv could not be downloaded: "
    )
    assert evaluation.completed_at is not None


def test_an_unexpected_error_while_provisioning_fails_the_evaluation_naming_it(user, tmp_path):
    challenge, phase = _phase_with_method(user, tmp_path, LISTING, "tessera-tests/eval-listing")
    # the stored tarball holds another image than the method's digest says
    Method.objects.filter(phase=phase).update(sha256="sha256:" + "0" * 64)
    evaluation = _submit(phase, participant(challenge))
    evaluation_execute(evaluation_pk=evaluation.pk)
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.FAILURE
    assert evaluation.error_message.startswith(
        "The evaluation could not be run on the worker: ProvisionError: the tarball holds "
    ), evaluation.error_message
    assert evaluation.error_message.endswith("not sha256:" + "0" * 64)
    assert evaluation.rank == 0


GROUND_TRUTH_LISTING = """\
set -e
seen=$(find /input /opt/ml/input/data/ground_truth | sort | tr '\\n' ' ')
if echo x > /opt/ml/input/data/ground_truth/new.txt 2>/dev/null; then ro=no; else ro=yes; fi
printf '{"dice": 0.5, "seen": "%s", "mask": "%s", "read_only": "%s"}' \\
  "$seen" "$(cat /opt/ml/input/data/ground_truth/masks/case1.txt)" "$ro" > /output/metrics.json
"""


def test_the_active_ground_truth_is_extracted_read_only_for_the_container(user, tmp_path):
    challenge, phase = _phase_with_method(
        user, tmp_path, GROUND_TRUTH_LISTING, "tessera-tests/eval-ground-truth"
    )
    tarball = io.BytesIO()
    with tarfile.open(fileobj=tarball, mode="w:gz") as tar:
        for name, text in (("masks/case1.txt", b"1 0 1"), ("reference.csv", b"case,label\n")):
            info = tarfile.TarInfo(name)
            info.size = len(text)
            tar.addfile(info, io.BytesIO(text))
    upload = completed_upload(user=user, filename="gt.tar.gz", data=tarball.getvalue())
    ground_truth = services.ground_truth_create(phase=phase, creator=user, user_upload=upload)
    validate_ground_truth(ground_truth_pk=str(ground_truth.pk))
    assert EvaluationGroundTruth.objects.get(pk=ground_truth.pk).is_active

    evaluation = _run(phase, participant(challenge))
    assert evaluation.status == Evaluation.Status.SUCCESS, evaluation.error_message
    assert evaluation.metrics == {
        "dice": 0.5,
        "seen": "/input /input/inputs.json /input/predictions.csv "
        "/opt/ml/input/data/ground_truth /opt/ml/input/data/ground_truth/masks "
        "/opt/ml/input/data/ground_truth/masks/case1.txt "
        "/opt/ml/input/data/ground_truth/reference.csv ",
        "mask": "1 0 1",
        "read_only": "yes",
    }
