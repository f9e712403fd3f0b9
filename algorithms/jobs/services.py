"""Writes for jobs: create (validated first), enqueue, cancel, re-run, attach imported
input images, and settle jobs whose image import failed."""

import logging
from collections.abc import Sequence
from functools import partial
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from algorithms.jobs.deadlines import stuck_cause
from algorithms.jobs.inputs import InputsInvalid, InputSpec, check_inputs, inputs_digest
from algorithms.jobs.permissions import grant_job_permissions
from algorithms.models import Algorithm, AlgorithmImage, Job
from algorithms.selectors import may_run
from app.models import AuditRecord
from app.services import audit_record
from app.tasks import enqueue
from cases.models import Image, RawImageUploadSession
from cases.storing import delete_stored_objects
from cases.targets import TargetError
from components.services import socket_value_create
from components.values import socket_values_create, value_specs_close
from uploads.models import UserUpload
from uploads.services import delete_upload

logger = logging.getLogger(__name__)

UPLOAD_TARGET = "algorithm-job-input"
S = Job.Status


class JobRefused(ValidationError):
    """The job cannot be created or changed; the message says why, for the user (the API
    answers 400 with it under `non_field_errors`)."""

    def __str__(self) -> str:
        return " ".join(self.messages)


def job_create(
    *,
    creator: User,
    algorithm: Algorithm,
    specs: Sequence[InputSpec],
    reuse_existing: bool = False,
    algorithm_image: AlgorithmImage | None = None,
    grant_creator: bool = True,
    time_limit: int | None = None,
) -> tuple[Job, bool]:
    """Validate every input against one of the algorithm's interfaces, then create and
    queue the job. Returns (job, created): with `reuse_existing`, a job of the same
    image on the same inputs that did not fail is returned instead.

    `algorithm_image` runs that image of the algorithm instead of the active one.
    `grant_creator=False` runs the job on the creator's behalf without making it theirs
    (a challenge submission's hidden cases): the checks are the creator's, but the job
    has no creator, so the one visibility rule shows them nothing of it, and their limit
    of active jobs does not apply (the caller keeps the link and its own limits).

    Refused (JobRefused / InputsInvalid): nothing is left behind, not even the uploads
    the request named.
    """
    specs = list(specs)
    try:
        return _job_create(
            creator=creator,
            algorithm=algorithm,
            specs=specs,
            reuse_existing=reuse_existing,
            algorithm_image=algorithm_image,
            grant_creator=grant_creator,
            time_limit=time_limit,
        )
    except (JobRefused, InputsInvalid):
        discard_uploads([u for spec in specs for u in spec.uploads()])
        raise
    finally:
        value_specs_close(specs)


def discard_uploads(uploads: Sequence[UserUpload]) -> None:
    """A refused job leaves nothing behind: the uploads its request named go too."""
    for upload in uploads:
        try:
            delete_upload(upload=upload)
        except Exception:
            logger.exception("Could not delete upload %s of a refused job", upload.pk)


def _job_create(
    *,
    creator: User,
    algorithm: Algorithm,
    specs: list[InputSpec],
    reuse_existing: bool,
    algorithm_image: AlgorithmImage | None = None,
    grant_creator: bool = True,
    time_limit: int | None = None,
) -> tuple[Job, bool]:
    if not may_run(user=creator, algorithm=algorithm):
        raise JobRefused(f"You may not run jobs with the algorithm {algorithm.slug!r}.")
    image = algorithm_image or algorithm.active_image
    if image is None:
        raise JobRefused(f"The algorithm {algorithm.slug!r} has no active container image yet.")
    if algorithm_image is not None and (
        image.algorithm_id != algorithm.pk or image.status != AlgorithmImage.Status.VALID
    ):
        raise JobRefused(f"The image {image.pk} is not a valid image of {algorithm.slug!r}.")
    interface = check_inputs(algorithm=algorithm, specs=specs)
    digest = inputs_digest(specs)
    if reuse_existing:
        existing = (
            Job.objects.filter(algorithm_image=image, inputs_digest=digest, creator=creator)
            .exclude(status__in=[S.FAILED, S.CANCELLED])
            .first()
        )
        if existing is not None:
            return existing, False
    if grant_creator:
        check_active_job_limit(creator=creator, algorithm=algorithm, new_jobs=1)

    stored_keys: list[str] = []
    try:
        with transaction.atomic():
            job = Job.objects.create(
                creator=creator if grant_creator else None,
                algorithm_image=image,
                algorithm_interface=interface,
                queue=Job.Queue.GPU if algorithm.requires_gpu else Job.Queue.CPU,
                time_limit=time_limit or algorithm.time_limit,
                inputs_digest=digest,
                status_history=[{"status": S.QUEUED, "at": timezone.now().isoformat()}],
            )
            grant_job_permissions(job=job)
            created = socket_values_create(
                specs=specs,
                creator=creator,
                image_target=partial(_image_input_target, job),
                stored_keys=stored_keys,
            )
            job.inputs.set(created.values)
            if created.imports:
                job.pending_inputs = [
                    {"session": str(session.pk), "socket": spec.socket.slug}
                    for spec, session in created.imports
                ]
                job.status_note = (
                    f"Waiting for {len(created.imports)} input image(s) to be imported."
                )
                job.save(update_fields=["pending_inputs", "status_note"])
            audit_record(action=AuditRecord.Action.JOB_CREATED, actor=creator, obj=job)
            if not job.pending_inputs:
                job_enqueue(job=job)
    except BaseException:
        delete_stored_objects(stored_keys)
        raise
    return job, True


