"""Tasks of the cases app: thin wrappers around the import."""

from app.tasks import project_task
from cases.importing import import_session


@project_task(queue="images", soft_time_limit=3600, time_limit=3660)
def build_images_for_session(*, session_pk: str) -> None:
    """Build, store and attach the images of one upload session (idempotent)."""
    import_session(session_pk=session_pk)
