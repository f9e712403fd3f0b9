"""Hooks jobs register at start-up: the upload-session target for input images, the
images job members may see, and the every-minute sweep of overdue jobs."""


def connect_jobs() -> None:
    from algorithms.jobs.selectors import job_images_for
    from algorithms.jobs.services import UPLOAD_TARGET, attach_imported_images
    from app.celery import celery_app
    from cases.selectors import register_image_visibility
    from cases.targets import register_target

    register_target(UPLOAD_TARGET, attach_imported_images)
    register_image_visibility("algorithms.jobs", job_images_for)
    celery_app.conf.beat_schedule["algorithms.settle-overdue-jobs"] = {
        "task": "algorithms.tasks.settle_overdue_jobs",
        "schedule": 60.0,
    }
