"""Phases of a challenge with their leaderboard settings, evaluation methods and ground
truths (contracts §B.2, §B.3). Stored values are GC's, so scripts written for GC's field
values work unchanged."""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from challenges import ranking
from challenges.models.challenges import Challenge


def private_storage() -> Storage:
    return storages["private"]


def method_path(instance: "Method", filename: str) -> str:
    suffix = ".tar.gz" if filename.endswith((".gz", ".tgz")) else ".tar"
    if filename.endswith(".xz"):
        suffix = ".tar.xz"
    return f"evaluation-methods/{instance.phase_id}/{instance.pk}{suffix}"


def ground_truth_path(instance: "EvaluationGroundTruth", filename: str) -> str:
    return f"evaluation-ground-truths/{instance.phase_id}/{instance.pk}.tar.gz"


class GPUType(models.TextChoices):
    NO_GPU = "", "No GPU"
    A100 = "A100"
    A10G = "A10G"
    V100 = "V100"
    K80 = "K80"
    T4 = "T4"


class Phase(models.Model):
    class SubmissionKind(models.IntegerChoices):
        CSV = 1, "Predictions"
        ALGORITHM = 3, "Algorithm"

    class Sort(models.TextChoices):
        ASCENDING = ranking.ASCENDING, "Ascending"
        DESCENDING = ranking.DESCENDING, "Descending"

    class ScoringMethod(models.TextChoices):
        ABSOLUTE = ranking.ABSOLUTE, "Use the absolute value of the score column"
        MEAN = ranking.MEAN, "Use the mean of the relative ranks of the score and extra columns"
        MEDIAN = (
            ranking.MEDIAN,
            "Use the median of the relative ranks of the score and extra columns",
        )

    class ResultDisplay(models.TextChoices):
        ALL = ranking.ALL, "Display all results"
        MOST_RECENT = ranking.MOST_RECENT, "Only display each users most recent result"
        BEST = ranking.BEST, "Only display each users best result"

    Status = Challenge.Status

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    challenge = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="phases")
    title = models.CharField(max_length=64)
    slug = models.SlugField(max_length=64)
    submission_kind = models.PositiveSmallIntegerField(
        choices=SubmissionKind.choices, default=SubmissionKind.CSV
    )
    archive = models.ForeignKey(
        "archives.Archive",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Algorithm phases: the hidden test cases each submission runs on.",
    )
    algorithm_interfaces = models.ManyToManyField(
        "algorithms.AlgorithmInterface", blank=True, related_name="+"
    )
    # leaderboard
    score_title = models.CharField(max_length=32, default="Score")
    score_jsonpath = models.CharField(max_length=255, blank=True)
    score_error_jsonpath = models.CharField(max_length=255, blank=True)
    score_default_sort = models.CharField(
        max_length=4, choices=Sort.choices, default=Sort.DESCENDING
    )
    score_decimal_places = models.PositiveSmallIntegerField(
        default=4, validators=[MaxValueValidator(16)]
    )
    extra_results_columns = models.JSONField(default=list, blank=True)
    scoring_method_choice = models.CharField(
        max_length=3, choices=ScoringMethod.choices, default=ScoringMethod.ABSOLUTE
    )
    result_display_choice = models.CharField(
        max_length=3, choices=ResultDisplay.choices, default=ResultDisplay.ALL
    )
    auto_publish_new_results = models.BooleanField(default=True)
    display_all_metrics = models.BooleanField(default=True)
    # submissions
    submissions_limit_per_user_per_period = models.PositiveIntegerField(
        default=0, help_text="0 closes the phase."
    )
    submission_limit_period = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        default=1,
        validators=[MinValueValidator(1)],
        help_text="Days; empty means the limit is for all time.",
    )
    submissions_open_at = models.DateTimeField(null=True, blank=True)
    submissions_close_at = models.DateTimeField(null=True, blank=True)
    public = models.BooleanField(default=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        help_text="A successful submission there comes first (debug phase -> final phase).",
    )
    external_evaluation = models.BooleanField(default=False)
    submission_page_markdown = models.TextField(blank=True)
    give_algorithm_editors_job_view_permissions = models.BooleanField(default=False)
    # compute
    evaluation_time_limit = models.PositiveIntegerField(
        default=3600, validators=[MinValueValidator(300), MaxValueValidator(86400)]
    )
    evaluation_requires_gpu_type = models.CharField(
        max_length=4, choices=GPUType.choices, default=GPUType.NO_GPU, blank=True
    )
    evaluation_requires_memory_gb = models.PositiveSmallIntegerField(
        default=8, validators=[MinValueValidator(1), MaxValueValidator(64)]
    )
    algorithm_time_limit = models.PositiveIntegerField(
        default=1200, validators=[MinValueValidator(300), MaxValueValidator(86400)]
    )
    algorithm_maximum_settable_memory_gb = models.PositiveSmallIntegerField(
        default=32, validators=[MinValueValidator(1), MaxValueValidator(64)]
    )

    class Meta:
        ordering = ("challenge", "submissions_open_at", "created")
        constraints = [
            models.UniqueConstraint(fields=["challenge", "title"], name="phase_unique_title"),
            models.UniqueConstraint(fields=["challenge", "slug"], name="phase_unique_slug"),
        ]

    def __str__(self) -> str:
        return f"{self.challenge} {self.title}"

    @property
    def is_algorithm_phase(self) -> bool:
        return self.submission_kind == Phase.SubmissionKind.ALGORITHM

    def open_for_submissions(self, *, at: datetime | None = None) -> bool:
        at = at or timezone.now()
        opens = self.submissions_open_at or at - timedelta(days=1)
        closes = self.submissions_close_at or at + timedelta(days=1)
        return (
            self.public and opens < at < closes and self.submissions_limit_per_user_per_period > 0
        )

    @property
    def status(self) -> str:
        at = timezone.now()
        if self.open_for_submissions(at=at):
            return Phase.Status.OPEN
        if self.submissions_open_at and at < self.submissions_open_at:
            return Phase.Status.OPENING_SOON
        if self.submissions_close_at and at > self.submissions_close_at:
            return Phase.Status.COMPLETED
        return Phase.Status.CLOSED

    @property
    def metrics(self) -> tuple[ranking.Metric, ...]:
        return ranking.phase_metrics(
            score_jsonpath=self.score_jsonpath,
            score_default_sort=self.score_default_sort,
            extra_results_columns=self.extra_results_columns,
        )


