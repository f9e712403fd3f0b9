"""Hooks jobs register at start-up: the upload-session target for input images and the
images job members may see. (The sweeps are in the settings' beat schedule.)

`job_finished` is sent, after the commit, whenever a job is saved in a final status (so
possibly more than once: receivers must be idempotent), with `job_pk` and `status`. Apps
that wait for jobs (challenges) connect to it, so algorithms imports none of them."""

from typing import Any

from django.dispatch import Signal

job_finished = Signal()


def _job_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    from django.db import transaction

    if instance.status in sender.FINAL_STATUSES:
        pk, status = instance.pk, instance.status
        transaction.on_commit(lambda: job_finished.send(sender=sender, job_pk=pk, status=status))


def connect_jobs() -> None:
    from django.db.models.signals import post_save

    from algorithms.jobs.selectors import job_images_for
    from algorithms.jobs.services import UPLOAD_TARGET, attach_imported_images
    from algorithms.models import Job
    from cases.selectors import register_image_visibility
    from cases.targets import register_target

    register_target(UPLOAD_TARGET, attach_imported_images)
    register_image_visibility("algorithms.jobs", job_images_for)
    post_save.connect(_job_saved, sender=Job, dispatch_uid="algorithms.jobs.finished")
