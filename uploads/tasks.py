from app.tasks import project_task
from uploads import services


@project_task(queue="default")
def expire_uploads() -> int:
    """Hourly: remove unfinished and unconsumed uploads past UPLOADS_EXPIRE_HOURS.

    Each upload is settled under its own row lock, so overlapping runs are harmless.
    """
    return services.expire_uploads()
