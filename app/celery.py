"""The Celery application: queues default, images, jobs-cpu and jobs-gpu."""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")

celery_app = Celery("tessera")
celery_app.config_from_object("django.conf:settings", namespace="CELERY")
celery_app.conf.task_queues = [
    Queue(name) for name in ("default", "images", "jobs-cpu", "jobs-gpu")
]
celery_app.autodiscover_tasks()
