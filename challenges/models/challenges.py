"""Challenges and who takes part in them (contracts §B.1)."""

import uuid

from django.contrib.auth.models import Group
from django.core.files.storage import Storage, storages
from django.core.validators import RegexValidator
from django.db import models

from app.models import RoleRequest


def public_storage() -> Storage:
    return storages["public"]


def logo_path(instance: "Challenge", filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "png"
    return f"logos/challenges/{instance.pk}/{uuid.uuid4()}.{suffix[:5]}"


def banner_path(instance: "Challenge", filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "png"
    return f"banners/challenges/{instance.pk}/{uuid.uuid4()}.{suffix[:5]}"


class Challenge(models.Model):
    """A task with hidden test data and a leaderboard, run by its admins.

    Roles: admins manage it, participants submit, external evaluators claim evaluations.
    """

    class AccessRequestHandling(models.TextChoices):
        MANUAL_REVIEW = "MANUAL_REVIEW", "Manually review all requests"
        ACCEPT_VERIFIED_USERS = "ACCEPT_VERIFIED_USERS", "Accept requests of verified users"
        ACCEPT_ALL = "ACCEPT_ALL", "Accept all requests"

    class Status(models.TextChoices):
        OPEN = "Open"
        OPENING_SOON = "Opening soon"
        COMPLETED = "Completed"
        CLOSED = "Closed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    # GC's short_name: URL part and the API's `slug`; no underscores (GC uses them in group names)
    slug = models.CharField(
        max_length=50,
        unique=True,
        validators=[
            RegexValidator(
                r"^[a-z0-9]+(-[a-z0-9]+)*$",
                "Use lower-case letters, digits and single hyphens (no underscores).",
            )
        ],
    )
    title = models.CharField(max_length=64, blank=True)
    description = models.CharField(max_length=1024, blank=True)
    hidden = models.BooleanField(
        default=True, help_text="A hidden challenge is seen only by its admins and participants."
    )
    access_request_handling = models.CharField(
        max_length=25,
        choices=AccessRequestHandling.choices,
        default=AccessRequestHandling.MANUAL_REVIEW,
    )
    contact_email = models.EmailField(blank=True)
    logo = models.ImageField(upload_to=logo_path, storage=public_storage, blank=True)
    banner = models.ImageField(
        upload_to=banner_path,
        storage=public_storage,
        blank=True,
        help_text="A wide image across the top of the challenge's pages.",
    )
    use_teams = models.BooleanField(
        default=False,
        help_text="Participants may form teams: members share submission limits and the "
        "leaderboard ranks a team as one participant.",
    )
    admins_group = models.OneToOneField(
        Group, null=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )
    participants_group = models.OneToOneField(
        Group, null=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )
    external_evaluators_group = models.OneToOneField(
        Group, null=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-created",)

    def __str__(self) -> str:
        return self.title or self.slug

    @property
    def public(self) -> bool:
        return not self.hidden

    @property
    def status(self) -> str:
        """From the visible phases: open if any is open, completed if all are, etc."""
        statuses = [p.status for p in self.phases.all() if p.public]
        if Challenge.Status.OPEN in statuses:
            return Challenge.Status.OPEN
        if statuses and all(s == Challenge.Status.COMPLETED for s in statuses):
            return Challenge.Status.COMPLETED
        if Challenge.Status.OPENING_SOON in statuses:
            return Challenge.Status.OPENING_SOON
        return Challenge.Status.CLOSED


class RegistrationRequest(RoleRequest):
    challenge = models.ForeignKey(
        Challenge, on_delete=models.CASCADE, related_name="registration_requests"
    )

    class Meta(RoleRequest.Meta):
        constraints = [
            models.UniqueConstraint(fields=["user", "challenge"], name="one_request_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} -> {self.challenge} ({self.status})"
