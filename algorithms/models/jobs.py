"""Jobs: one run of an algorithm image on one set of inputs."""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils import timezone

# stdout and stderr are kept up to this many characters (their tails).
LOG_CAP_CHARS = 64 * 1024


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "Queued"
        PROVISIONING = "Provisioning"
        EXECUTING = "Executing"
        PARSING = "Parsing"
        SUCCEEDED = "Succeeded"
        FAILED = "Failed"
        CANCELLED = "Cancelled"

    # Statuses in which a container may be alive for this job.
    RUNNING_STATUSES = (Status.PROVISIONING, Status.EXECUTING, Status.PARSING)
    ACTIVE_STATUSES = (Status.QUEUED, *RUNNING_STATUSES)
    FINAL_STATUSES = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)
    # what `record_status` changes: a status change saves these (and its own fields) only
    STATUS_FIELDS = ("status", "status_history", "started", "completed", "modified")

    class Queue(models.TextChoices):  # the worker queue, named in settings
        CPU = settings.QUEUE_JOBS_CPU
        GPU = settings.QUEUE_JOBS_GPU

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    algorithm_image = models.ForeignKey(
        "algorithms.AlgorithmImage", on_delete=models.PROTECT, related_name="jobs"
    )
    algorithm_interface = models.ForeignKey(
        "algorithms.AlgorithmInterface", on_delete=models.PROTECT, related_name="jobs"
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    # [{"status": "Queued", "at": iso time}, ...]: when each step began
    status_history = models.JSONField(default=list, blank=True)
    # a note while queued (waiting for images) or the reason of a final status
    status_note = models.TextField(blank=True)
    error_message = models.TextField(blank=True)
    started = models.DateTimeField(null=True, blank=True, help_text="Container start")
    completed = models.DateTimeField(null=True, blank=True)
    exec_duration = models.DurationField(null=True, blank=True)
    stdout = models.TextField(blank=True)
    stderr = models.TextField(blank=True)
    queue = models.CharField(max_length=16, choices=Queue.choices, default=Queue.CPU)
    time_limit = models.PositiveIntegerField(help_text="Seconds, copied from the algorithm")
    attempt = models.PositiveIntegerField(default=0)
    inputs = models.ManyToManyField(
        "components.ComponentInterfaceValue", related_name="jobs_as_input", blank=True
    )
    outputs = models.ManyToManyField(
        "components.ComponentInterfaceValue", related_name="jobs_as_output", blank=True
    )
    # upload sessions whose images become inputs; the job waits until they are done
    pending_inputs = models.JSONField(default=list, blank=True)
    # sha256 of the sorted (socket, value/image/file) inputs, to reuse jobs on re-requests
    inputs_digest = models.CharField(max_length=64, blank=True, db_index=True)
    viewers_group = models.OneToOneField(
        Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-created",)
        permissions = [("view_logs", "View the logs of a job"), ("cancel_job", "Cancel a job")]
        indexes = [models.Index(fields=["algorithm_image", "inputs_digest"])]

    def __str__(self) -> str:
        return f"Job {self.pk}"

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL_STATUSES

    @property
    def duration(self) -> timedelta | None:
        """How long the container ran (so far, while it runs); None before it started."""
        if self.exec_duration is not None:
            return self.exec_duration
        if self.started is None:
            return None
        return (self.completed or timezone.now()) - self.started

    @property
    def deadline(self) -> datetime | None:
        if self.started is None:
            return None
        return self.started + timedelta(seconds=self.time_limit)

    def record_status(self, status: str, *, at: datetime | None = None) -> None:
        """Set the status and note when it began; the caller saves."""
        moment = at or timezone.now()
        self.status = status
        self.status_history = [*self.status_history, {"status": status, "at": moment.isoformat()}]
        if status == self.Status.EXECUTING:
            self.started = moment
        if status in self.FINAL_STATUSES:
            self.completed = moment
