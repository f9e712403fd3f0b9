"""Tasks of the cases app: thin wrappers around the import."""

from django.conf import settings

from app.tasks import project_task
from cases.importing import import_session, settle_stuck_sessions


@project_task(queue=settings.QUEUE_IMAGES, soft_time_limit=3600, time_limit=3660)
def build_images_for_session(*, session_pk: str) -> None:
    """Build, store and attach the images of one upload session (idempotent)."""
    import_session(session_pk=session_pk)


@project_task(queue=settings.QUEUE_DEFAULT)
def settle_stuck_upload_sessions() -> list[str]:
    """Every minute (beat): fail imports stuck Queued or Started, naming the cause."""
    return settle_stuck_sessions()
