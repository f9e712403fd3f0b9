"""When an evaluation counts as stuck: left queued or running past its deadline (a worker
died while executing, the broker lost the message). A stuck evaluation is the platform's
fault, so it neither blocks nor uses up its submitter's submissions until the sweep
(`challenges.sweep`) fails it. Pure: reads rows, writes nothing.

Waiting for algorithm jobs (Executing Algorithm) is not judged here: the jobs' own sweep
fails stuck jobs, and their `job_finished` settles the evaluation."""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from challenges.models import Evaluation

S = Evaluation.Status
RUNNING = (S.PROVISIONING, S.PROVISIONED, S.EXECUTING, S.EXECUTED, S.PARSING)


def stuck_cause(evaluation: Evaluation, *, now: datetime | None = None) -> str | None:
    """Why the evaluation is stuck, for its error message; None when it is not (yet)."""
    now = now or timezone.now()
    if evaluation.status == S.PENDING and not evaluation.submission.phase.external_evaluation:
        timeout = int(settings.JOBS_QUEUED_TIMEOUT_S)
        if evaluation.modified + timedelta(seconds=timeout) > now:
            return None
        return (
            f"No worker took the evaluation from its queue within {timeout} s: its message "
            "to the broker was lost or no worker serves that queue."
        )
    if evaluation.status not in RUNNING:
        return None
    grace = int(settings.JOBS_TIME_LIMIT_GRACE_S)
    began = evaluation.started_at or evaluation.modified
    if began + timedelta(seconds=evaluation.time_limit + grace) > now:
        return None
    return (
        f"The evaluation did not finish within its time limit of {evaluation.time_limit} s "
        f"plus {grace} s grace: its worker stopped or lost the container. It was stopped."
    )


def stuck_pks(evaluations: QuerySet[Evaluation]) -> set[Any]:
    """The stuck ones among a queryset of evaluations."""
    now = timezone.now()
    active = evaluations.filter(status__in=(S.PENDING, *RUNNING)).select_related(
        "submission__phase"
    )
    return {e.pk for e in active if stuck_cause(e, now=now) is not None}
