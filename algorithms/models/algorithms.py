"""Algorithms, their interfaces (input sockets -> output sockets) and container images."""

import uuid

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.storage import Storage, storages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.text import slugify

from components.models import ComponentInterface
from hanging_protocols.models import HangingProtocolMixin


def private_storage() -> Storage:
    """Algorithm image tarballs stay in the private bucket, never served to browsers."""
    return storages["private"]


def public_storage() -> Storage:
    return storages["public"]


def logo_path(instance: "Algorithm", filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "png"
    return f"logos/algorithms/{instance.pk}/{uuid.uuid4()}.{suffix}"


def image_tarball_path(instance: "AlgorithmImage", filename: str) -> str:
    suffix = ".tar.gz" if filename.endswith((".gz", ".tgz")) else ".tar"
    if filename.endswith(".xz"):
        suffix = ".tar.xz"
    return f"algorithm-images/{instance.algorithm_id}/{instance.pk}{suffix}"


class Algorithm(HangingProtocolMixin, models.Model):
    """A containerised algorithm: one or more interfaces and a history of images."""

    EDITOR_PERMISSIONS = ("view_algorithm", "change_algorithm", "execute_algorithm")
    USER_PERMISSIONS = ("view_algorithm", "execute_algorithm")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    title = models.CharField(max_length=255, unique=True)
    slug = models.SlugField(max_length=255, unique=True, editable=False)
    description = models.TextField(blank=True)
    logo = models.ImageField(upload_to=logo_path, storage=public_storage, blank=True)
    public = models.BooleanField(
        default=False, help_text="Anyone signed in may see and run a public algorithm."
    )
    editors_group = models.OneToOneField(
        Group, null=True, editable=False, on_delete=models.PROTECT, related_name="+"
    )
    users_group = models.OneToOneField(
        Group, null=True, editable=False, on_delete=models.PROTECT, related_name="+"
    )
    time_limit = models.PositiveIntegerField(
        default=3600,
        validators=[MinValueValidator(60), MaxValueValidator(86400)],
        help_text="Seconds a job may run before it is stopped.",
    )
    memory_limit_gb = models.PositiveSmallIntegerField(
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(64)],
        help_text="Memory a job's container may use, in GB.",
    )
    requires_gpu = models.BooleanField(default=False)
    max_active_jobs_per_user = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text="How many jobs one user may have queued or running at once.",
    )

    class Meta:
        ordering = ("-created",)
        permissions = (("execute_algorithm", "Can run jobs with the algorithm"),)

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if not self.slug:
            self.slug = slugify(self.title)[:255]
        super().save(*args, **kwargs)

    @property
    def active_image(self) -> "AlgorithmImage | None":
        return self.images.filter(is_active=True).first()


class AlgorithmInterface(models.Model):
    """One way to call an algorithm: this set of input sockets gives that set of outputs."""

    algorithm = models.ForeignKey(Algorithm, on_delete=models.CASCADE, related_name="interfaces")
    inputs = models.ManyToManyField(ComponentInterface, related_name="+")
    outputs = models.ManyToManyField(ComponentInterface, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created", "pk")

    def __str__(self) -> str:
        ins = ", ".join(ci.slug for ci in self.inputs.all())
        outs = ", ".join(ci.slug for ci in self.outputs.all())
        return f"{self.algorithm}: ({ins}) -> ({outs})"


class AlgorithmImage(models.Model):
    """A `docker save` tarball of an algorithm, validated before it may run."""

    class Status(models.TextChoices):
        QUEUED = "Queued"
        VALIDATING = "Validating"
        VALID = "Valid"
        INVALID = "Invalid"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    algorithm = models.ForeignKey(Algorithm, on_delete=models.PROTECT, related_name="images")
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    user_upload = models.ForeignKey(
        "uploads.UserUpload",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The upload the tarball came from, until it is moved to the private bucket.",
    )
    image = models.FileField(
        upload_to=image_tarball_path, storage=private_storage, blank=True, max_length=1024
    )
    image_sha256 = models.CharField(
        max_length=71, blank=True, db_index=True, help_text="Docker image ID: sha256 of config"
    )
    size = models.BigIntegerField(null=True, blank=True, help_text="Tarball size in bytes")
    run_as = models.CharField(
        max_length=32,
        blank=True,
        help_text="uid:gid the container runs as: the image's USER resolved at validation",
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    status_reason = models.TextField(blank=True, help_text="Why the image was refused")
    is_active = models.BooleanField(default=False)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ("-created",)
        constraints = [
            models.UniqueConstraint(
                fields=["algorithm"],
                condition=models.Q(is_active=True),
                name="algorithm_one_active_image",
            ),
            models.UniqueConstraint(
                fields=["algorithm", "image_sha256"],
                condition=models.Q(status="Valid"),
                name="algorithm_image_unique_valid_sha256",
            ),
            models.CheckConstraint(
                name="algorithm_image_active_is_valid",
                condition=models.Q(is_active=False) | models.Q(status="Valid"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.algorithm} image {self.image_sha256[:19] or self.pk}"
