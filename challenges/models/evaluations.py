"""Submissions and their evaluations (contracts §B.3, §B.4)."""

import uuid

from django.conf import settings
from django.db import models

from challenges.models.phases import EvaluationGroundTruth, Method, Phase, private_storage


def predictions_path(instance: "Submission", filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"evaluation-predictions/{instance.phase_id}/{instance.pk}.{suffix[:5]}"


class Submission(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    phase = models.ForeignKey(Phase, on_delete=models.PROTECT, related_name="submissions")
    algorithm_image = models.ForeignKey(
        "algorithms.AlgorithmImage",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # frozen copies: later changes to the algorithm do not change what was submitted
    algorithm_requires_gpu = models.BooleanField(default=False)
    algorithm_requires_memory_gb = models.PositiveSmallIntegerField(null=True, blank=True)
    user_upload = models.ForeignKey(
        "uploads.UserUpload", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    predictions_file = models.FileField(
        upload_to=predictions_path, storage=private_storage, blank=True, max_length=1024
    )
    # the name the participant gave it, shown back; the stored key holds only ids
    predictions_filename = models.CharField(max_length=255, blank=True)
    comment = models.CharField(max_length=128, blank=True)
    jobs = models.ManyToManyField("algorithms.Job", blank=True, related_name="+")
    # the team the submitter was in when submitting (teams on): the result stays the team's,
    # and uses up its limit, whoever joins or leaves later; a dissolved team's become the
    # submitters' own
    team = models.ForeignKey(
        "challenges.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="submissions",
    )

    class Meta:
        ordering = ("-created",)
        constraints = [
            models.UniqueConstraint(
                fields=["phase", "algorithm_image"],
                condition=models.Q(algorithm_image__isnull=False),
                name="submission_unique_image_per_phase",
            ),
        ]

    def __str__(self) -> str:
        return f"Submission {self.pk}"


class Evaluation(models.Model):
    class Status(models.IntegerChoices):
        PENDING = 0, "Queued"
        STARTED = 1, "Started"
        RETRY = 2, "Re-Queued"
        FAILURE = 3, "Failed"
        SUCCESS = 4, "Succeeded"
        CANCELLED = 5, "Cancelled"
        PROVISIONING = 6, "Provisioning"
        PROVISIONED = 7, "Provisioned"
        EXECUTING = 8, "Executing"
        EXECUTED = 9, "Executed"
        PARSING = 10, "Parsing Outputs"
        EXECUTING_PREREQUISITES = 11, "Executing Algorithm"
        CLAIMED = 12, "External Execution In Progress"
        VALIDATING_INPUTS = 13, "Validating inputs"

    # failed and cancelled evaluations do not use up a submission slot
    NOT_COUNTED = (Status.FAILURE, Status.CANCELLED)
    FINAL = (Status.FAILURE, Status.SUCCESS, Status.CANCELLED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="evaluations")
    method = models.ForeignKey(Method, null=True, on_delete=models.PROTECT, related_name="+")
    ground_truth = models.ForeignKey(
        EvaluationGroundTruth, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.PositiveSmallIntegerField(
        choices=Status.choices, default=Status.PENDING, db_index=True
    )
    error_message = models.CharField(max_length=1024, blank=True)
    detailed_error_message = models.JSONField(default=dict, blank=True)
    stdout = models.TextField(blank=True)
    stderr = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    exec_duration = models.DurationField(null=True, blank=True)
    invoke_duration = models.DurationField(null=True, blank=True)
    time_limit = models.PositiveIntegerField(default=3600)
    requires_gpu_type = models.CharField(max_length=4, blank=True)
    requires_memory_gb = models.PositiveSmallIntegerField(default=8)
    inputs = models.ManyToManyField(
        "components.ComponentInterfaceValue", blank=True, related_name="+"
    )
    outputs = models.ManyToManyField(
        "components.ComponentInterfaceValue", blank=True, related_name="+"
    )
    input_prefixes = models.JSONField(default=dict, blank=True)
    # the parsed /output/metrics.json (also an output value of socket metrics-json-file)
    metrics = models.JSONField(null=True, blank=True)
    published = models.BooleanField(default=True)
    rank = models.PositiveIntegerField(default=0, help_text="0: not on the leaderboard")
    rank_score = models.FloatField(default=0.0)
    rank_per_metric = models.JSONField(default=dict, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created",)
        permissions = [("claim_evaluation", "Can claim an external evaluation")]

    def __str__(self) -> str:
        return f"Evaluation {self.pk}"
