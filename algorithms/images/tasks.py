"""Thin tasks for algorithm images; services send them by name."""

from django.conf import settings

from algorithms.images.services import settle_stuck_images, validate_image
from app.tasks import project_task


@project_task(queue=settings.QUEUE_IMAGES, soft_time_limit=3600, time_limit=3660)
def validate_algorithm_image(*, image_pk: str) -> None:
    validate_image(image_pk=image_pk)


@project_task(queue=settings.QUEUE_DEFAULT)
def settle_stuck_algorithm_images() -> list[str]:
    """Every minute (beat): refuse images whose validation stopped, naming the cause."""
    return settle_stuck_images()
