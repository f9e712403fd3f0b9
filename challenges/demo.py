"""The demo challenge `make run` registers, so a new user sees a leaderboard at once.

A public challenge (registration accepted at once) with one algorithm phase: its hidden
archive holds three synthetic CT cases, its ground truth is their body masks (a tarball of
.mha files named after the cases), and its evaluation container (`demo_evaluation/`,
built offline on the Python base like the demo algorithm) computes each case's Dice and
the error of the reported body volume. The demo algorithm is submitted by the first
superuser; its jobs and the evaluation run on the workers after start-up.

Idempotent: each part that exists (challenge, phase, valid method of the same image,
valid ground truth, the submission of the same algorithm image) is reused.
"""

import tarfile
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import SimpleITK as sitk
from django.contrib.auth.models import User

from algorithms.jobs.demo import DEMO_TITLE as DEMO_ALGORITHM_TITLE
from algorithms.jobs.demo import docker_available
from algorithms.models import AlgorithmImage, AlgorithmInterface
from archives.demo import DemoCase, demo_admin, demo_upload, ensure_synthetic_ct_archive
from archives.models import Archive
from cases.synthetic import LESION_ORIGIN_MM, LESION_SPACING_MM
from challenges import ranking, services
from challenges.models import Challenge, EvaluationGroundTruth, Method, Phase, Submission
from challenges.validation import validate_ground_truth, validate_method

DEMO_SLUG = "demo-body-mask"
DEMO_TITLE = "Demo: CT body mask"
DEMO_DESCRIPTION = (
    "Segment the body in three synthetic CT volumes and report its volume. Ranked by the "
    "mean Dice of the masks, then by the mean error of the reported volume (ml)."
)
PHASE_TITLE = "Body mask"
HIDDEN_ARCHIVE_TITLE = "Demo challenge: hidden cases"
HIDDEN_SEEDS = (101, 102, 103)
EVALUATION_REPOSITORY = "tessera/demo-evaluation"
EVALUATION_SOURCES = (
    Path(__file__).resolve().parent / "demo_evaluation" / "evaluate.py",
    # the demo algorithm's small .mha reader, so the container needs nothing else
    Path(__file__).resolve().parent.parent / "workers" / "demo_algorithm" / "mha.py",
)
PHASE_FIELDS = {
    "title": PHASE_TITLE,
    "submission_kind": Phase.SubmissionKind.ALGORITHM,
    "score_title": "Dice",
    "score_jsonpath": "aggregates.dice.mean",
    "score_error_jsonpath": "aggregates.dice.std",
    "score_default_sort": ranking.DESCENDING,
    "score_decimal_places": 4,
    "extra_results_columns": [
        {
            "title": "Volume error (ml)",
            "path": "aggregates.volume_error_ml.mean",
            "order": ranking.ASCENDING,
        }
    ],
    "algorithm_time_limit": 600,
    "evaluation_time_limit": 600,
}
SUBMISSIONS_PER_PERIOD = 10


def build_demo_evaluation(*, log: Callable[[str], object] = print) -> str:
    """The ID of the evaluation image (built once, then cached by content)."""
    from workers.images.python_base import build_python_app

    return build_python_app(
        repository=EVALUATION_REPOSITORY,
        folder="evaluation",
        sources=list(EVALUATION_SOURCES),
        script="evaluate.py",
        log=log,
    )


def write_ground_truth(cases: Sequence[DemoCase], path: Path) -> Path:
    """A .tar.gz of each case's body mask as `<case name>.mha` (what evaluate.py reads)."""
    with (
        tempfile.TemporaryDirectory(prefix="tessera-demo-gt-") as folder,
        tarfile.open(path, "w:gz") as tar,
    ):
        for case in cases:
            mask = sitk.GetImageFromArray(case.truth.body_mask)
            mask.SetSpacing(LESION_SPACING_MM)
            mask.SetOrigin(LESION_ORIGIN_MM)
            name = f"{case.image.name}.mha"
            sitk.WriteImage(mask, str(Path(folder) / name), useCompression=True)
            tar.add(Path(folder) / name, arcname=name)
    return path


def _challenge(admin: User) -> Challenge:
    challenge = Challenge.objects.filter(slug=DEMO_SLUG).first()
    if challenge is not None:
        return challenge
    return services.challenge_create(
        creator=admin,
        slug=DEMO_SLUG,
        title=DEMO_TITLE,
        description=DEMO_DESCRIPTION,
        access_request_handling=Challenge.AccessRequestHandling.ACCEPT_ALL,
        hidden=False,
    )


