"""The every-minute sweep (beat): every stuck evaluation (`challenges.deadlines`) is
failed with the cause, and a worker of its queue stops its containers (beat has no
container engine). Evaluations waiting for their jobs are settled again too, in case a
`job_finished` signal was lost (its process died between the commit and the signal)."""

from django.conf import settings
from django.db import transaction

from app.tasks import enqueue
from challenges.deadlines import RUNNING, S, stuck_cause, stuck_pks
from challenges.models import Evaluation
from challenges.services import evaluation_fail, evaluation_jobs_settle


def settle_stuck_evaluations() -> list[str]:
    """Fail every stuck evaluation with its cause; returns their primary keys."""
    waiting = Evaluation.objects.filter(status=S.EXECUTING_PREREQUISITES)
    for pk in list(waiting.values_list("pk", flat=True)):
        evaluation_jobs_settle(evaluation_pk=pk)
    settled = []
    candidates = Evaluation.objects.filter(status__in=(S.PENDING, *RUNNING))
    for pk in stuck_pks(candidates):
        with transaction.atomic():
            evaluation = (
                Evaluation.objects.select_for_update()
                .select_related("submission__phase")
                .filter(pk=pk)
                .first()
            )
            # re-read under the lock: one that moved on meanwhile is kept
            cause = stuck_cause(evaluation) if evaluation is not None else None
            if evaluation is None or cause is None:
                continue
            was_running = evaluation.status in RUNNING
            evaluation_fail(evaluation=evaluation, error_message=cause)
            if was_running:
                queue = (
                    settings.QUEUE_JOBS_GPU
                    if evaluation.requires_gpu_type
                    else settings.QUEUE_JOBS_CPU
                )
                enqueue(
                    "workers.tasks.stop_job_containers",
                    queue=queue,
                    job_id=f"evaluation-{evaluation.pk}",
                )
        settled.append(str(pk))
    return settled