def check_active_job_limit(*, creator: User, algorithm: Algorithm, new_jobs: int) -> None:
    limit = algorithm.max_active_jobs_per_user
    active_jobs = Job.objects.filter(
        creator=creator, algorithm_image__algorithm=algorithm, status__in=Job.ACTIVE_STATUSES
    ).only("status", "status_history", "modified", "started", "time_limit", "pending_inputs")
    # a stuck job is the platform's fault, not the user's: it does not use up the limit
    active = sum(1 for job in active_jobs if stuck_cause(job) is None)
    if active + new_jobs > limit:
        raise JobRefused(
            f"You already have {active} queued or running job(s) with {algorithm.slug!r}; "
            f"the limit is {limit} per user. Wait for some to finish, then try again."
        )


def _image_input_target(job: Job, spec: InputSpec) -> dict:
    """Where an input image built from uploads goes: see `attach_imported_images`."""
    return {"kind": UPLOAD_TARGET, "job": str(job.pk), "socket": spec.socket.slug}


def job_enqueue(*, job: Job) -> None:
    enqueue("algorithms.tasks.execute_job", queue=job.queue, job_pk=str(job.pk))


def stop_containers(job: Job) -> None:
    """Have a worker of the job's own queue stop and remove its containers: only the
    workers have the container engine (web and beat may have none)."""
    enqueue("workers.tasks.stop_job_containers", queue=job.queue, job_id=str(job.pk))


def attach_imported_images(*, session: RawImageUploadSession, images: Sequence[Image]) -> None:
    """cases target handler: an input image of a waiting job is imported."""
    target = session.target
    job = Job.objects.select_for_update().filter(pk=target.get("job")).first()
    if job is None or job.status != S.QUEUED:
        raise TargetError("The job these images were for is no longer waiting for them.")
    slug = target.get("socket")
    if len(images) != 1:
        raise TargetError(
            f"Input {slug!r} takes one image, but the uploaded files gave {len(images)}."
        )
    socket = job.algorithm_interface.inputs.get(slug=slug)
    job.inputs.add(socket_value_create(socket=socket, image=images[0]))
    job.pending_inputs = [p for p in job.pending_inputs if p.get("session") != str(session.pk)]
    if not job.pending_inputs:
        job.status_note = ""
        job_enqueue(job=job)
    job.save(update_fields=["pending_inputs", "status_note", "modified"])


def fail_jobs_with_failed_imports() -> int:
    """Jobs waiting for an image import that failed fail with the import's reason."""
    failed = 0
    waiting = Job.objects.filter(status=S.QUEUED).exclude(pending_inputs=[])
    for job in waiting:
        for pending in job.pending_inputs:
            session = RawImageUploadSession.objects.filter(pk=pending["session"]).first()
            if session is None or session.status in (
                RawImageUploadSession.Status.FAILED,
                RawImageUploadSession.Status.CANCELLED,
            ):
                reason = session.error_message if session else "the import was removed"
                message = f"Input {pending['socket']!r}: the image import failed: {reason}"
                if _settle_waiting(job_pk=job.pk, message=message):
                    failed += 1
                break
    return failed


def _settle_waiting(*, job_pk: Any, message: str) -> bool:
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_pk, status=S.QUEUED).first()
        if job is None:
            return False
        job.error_message = message
        job.record_status(S.FAILED)
        job.save()
        return True


def job_cancel(*, job: Job, actor: User | None, reason: str = "") -> Job:
    """Stop a job that has not finished; its container, if any, is killed. Without an actor
    the platform cancels it (a challenge submission whose other case failed) and `reason`
    says why."""
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        if locked.is_final:
            raise JobRefused(f"The job has already finished ({locked.status.lower()}).")
        was_running = locked.status in Job.RUNNING_STATUSES
        locked.error_message = reason or (
            f"Cancelled by {actor.get_username()}." if actor else "Cancelled."
        )
        locked.record_status(S.CANCELLED)
        locked.save()
        audit_record(action=AuditRecord.Action.JOB_CANCELLED, actor=actor, obj=locked)
        if was_running:
            stop_containers(locked)
    return locked


def job_rerun(*, job: Job, actor: User) -> Job:
    """A new job of the algorithm's active image on the same inputs."""
    if job.pending_inputs or job.inputs.count() != job.algorithm_interface.inputs.count():
        raise JobRefused("This job's inputs are incomplete, so it cannot be run again.")
    specs = [InputSpec(socket=civ.interface, existing=civ) for civ in job.inputs.all()]
    new, _ = job_create(
        creator=actor, algorithm=job.algorithm_image.algorithm, specs=specs, reuse_existing=False
    )
    return new
