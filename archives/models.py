import uuid

from django.contrib.auth.models import Group
from django.core.files.storage import Storage, storages
from django.db import models
from django.urls import reverse

from app.models import AccessRequestHandling
from hanging_protocols.models import HangingProtocolMixin


def public_storage() -> Storage:
    return storages["public"]


def logo_key(instance: "Archive", filename: str) -> str:
    """Only UUIDs in the key: the uploader's file name stays out of the store."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "png"
    return f"archives/logos/{uuid.uuid4()}.{suffix[:5]}"


class Archive(HangingProtocolMixin, models.Model):
    """A collection of cases (archive items) shared with its members.

    Roles: editors manage the archive and its members, uploaders add cases, users view.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    title = models.CharField(max_length=255)
    slug = models.SlugField(max_length=255, unique=True, editable=False)
    description = models.TextField(blank=True)
    logo = models.ImageField(upload_to=logo_key, storage=public_storage, blank=True)
    public = models.BooleanField(
        default=False,
        help_text="Anyone signed in sees that a public archive exists and may request access; "
        "its items stay visible to members only.",
    )
    access_request_handling = models.CharField(
        max_length=25,
        choices=AccessRequestHandling.choices,
        default=AccessRequestHandling.MANUAL_REVIEW,
        help_text="How requests to view this archive are answered.",
    )
    editors_group = models.OneToOneField(
        Group, null=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )
    uploaders_group = models.OneToOneField(
        Group, null=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )
    users_group = models.OneToOneField(
        Group, null=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("title",)
        permissions = [("upload_archive", "Can add cases to the archive")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("archives:detail", kwargs={"slug": self.slug})


class ArchiveItem(models.Model):
    """One case: a set of socket values (images, files, JSON values)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    archive = models.ForeignKey(Archive, on_delete=models.CASCADE, related_name="items")
    title = models.CharField(max_length=255, blank=True)
    values = models.ManyToManyField(
        "components.ComponentInterfaceValue", blank=True, related_name="archive_items"
    )

    class Meta:
        ordering = ("-created",)

    def __str__(self) -> str:
        return self.title or f"Item {str(self.pk)[:8]}"

    def get_absolute_url(self) -> str:
        return reverse("archives:item", kwargs={"slug": self.archive.slug, "pk": self.pk})
