"""Submission to leaderboard through the API with a real Celery worker: the method is
validated on the images queue, the evaluation runs on the jobs queue."""

from django.urls import reverse
from rest_framework.test import APIClient

from challenges import services
from challenges.models import Evaluation, Method
from tests.algorithms import images
from tests.algorithms.test_jobs_support import wait_for
from tests.cases.helpers import completed_upload
from tests.challenges.helpers import make_challenge, participant

API = "/api/v1/"
SCRIPT = 'printf \'{"aggregates": {"dice": 0.625}}\' > /output/metrics.json'


def _client(user) -> APIClient:  # type: ignore[no-untyped-def]
    c = APIClient()
    c.force_authenticate(user)
    return c


def _upload_url(user, data: bytes, filename: str) -> str:  # type: ignore[no-untyped-def]
    upload = completed_upload(user=user, filename=filename, data=data)
    return "http://testserver" + reverse("api:upload-detail", kwargs={"pk": upload.pk})


def test_submission_to_leaderboard_with_a_worker(user, celery_worker, tmp_path):
    challenge = make_challenge(user)
    services.phase_save(
        challenge=challenge,
        actor=user,
        fields={"title": "Final", "score_jsonpath": "aggregates.dice"},
    )
    admin = _client(user)
    data = images.saved(
        images.good_image(tag="tessera-tests/eval-dice", script=SCRIPT), tmp_path / "e.tar.gz"
    )
    r = admin.post(
        f"{API}challenges/{challenge.slug}/phases/final/methods/",
        {"user_upload": _upload_url(user, data, "eval.tar.gz")},
        format="json",
    )
    assert (r.status_code, r.json()["status"]) == (201, "Queued")
    wait_for(lambda: Method.objects.filter(is_active=True).exists(), what="method validated")
    r = admin.patch(
        f"{API}challenges/{challenge.slug}/phases/final/",
        {"submissions_limit_per_user_per_period": 1},
        format="json",
    )
    assert r.status_code == 200, r.json()

    ann = participant(challenge, "ann")
    r = _client(ann).post(
        f"{API}challenges/{challenge.slug}/phases/final/submissions/",
        {"user_upload": _upload_url(ann, b"case,dice\n1,0.6\n", "p.csv"), "comment": "first try"},
        format="json",
    )
    assert r.status_code == 201, r.json()
    wait_for(
        lambda: Evaluation.objects.filter(status__in=Evaluation.FINAL).exists(),
        timeout=120,
        what="evaluation done",
    )
    r = _client(ann).get(f"{API}challenges/{challenge.slug}/phases/final/submissions/")
    [row] = r.json()["results"]
    assert row["comment"] == "first try"
    assert row["evaluations"][0]["status"] == "Succeeded", row["evaluations"][0]["error_message"]
    phase_pk = Evaluation.objects.get().submission.phase_id
    [evaluation] = (
        _client(ann)
        .get(f"{API}evaluations/", {"submission__phase": str(phase_pk)})
        .json()["results"]
    )
    assert (
        evaluation["rank"],
        evaluation["rank_score"],
        evaluation["rank_per_metric"],
        evaluation["metrics"],
    ) == (
        1,
        1.0,
        {"aggregates.dice": 1},
        {"aggregates": {"dice": 0.625}},
    )
    r = _client(ann).get(f"{API}challenges/{challenge.slug}/phases/final/")
    assert r.json()["remaining_submissions"] == 0