class Versioned(models.Model):
    """An uploaded file checked before use; one valid version per phase is active."""

    class Status(models.TextChoices):
        QUEUED = "Queued"
        VALIDATING = "Validating"
        VALID = "Valid"
        INVALID = "Invalid"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    user_upload = models.ForeignKey(
        "uploads.UserUpload", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sha256 = models.CharField(max_length=71, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    status_reason = models.TextField(blank=True)
    is_active = models.BooleanField(default=False)
    comment = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ("-created",)


class Method(Versioned):
    """The evaluation container image of a phase (a `docker save` tarball)."""

    phase = models.ForeignKey(Phase, on_delete=models.PROTECT, related_name="methods")
    image = models.FileField(
        upload_to=method_path, storage=private_storage, blank=True, max_length=1024
    )

    class Meta(Versioned.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["phase"], condition=models.Q(is_active=True), name="phase_one_active_method"
            ),
            models.CheckConstraint(
                name="method_active_is_valid",
                condition=models.Q(is_active=False) | models.Q(status="Valid"),
            ),
        ]

    def __str__(self) -> str:
        return f"Method {self.sha256[:19] or self.pk} of {self.phase}"


class EvaluationGroundTruth(Versioned):
    """A .tar.gz extracted at /opt/ml/input/data/ground_truth/ in the evaluation container."""

    phase = models.ForeignKey(Phase, on_delete=models.PROTECT, related_name="ground_truths")
    ground_truth = models.FileField(
        upload_to=ground_truth_path, storage=private_storage, blank=True, max_length=1024
    )

    class Meta(Versioned.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["phase"],
                condition=models.Q(is_active=True),
                name="phase_one_active_ground_truth",
            ),
            models.CheckConstraint(
                name="ground_truth_active_is_valid",
                condition=models.Q(is_active=False) | models.Q(status="Valid"),
            ),
        ]

    def __str__(self) -> str:
        return f"Ground truth {self.pk} of {self.phase}"