def _phase(challenge: Challenge, admin: User, archive: Archive) -> Phase:
    phase = challenge.phases.filter(title=PHASE_TITLE).first()
    if phase is not None:
        return phase
    interface = AlgorithmInterface.objects.filter(algorithm__title=DEMO_ALGORITHM_TITLE).first()
    if interface is None:
        raise RuntimeError("the demo algorithm is not registered, so its interface is missing")
    return services.phase_save(
        challenge=challenge,
        actor=admin,
        fields={**PHASE_FIELDS, "archive": archive},
        algorithm_interfaces=[interface],
    )


def _validated(obj: Method | EvaluationGroundTruth, validate: Callable[[], None]) -> None:
    """Validate now rather than on a worker: the phase opens only once both are valid, and
    `make run` starts its workers after the start-up steps. A worker that is already
    running (started apart) may have claimed it first: then wait for that worker."""
    obj.refresh_from_db()
    if obj.status == obj.Status.QUEUED:
        validate()
    deadline = time.monotonic() + 300
    obj.refresh_from_db()
    while obj.status == obj.Status.VALIDATING and time.monotonic() < deadline:
        time.sleep(0.5)
        obj.refresh_from_db()


def _method(phase: Phase, admin: User, log: Callable[[str], object]) -> None:
    from workers.images.tarballs import save_image_tarball

    image_id = build_demo_evaluation(log=log)
    if Method.objects.filter(phase=phase, sha256=image_id, status=Method.Status.VALID).exists():
        return
    with tempfile.TemporaryDirectory(prefix="tessera-demo-eval-") as folder:
        tarball = save_image_tarball(image=image_id, path=Path(folder) / "evaluation.tar.gz")
        upload = demo_upload(creator=admin, path=tarball)
    method = services.method_create(
        phase=phase, creator=admin, user_upload=upload, comment="Demo evaluation (make run)."
    )
    _validated(method, lambda: validate_method(method_pk=str(method.pk)))
    if method.status != Method.Status.VALID:
        raise RuntimeError(f"the demo evaluation image is {method.status}: {method.status_reason}")
    log(f"demo evaluation method {image_id[:19]} is valid")


def _ground_truth(phase: Phase, admin: User, cases: Sequence[DemoCase]) -> None:
    valid = EvaluationGroundTruth.Status.VALID
    if EvaluationGroundTruth.objects.filter(phase=phase, status=valid, is_active=True).exists():
        return
    with tempfile.TemporaryDirectory(prefix="tessera-demo-gt-") as folder:
        tarball = write_ground_truth(cases, Path(folder) / "ground-truth.tar.gz")
        upload = demo_upload(creator=admin, path=tarball)
    ground_truth = services.ground_truth_create(
        phase=phase, creator=admin, user_upload=upload, comment="Body masks (make run)."
    )
    _validated(ground_truth, lambda: validate_ground_truth(ground_truth_pk=str(ground_truth.pk)))
    if ground_truth.status != valid:
        raise RuntimeError(
            f"the demo ground truth is {ground_truth.status}: {ground_truth.status_reason}"
        )


def _submit(phase: Phase, admin: User, log: Callable[[str], object]) -> Submission | None:
    image = AlgorithmImage.objects.filter(
        algorithm__title=DEMO_ALGORITHM_TITLE,
        is_active=True,
        status=AlgorithmImage.Status.VALID,
    ).first()
    if image is None:
        log("the demo algorithm has no valid image: nothing submitted to the demo challenge")
        return None
    existing = Submission.objects.filter(
        phase=phase, algorithm_image__image_sha256=image.image_sha256
    ).first()
    if existing is not None:
        return existing
    submission = services.submission_create(
        phase=phase, creator=admin, algorithm_image=image, comment="The demo algorithm"
    )
    log(f"submitted the demo algorithm to '{DEMO_SLUG}'; it is evaluated in the background")
    return submission


def register_demo_challenge(*, log: Callable[[str], object] = print) -> Challenge | None:
    admin = demo_admin()
    if admin is None:
        log("No superuser: the demo challenge is not registered.")
        return None
    if not docker_available():
        log("Docker is not reachable: the demo challenge is not registered.")
        return None
    archive, cases = ensure_synthetic_ct_archive(
        creator=admin,
        title=HIDDEN_ARCHIVE_TITLE,
        description="The hidden test cases of the demo challenge.",
        seeds=HIDDEN_SEEDS,
        log=log,
    )
    challenge = _challenge(admin)
    phase = _phase(challenge, admin, archive)
    _method(phase, admin, log)
    _ground_truth(phase, admin, cases)
    if phase.submissions_limit_per_user_per_period == 0:
        phase = services.phase_save(
            challenge=challenge,
            actor=admin,
            phase=phase,
            fields={"submissions_limit_per_user_per_period": SUBMISSIONS_PER_PERIOD},
        )
    _submit(phase, admin, log)
    log(f"demo challenge '{DEMO_SLUG}' ready")
    return challenge
