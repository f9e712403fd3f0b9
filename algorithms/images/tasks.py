"""Thin task: validate an uploaded algorithm image on the `images` queue."""

from app.tasks import project_task


@project_task(queue="images", soft_time_limit=3600, time_limit=3660)
def validate_algorithm_image(*, image_pk: str) -> None:
    from algorithms.images.services import validate_image

    validate_image(image_pk=image_pk)
