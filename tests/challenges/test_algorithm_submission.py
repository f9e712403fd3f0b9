"""An algorithm submission end to end with a real Celery worker: one job per hidden case
with the *submitted* image, the evaluation container with the jobs' outputs and the ground
truth read-only at /opt/ml/input/data/ground_truth/, the result on the leaderboard; the
participant sees only counts and statuses of the jobs."""

import io
import json
import tarfile

from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from algorithms.models import AlgorithmImage, AlgorithmInterface, Job
from app.permissions import add_member
from archives.models import ArchiveItem
from archives.services import archive_create, archive_item_create
from challenges import services
from challenges.models import Evaluation, EvaluationGroundTruth, Method, Phase
from components.services import socket_value_create
from tests.algorithms import images
from tests.algorithms.test_jobs_support import (
    busybox_ref,
    job_containers,
    make_algorithm,
    socket,
    wait_for,
)
from tests.cases.helpers import completed_upload
from tests.challenges.helpers import make_challenge, participant

API = "/api/v1/"
ALGORITHM = 'printf \'{"p": %s}\' "$(cat /input/probability.json)" > /output/results.json'
EVALUATION = """\
set -e
n=$(ls /input/*/output/results.json | wc -l)
gt=$(cd /opt/ml/input/data/ground_truth && find . -type f | sort | tr '\\n' ' ')
label=$(cat /opt/ml/input/data/ground_truth/labels/case-a.txt)
if touch /opt/ml/input/data/ground_truth/x 2>/dev/null; then ro=no; else ro=yes; fi
printf '{"dice": %s, "gt": "%s", "label": "%s", "read_only": "%s"}' \\
  "$n" "$gt" "$label" "$ro" > /output/metrics.json
"""


def _client(user) -> APIClient:  # type: ignore[no-untyped-def]
    c = APIClient()
    c.force_authenticate(user)
    return c


def _ground_truth_tarball() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, text in (("labels/case-a.txt", b"tumour"), ("labels/case-b.txt", b"clear")):
            info = tarfile.TarInfo(name)
            info.size = len(text)
            tar.addfile(info, io.BytesIO(text))
    return out.getvalue()


def _algorithm_phase(user, tmp_path, script: str = ALGORITHM):  # type: ignore[no-untyped-def]
    """A challenge with participant ann and an open algorithm phase on a 2-case hidden
    archive (probabilities 0.25 and 0.75), a validated method and ground truth; ann's
    algorithm runs `script` and has a newer active image that fails."""
    challenge = make_challenge(user)
    ann = participant(challenge, "ann")
    algorithm = make_algorithm(script=script, inputs=["probability"], outputs=["results-json-file"])
    add_member(obj=algorithm, role="users", user=ann)
    submitted = algorithm.active_image
    assert submitted is not None
    # a newer active image that fails: the jobs must run the submitted one
    sha256, key = busybox_ref("echo wrong image >&2; exit 3")
    AlgorithmImage.objects.filter(pk=submitted.pk).update(is_active=False)
    AlgorithmImage.objects.create(
        algorithm=algorithm,
        image=key,
        image_sha256=sha256,
        status=AlgorithmImage.Status.VALID,
        is_active=True,
    )
    archive = archive_create(creator=user, title="Hidden")
    for title, p in (("case A", 0.25), ("case B", 0.75)):
        item = archive_item_create(archive=archive, title=title)
        item.values.add(socket_value_create(socket=socket("probability"), value=p))
    phase = services.phase_save(
        challenge=challenge,
        actor=user,
        fields={
            "title": "Algo",
            "submission_kind": Phase.SubmissionKind.ALGORITHM,
            "archive": archive,
            "score_jsonpath": "dice",
        },
        algorithm_interfaces=[AlgorithmInterface.objects.get(algorithm=algorithm)],
    )
    method_data = images.saved(
        images.good_image(tag="tessera-tests/eval-algo", script=EVALUATION), tmp_path / "e.tar.gz"
    )
    services.method_create(
        phase=phase,
        creator=user,
        user_upload=completed_upload(user=user, filename="e.tar.gz", data=method_data),
    )
    services.ground_truth_create(
        phase=phase,
        creator=user,
        user_upload=completed_upload(user=user, filename="gt.tar.gz", data=_ground_truth_tarball()),
    )
    wait_for(lambda: Method.objects.filter(is_active=True).exists(), what="method validated")
    wait_for(
        lambda: EvaluationGroundTruth.objects.filter(is_active=True).exists(),
        what="ground truth validated",
    )
    phase = services.phase_save(
        challenge=challenge,
        actor=user,
        phase=phase,
        fields={"submissions_limit_per_user_per_period": 2},
    )

    return challenge, ann, phase, submitted


