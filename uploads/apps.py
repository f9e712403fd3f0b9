from django.apps import AppConfig


class UploadsConfig(AppConfig):
    name = "uploads"

    def ready(self) -> None:
        from app.celery import celery_app

        celery_app.conf.beat_schedule["uploads-expire"] = {
            "task": "uploads.tasks.expire_uploads",
            "schedule": 3600.0,
        }
