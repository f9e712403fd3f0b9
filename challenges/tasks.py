"""Thin tasks: validate uploaded evaluation methods and ground truths on the images queue,
run evaluations on a jobs queue. Services enqueue them by name, so only this module
imports the code it runs."""

from django.conf import settings

from app.tasks import project_task
from challenges.execution import evaluation_execute
from challenges.sweep import settle_stuck_evaluations as settle_stuck
from challenges.validation import validate_ground_truth as ground_truth_validate
from challenges.validation import validate_method as method_validate


@project_task(queue=settings.QUEUE_IMAGES, soft_time_limit=3600, time_limit=3660)
def validate_method(*, method_pk: str) -> None:
    method_validate(method_pk=method_pk)


@project_task(queue=settings.QUEUE_IMAGES, soft_time_limit=3600, time_limit=3660)
def validate_ground_truth(*, ground_truth_pk: str) -> None:
    ground_truth_validate(ground_truth_pk=ground_truth_pk)


@project_task(queue=settings.QUEUE_JOBS_CPU, soft_time_limit=86400, time_limit=86460)
def execute_evaluation(*, evaluation_pk: str) -> None:
    evaluation_execute(evaluation_pk=evaluation_pk)


@project_task(queue=settings.QUEUE_DEFAULT)
def settle_stuck_evaluations() -> list[str]:
    """Every minute (beat): fail every evaluation stuck past its deadline, naming the cause."""
    return settle_stuck()
