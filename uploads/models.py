import uuid

from django.conf import settings
from django.db import models


class UserUpload(models.Model):
    """A file a user sends straight to the `uploads` bucket by S3 multipart upload."""

    class Status(models.TextChoices):
        INITIALIZED = "Initialized"
        COMPLETED = "Completed"
        ABORTED = "Aborted"
        # Consumed by an import (or removed): the object is gone; the row stays so the
        # bytes still count against the creator's daily quota and references keep working.
        DELETED = "Deleted"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="user_uploads"
    )
    filename = models.CharField(max_length=255)
    s3_upload_id = models.CharField(max_length=255, blank=True)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.INITIALIZED, db_index=True
    )
    size = models.BigIntegerField(
        null=True, blank=True, help_text="Bytes, once completed (or uploaded before an abort)"
    )
    max_presigned_part = models.PositiveIntegerField(
        default=0,
        help_text="Highest part number a URL was issued for; bounds the bytes this upload "
        "may still add, which the daily quota reserves",
    )

    class Meta:
        ordering = ("-created",)
        indexes = [models.Index(fields=["creator", "created"], name="upload_creator_created")]

    def __str__(self) -> str:
        return self.filename

    @property
    def key(self) -> str:
        """Object key in the uploads bucket; the user's file name never appears in it."""
        return f"uploads/{self.creator_id}/{self.pk}"
