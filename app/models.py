import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models
from django.utils import timezone


class ApiToken(models.Model):
    """A named API token. Only the SHA-256 of the secret is stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False, help_text="Shown to tell tokens apart")
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField()
    revoked = models.DateTimeField(null=True, blank=True)
    last_used = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created",)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def status(self) -> str:
        if self.revoked is not None:
            return "revoked"
        if self.expires <= timezone.now():
            return "expired"
        return "active"


class AuditQuerySet(models.QuerySet):
    """Bulk changes would bypass the model's own guard; refuse them too.

    This guards against mistakes in code, not against someone with database access."""

    def update(self, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError("audit records cannot be changed")

    def delete(self):  # type: ignore[no-untyped-def]
        raise PermissionError("audit records cannot be deleted")


class AuditRecord(models.Model):
    """An append-only record of something security-relevant that happened."""

    class Action(models.TextChoices):
        SIGN_IN = "sign-in"
        SIGN_IN_FAILED = "sign-in-failed"
        SIGN_OUT = "sign-out"
        TOKEN_CREATED = "token-created"
        TOKEN_REVOKED = "token-revoked"
        PERMISSION_GRANTED = "permission-granted"
        PERMISSION_REVOKED = "permission-revoked"
        DOWNLOAD = "download"
        JOB_CREATED = "job-created"
        JOB_CANCELLED = "job-cancelled"
        UPLOAD = "upload"

    created = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_name = models.CharField(max_length=150, blank=True, help_text="Kept if the user goes")
    action = models.CharField(max_length=32, choices=Action.choices, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ("-created",)

    def __str__(self) -> str:
        return f"{self.created:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action}"

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if not self._state.adding:
            raise PermissionError("audit records cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError("audit records cannot be deleted")


class AccessRequestHandling(models.TextChoices):
    """How an object with members answers requests to join it (grand-challenge's names)."""

    MANUAL_REVIEW = "MANUAL_REVIEW", "Manually review all requests"
    ACCEPT_VERIFIED_USERS = "ACCEPT_VERIFIED_USERS", "Accept verified users"
    ACCEPT_ALL = "ACCEPT_ALL", "Accept all requests"


class RoleRequest(models.Model):
    """Grand-challenge's request to join a reader study or a challenge, with GC's status
    codes (its APIs expose them): the shared part of both apps' concrete models."""

    class Status(models.TextChoices):
        PENDING = "PEND", "Pending"
        ACCEPTED = "ACPT", "Accepted"
        REJECTED = "RJCT", "Rejected"

    created = models.DateTimeField(auto_now_add=True)
    changed = models.DateTimeField(auto_now=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=4, choices=Status.choices, default=Status.PENDING)

    class Meta:
        abstract = True
        ordering = ("-created",)


class AccessRequest(models.Model):
    """A user asks to join a role of an object: a creator group (creator rights) or a
    member role of an archive or algorithm. One model keyed by content type, so every
    app's "Request access" shares one flow; reader studies and challenges keep their own
    (their handling policies predate this and their APIs expose them)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    created = models.DateTimeField(auto_now_add=True)
    decided = models.DateTimeField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_requests"
    )
    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE)
    # Text, because archives use UUIDs and groups integers.
    object_id = models.CharField(max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    role = models.CharField(max_length=32, blank=True, help_text="Empty for creator groups")
    reason = models.TextField(max_length=2000, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    # Set when the user has been shown the decision on a page, so it is shown once.
    notified = models.BooleanField(default=False)

    class Meta:
        ordering = ("-created",)
        constraints = [
            models.UniqueConstraint(
                fields=["user", "content_type", "object_id", "role"],
                condition=models.Q(status="pending"),
                name="one_pending_access_request",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.user} -> {self.content_type.model} {self.object_id} {self.role} ({self.status})"
        )
