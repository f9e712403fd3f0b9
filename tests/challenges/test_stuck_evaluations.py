"""A stuck evaluation (its worker died while executing, its queue message was lost) is
settled by the every-minute sweep with a message naming the cause; until then it neither
blocks its submitter nor uses up a submission."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from challenges import selectors
from challenges.models import Evaluation
from challenges.sweep import settle_stuck_evaluations
from tests.challenges.helpers import evaluation_of, make_challenge, make_phase, participant, submit

pytestmark = pytest.mark.django_db
S = Evaluation.Status


def _age(evaluation: Evaluation, *, status: int, seconds: float) -> None:
    past = timezone.now() - timedelta(seconds=seconds)
    Evaluation.objects.filter(pk=evaluation.pk).update(
        status=status, started_at=past, modified=past, time_limit=60
    )


def test_a_worker_dying_while_executing_is_settled_and_does_not_count(user, settings):
    settings.JOBS_TIME_LIMIT_GRACE_S = 30
    challenge = make_challenge(user)
    phase = make_phase(challenge, submissions_limit_per_user_per_period=1)
    ann = participant(challenge, "ann")
    first = evaluation_of(submit(phase, ann))
    _age(first, status=S.EXECUTING, seconds=91)  # 60 s limit + 30 s grace passed

    # before the sweep: the stuck one neither holds ann up nor uses her only submission
    assert selectors.submission_limit(phase=phase, user=ann).remaining == 1
    second = evaluation_of(submit(phase, ann))
    assert second.status == S.PENDING

    assert settle_stuck_evaluations() == [str(first.pk)]
    first.refresh_from_db()
    assert (first.status, first.error_message) == (
        S.FAILURE,
        "The evaluation did not finish within its time limit of 60 s plus 30 s grace: "
        "its worker stopped or lost the container. It was stopped.",
    )
    assert first.completed_at is not None
    assert settle_stuck_evaluations() == []  # settled once


def test_within_its_deadline_an_evaluation_is_kept_and_counts(user, settings):
    settings.JOBS_TIME_LIMIT_GRACE_S = 30
    challenge = make_challenge(user)
    phase = make_phase(challenge, submissions_limit_per_user_per_period=1)
    ann = participant(challenge, "ann")
    running = evaluation_of(submit(phase, ann))
    _age(running, status=S.EXECUTING, seconds=80)
    assert settle_stuck_evaluations() == []
    running.refresh_from_db()
    assert running.status == S.EXECUTING
    assert selectors.submission_limit(phase=phase, user=ann).remaining == 0


def test_a_lost_queue_message_is_settled_with_its_cause(user, settings):
    settings.JOBS_QUEUED_TIMEOUT_S = 600
    challenge = make_challenge(user)
    phase = make_phase(challenge)
    queued = evaluation_of(submit(phase, participant(challenge, "ann")))
    _age(queued, status=S.PENDING, seconds=601)
    assert settle_stuck_evaluations() == [str(queued.pk)]
    queued.refresh_from_db()
    assert (queued.status, queued.error_message) == (
        S.FAILURE,
        "No worker took the evaluation from its queue within 600 s: its message to the "
        "broker was lost or no worker serves that queue.",
    )


def test_the_sweep_is_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["settle-stuck-evaluations"]
    assert (entry["task"], entry["schedule"]) == ("challenges.tasks.settle_stuck_evaluations", 60.0)
