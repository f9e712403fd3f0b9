"""External evaluation (contracts §B.7): an external evaluator claims a queued evaluation of
an algorithm phase and reports its metrics, which rank it."""

import pytest
from rest_framework.test import APIClient

from algorithms.models import AlgorithmInterface
from app.permissions import add_member
from challenges import services
from challenges.models import Evaluation
from tests.algorithms.factories import make_algorithm
from tests.archives.helpers import new_user
from tests.challenges.helpers import (
    hidden_archive,
    make_challenge,
    participant,
    valid_algorithm_image,
    with_valid_method,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/"


def client(user) -> APIClient:  # type: ignore[no-untyped-def]
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_claim_and_report_an_external_evaluation(user):
    challenge = make_challenge(user)
    interfaces = list(AlgorithmInterface.objects.filter(algorithm=make_algorithm(creator=user)))
    archive = hidden_archive(user)
    common = {"submission_kind": 3, "archive": archive, "score_jsonpath": "dice"}
    debug = services.phase_save(
        challenge=challenge,
        actor=user,
        fields={"title": "Debug", **common},
        algorithm_interfaces=interfaces,
    )
    with_valid_method(debug)
    debug = services.phase_save(
        challenge=challenge,
        actor=user,
        phase=debug,
        fields={"submissions_limit_per_user_per_period": 5},
    )
    final = services.phase_save(
        challenge=challenge,
        actor=user,
        fields={
            "title": "Final",
            "parent": debug,
            "external_evaluation": True,
            "submissions_limit_per_user_per_period": 5,
            **common,
        },
        algorithm_interfaces=interfaces,
    )
    ann = participant(challenge, "ann")
    image = valid_algorithm_image(make_algorithm(creator=ann, title="Ann's"), "sha256:" + "c" * 64)
    image_url = f"http://testserver{API}algorithms/images/{image.pk}/"
    debug_submission = services.submission_create(phase=debug, creator=ann, algorithm_image=image)
    services.evaluation_succeed(
        evaluation=debug_submission.evaluations.get(), metrics_json=b'{"dice": 0.5}'
    )

    r = client(ann).post(
        f"{API}challenges/{challenge.slug}/phases/final/submissions/",
        {"algorithm_image": image_url},
        format="json",
    )
    assert r.status_code == 201, r.json()
    evaluation = Evaluation.objects.get(submission__phase=final)
    assert (evaluation.status, evaluation.method) == (Evaluation.Status.PENDING, None)

    evaluator = new_user(username="judge")
    add_member(obj=challenge, role="external_evaluators", user=evaluator)
    assert client(ann).get(f"{API}evaluations/claimable_evaluations/").json() == []
    claimable = (
        client(evaluator)
        .get(f"{API}evaluations/claimable_evaluations/", {"submission__phase": str(final.pk)})
        .json()
    )
    assert [(e["pk"], e["phase_pk"], e["algorithm_image"], e["status"]) for e in claimable] == [
        (str(evaluation.pk), str(final.pk), image_url, "Queued")
    ]
    assert client(ann).patch(f"{API}evaluations/{evaluation.pk}/claim/").status_code == 404
    r = client(evaluator).patch(f"{API}evaluations/{evaluation.pk}/claim/")
    assert (r.status_code, r.json()["status"]) == (200, "External Execution In Progress")
    # the evaluator follows the externally evaluated phase's evaluations (GC), no others
    listed = client(evaluator).get(f"{API}evaluations/").json()["results"]
    assert [(e["pk"], e["status"]) for e in listed] == [
        (str(evaluation.pk), "External Execution In Progress")
    ]
    assert client(new_user()).get(f"{API}evaluations/{evaluation.pk}/").status_code == 404
    r = client(evaluator).patch(f"{API}evaluations/{evaluation.pk}/claim/")
    assert r.status_code == 400
    assert r.json() == {
        "non_field_errors": [
            "Only a queued evaluation can be claimed; this one is External Execution In Progress."
        ]
    }
    r = client(evaluator).patch(
        f"{API}evaluations/{evaluation.pk}/update_external_evaluation/",
        {"status": "Succeeded"},
        format="json",
    )
    assert (r.status_code, r.json()) == (
        400,
        {"metrics": ["Send the metrics of a succeeded evaluation."]},
    )
    r = client(evaluator).patch(
        f"{API}evaluations/{evaluation.pk}/update_external_evaluation/",
        {"status": "Succeeded", "metrics": {"dice": 0.75}},
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert (r.json()["status"], r.json()["rank"], r.json()["rank_score"], r.json()["metrics"]) == (
        "Succeeded",
        1,
        1.0,
        {"dice": 0.75},
    )
    assert client(evaluator).get(f"{API}evaluations/claimable_evaluations/").json() == []