def _submit(challenge, ann, image) -> dict:  # type: ignore[no-untyped-def]
    url = f"{API}challenges/{challenge.slug}/phases/algo/submissions/"
    image_url = "http://testserver" + reverse("api:algorithm-image-detail", kwargs={"pk": image.pk})
    r = _client(ann).post(url, {"algorithm_image": image_url}, format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["jobs"]["total"] == 2
    wait_for(
        lambda: Evaluation.objects.filter(status__in=Evaluation.FINAL).exists(),
        timeout=180,
        what="evaluation done",
    )
    return r.json()  # type: ignore[no-any-return]


def test_an_algorithm_submission_ends_on_the_leaderboard(user, celery_worker, tmp_path):
    challenge, ann, phase, submitted = _algorithm_phase(user, tmp_path)
    _submit(challenge, ann, submitted)
    url = f"{API}challenges/{challenge.slug}/phases/algo/submissions/"
    evaluation = Evaluation.objects.get()
    assert evaluation.status == Evaluation.Status.SUCCESS, evaluation.error_message
    jobs = list(Job.objects.all())
    assert (
        sorted((j.algorithm_image_id, j.creator_id, j.status) for j in jobs)
        == [(submitted.pk, None, Job.Status.SUCCEEDED)] * 2
    )
    assert sorted(json.loads(j.outputs.get().file.read())["p"] for j in jobs) == [0.25, 0.75]
    assert evaluation.metrics == {
        "dice": 2,
        "gt": "./labels/case-a.txt ./labels/case-b.txt ",
        "label": "tumour",
        "read_only": "yes",
    }
    [row] = (
        _client(ann)
        .get(f"{API}evaluations/", {"submission__phase": str(phase.pk)})
        .json()["results"]
    )
    assert (row["rank"], row["rank_score"], row["status"]) == (1, 1.0, "Succeeded")

    # the participant: counts and statuses, never the jobs themselves
    [mine] = _client(ann).get(url).json()["results"]
    assert mine["jobs"] == {"total": 2, "by_status": {"Succeeded": 2}}
    assert _client(ann).get(f"{API}algorithms/jobs/").json()["results"] == []
    pages = Client()
    pages.force_login(ann)
    for job in jobs:
        assert _client(ann).get(f"{API}algorithms/jobs/{job.pk}/").status_code == 404
        page = pages.get(reverse("algorithms:job-detail", kwargs={"pk": job.pk}))
        assert page.status_code == 404


FAILS_ON_B = (
    'p=$(cat /input/probability.json); if [ "$p" = "0.75" ]; then echo "cannot segment" >&2; '
    "exit 2; fi\n" + ALGORITHM
)


def test_a_failed_case_fails_the_evaluation_naming_it_and_the_error(user, celery_worker, tmp_path):  # type: ignore[no-untyped-def]
    challenge, ann, _, submitted = _algorithm_phase(user, tmp_path, FAILS_ON_B)
    _submit(challenge, ann, submitted)
    evaluation = Evaluation.objects.get()
    case_b = ArchiveItem.objects.get(title="case B")
    assert (evaluation.status, evaluation.error_message) == (
        Evaluation.Status.FAILURE,
        f"The algorithm failed on case 'case B' ({case_b.pk}): "
        "The container exited with code 2: cannot segment",
    )
    [mine] = (
        _client(ann)
        .get(f"{API}challenges/{challenge.slug}/phases/algo/submissions/")
        .json()["results"]
    )
    assert mine["evaluations"][0]["status"] == "Failed"
    assert set(mine["jobs"]) == {"total", "by_status"}  # no job, no log for ann
    # the challenge's admin sees every job with its case, error and logs (case A either
    # finished first or was cancelled when case B failed)
    wait_for(
        lambda: not Job.objects.exclude(status__in=Job.FINAL_STATUSES).exists(),
        what="jobs done",
    )
    [row] = (
        _client(user)
        .get(f"{API}challenges/{challenge.slug}/phases/algo/submissions/")
        .json()["results"]
    )
    by_case = {j["case"]: j for j in row["jobs"]["jobs"]}
    case_a = ArchiveItem.objects.get(title="case A")
    assert by_case[f"'case A' ({case_a.pk})"]["status"] in ("Succeeded", "Cancelled")
    assert (
        by_case[f"'case B' ({case_b.pk})"]["status"],
        by_case[f"'case B' ({case_b.pk})"]["stderr"],
    ) == (
        "Failed",
        "cannot segment\n",
    )
    # a failed evaluation does not use up a submission
    r = _client(ann).get(f"{API}challenges/{challenge.slug}/phases/algo/")
    assert r.json()["remaining_submissions"] == 2


FAILS_ON_A_SLOW_ON_B = (
    'p=$(cat /input/probability.json); if [ "$p" = "0.25" ]; then echo "no lungs found" >&2; '
    "exit 2; fi\nsleep 300\n" + ALGORITHM
)


def test_a_failed_case_cancels_the_other_cases_jobs(user, celery_worker, tmp_path):  # type: ignore[no-untyped-def]
    challenge, ann, _, submitted = _algorithm_phase(user, tmp_path, FAILS_ON_A_SLOW_ON_B)
    _submit(challenge, ann, submitted)
    evaluation = Evaluation.objects.get()
    case_a = ArchiveItem.objects.get(title="case A")
    assert (evaluation.status, evaluation.error_message) == (
        Evaluation.Status.FAILURE,
        f"The algorithm failed on case 'case A' ({case_a.pk}): "
        "The container exited with code 2: no lungs found",
    )
    # case B's job (queued or sleeping) is cancelled through the job service, and its
    # container is stopped by a worker long before its 300 s sleep ends
    slow = Job.objects.get(status=Job.Status.CANCELLED)
    assert slow.error_message == (
        f"Cancelled: the submission's job on case 'case A' ({case_a.pk}) failed."
    )
    wait_for(lambda: job_containers(slow) == [], timeout=60, what="case B's container removed")
    wait_for(
        lambda: not Job.objects.exclude(status__in=Job.FINAL_STATUSES).exists(),
        what="jobs done",
    )
    assert Job.objects.get(pk=slow.pk).status == Job.Status.CANCELLED
