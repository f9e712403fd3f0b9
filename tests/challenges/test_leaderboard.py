"""Ranks stored on evaluations, recomputed on every change (contracts §B.6), real database."""

import pytest

from challenges import services
from challenges.models import Evaluation
from tests.challenges.helpers import (
    evaluation_of,
    fail,
    make_challenge,
    make_phase,
    participant,
    submit,
    succeed,
)

pytestmark = pytest.mark.django_db

HD = [{"title": "HD", "path": "aggregates.hd", "order": "asc", "error_path": "aggregates.hd_std"}]


def board(phase) -> dict:  # type: ignore[no-untyped-def]
    rows = Evaluation.objects.filter(submission__phase=phase).select_related("submission__creator")
    return {
        e.submission.creator.username: (e.rank, e.rank_score, e.rank_per_metric)  # type: ignore[union-attr]
        for e in rows
    }


def test_ranks_follow_every_change(user):
    challenge = make_challenge(user)
    phase = make_phase(
        challenge,
        score_jsonpath="aggregates.dice",
        extra_results_columns=HD,
        scoring_method_choice="avg",
    )
    a, b, c, d = (participant(challenge, name) for name in ("ann", "bob", "cat", "dan"))
    # the spec's example: A (0.9, 5), B (0.9, 3), C (0.8, 4); D misses hd
    succeed(submit(phase, a), {"aggregates": {"dice": 0.9, "hd": 5}})
    succeed(submit(phase, b), {"aggregates": {"dice": 0.9, "hd": 3}})
    succeed(submit(phase, c), {"aggregates": {"dice": 0.8, "hd": 4}})
    succeed(submit(phase, d), {"aggregates": {"dice": 0.99}})
    assert board(phase) == {
        "ann": (2, 2.0, {"aggregates.dice": 1, "aggregates.hd": 3}),
        "bob": (1, 1.0, {"aggregates.dice": 1, "aggregates.hd": 1}),
        "cat": (3, 2.5, {"aggregates.dice": 3, "aggregates.hd": 2}),
        "dan": (0, 0.0, {}),
    }
    # absolute: the dice rank; ann and bob tie at 1, cat is 3
    services.phase_save(
        challenge=challenge, actor=user, phase=phase, fields={"scoring_method_choice": "abs"}
    )
    assert {k: v[:2] for k, v in board(phase).items()} == {
        "ann": (1, 1.0),
        "bob": (1, 1.0),
        "cat": (3, 3.0),
        "dan": (0, 0.0),
    }
    # unpublishing bob moves cat up; publishing again restores
    bob_eval = Evaluation.objects.get(submission__creator=b)
    services.evaluation_publish(evaluation=bob_eval, published=False, actor=user)
    assert {k: v[0] for k, v in board(phase).items()} == {"ann": 1, "bob": 0, "cat": 2, "dan": 0}
    services.evaluation_publish(evaluation=bob_eval, published=True, actor=user)
    assert {k: v[0] for k, v in board(phase).items()} == {"ann": 1, "bob": 1, "cat": 3, "dan": 0}
    # a failed evaluation is never ranked
    fail(submit(phase, participant(challenge, "eve")))
    assert board(phase)["eve"] == (0, 0.0, {})


def test_most_recent_and_best_per_user(user):
    challenge = make_challenge(user)
    phase = make_phase(challenge, result_display_choice="rec")
    ann, bob = participant(challenge, "ann"), participant(challenge, "bob")
    first = submit(phase, ann)
    succeed(first, {"dice": 0.9})
    succeed(submit(phase, bob), {"dice": 0.7})
    second = submit(phase, ann)
    succeed(second, {"dice": 0.5})
    ranks = {e.pk: e.rank for e in Evaluation.objects.all()}
    assert ranks[evaluation_of(first).pk] == 0
    assert ranks[evaluation_of(second).pk] == 2
    services.phase_save(
        challenge=challenge, actor=user, phase=phase, fields={"result_display_choice": "bst"}
    )
    ranks = {e.pk: e.rank for e in Evaluation.objects.all()}
    assert ranks[evaluation_of(first).pk] == 1
    assert ranks[evaluation_of(second).pk] == 0
    assert Evaluation.objects.get(submission__creator=bob).rank == 2


@pytest.mark.parametrize(
    "metrics,message",
    [
        ("[0.5]", "/output/metrics.json must be a JSON object, not a list."),
        (
            '{"dice": "0.5"}',
            "The score at 'dice' in /output/metrics.json must be a number, not \"0.5\".",
        ),
        ('{"other": 1}', "/output/metrics.json has no value at the score path 'dice'."),
        (
            "{not json",
            "/output/metrics.json is not valid JSON: Expecting property name enclosed in double "
            "quotes: line 1 column 2 (char 1).",
        ),
        (None, "The evaluation container wrote no /output/metrics.json."),
    ],
)
def test_unusable_metrics_fail_the_evaluation_with_a_clear_message(user, metrics, message):
    challenge = make_challenge(user)
    phase = make_phase(challenge)
    submission = submit(phase, participant(challenge))
    evaluation = services.evaluation_succeed(
        evaluation=evaluation_of(submission),
        metrics_json=None if metrics is None else metrics.encode(),
    )
    assert (evaluation.status, evaluation.error_message) == (Evaluation.Status.FAILURE, message)
    assert evaluation.metrics is None
    assert evaluation.rank == 0
