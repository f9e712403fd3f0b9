"""Thin tasks: validate uploaded evaluation methods and ground truths on the `images` queue."""

from app.tasks import project_task


@project_task(queue="images", soft_time_limit=3600, time_limit=3660)
def validate_method(*, method_pk: str) -> None:
    from challenges.validation import validate_method as validate

    validate(method_pk=method_pk)


@project_task(queue="images", soft_time_limit=3600, time_limit=3660)
def validate_ground_truth(*, ground_truth_pk: str) -> None:
    from challenges.validation import validate_ground_truth as validate

    validate(ground_truth_pk=ground_truth_pk)


@project_task(queue="jobs-cpu", soft_time_limit=86400, time_limit=86460)
def execute_evaluation(*, evaluation_pk: str) -> None:
    from challenges.execution import evaluation_execute

    evaluation_execute(evaluation_pk=evaluation_pk)
