"""Reads for archives: what a user may see and do."""

import uuid

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from app.permissions import can, visible_to
from app.urlresolve import pk_from_api_url
from archives.models import Archive, ArchiveItem
from cases.models import Image
from components.models import ComponentInterface

AnyUser = User | AnonymousUser


def archives_visible_to(user: AnyUser) -> QuerySet[Archive]:
    return visible_to(user, Archive.objects.all())


def archive_items_visible_to(user: AnyUser) -> QuerySet[ArchiveItem]:
    return ArchiveItem.objects.filter(archive__in=archives_visible_to(user).values("pk"))


def images_in_archives_visible_to(user: User) -> QuerySet[Image]:
    """Registered with `cases.selectors.register_image_visibility`."""
    return Image.objects.filter(
        componentinterfacevalue__archive_items__archive__in=archives_visible_to(user).values("pk")
    )


def archive_from_reference(*, user: AnyUser, value: object) -> Archive | None:
    """The archive an API URL, pk or slug names, if user may see it."""
    archives = archives_visible_to(user)
    pk = pk_from_api_url(value, "api:archive-detail")
    if pk is not None:
        return archives.filter(pk=pk).first()
    if isinstance(value, str) and len(value) <= 255:
        return archives.filter(slug=value.rstrip("/").rsplit("/", 1)[-1]).first()
    return None


def may_upload(user: AnyUser, archive: Archive) -> bool:
    return can(user, "upload_archive", archive)


def may_edit(user: AnyUser, archive: Archive) -> bool:
    return can(user, "change_archive", archive)


def archives_listed_for(user: AnyUser) -> QuerySet[Archive]:
    """Archives whose existence the user may see: theirs, and public ones when signed in
    (to request access; the items of a public archive stay members-only)."""
    if not (user.is_authenticated and user.is_active):
        return Archive.objects.none()
    return Archive.objects.filter(Q(pk__in=archives_visible_to(user).values("pk")) | Q(public=True))


def is_member(user: AnyUser, archive: Archive) -> bool:
    return can(user, "view_archive", archive)


def archive_list_for(user: AnyUser) -> QuerySet[Archive]:
    return archives_listed_for(user).annotate(item_count=Count("items"))


def sockets_in(archive: Archive) -> list[tuple[str, str]]:
    """(slug, title) of the sockets the archive's items hold values of, for the filter."""
    return list(
        ComponentInterface.objects.filter(pk__in=archive.items.values("values__interface"))
        .order_by("title")
        .values_list("slug", "title")
    )


def items_of(archive: Archive) -> QuerySet[ArchiveItem]:
    return archive.items.prefetch_related("values__interface", "values__image").order_by(
        "-created", "pk"
    )


def members_of(archive: Archive) -> dict[str, list[User]]:
    return {
        role: list(getattr(archive, f"{role}_group").user_set.order_by("username"))
        for role in ("editors", "uploaders", "users")
    }


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


NO_UUID = uuid.UUID(int=0)  # matches no row: for a reference that is not a UUID


def image_crumbs(*, user: AnyUser, image: Image, hint: str) -> list[tuple[str, str]]:
    """Archive > item above an image page (`cases.crumbs`): the item the link came from
    (`hint`), else the newest item the user sees that holds the image."""
    items = (
        archive_items_visible_to(user)
        .filter(values__image=image)
        .select_related("archive")
        .order_by("-created", "pk")
    )
    hinted = _uuid(hint)
    item = (items.filter(pk=hinted).first() if hinted else None) or items.first()
    if item is None:
        return []
    return [
        ("Archives", reverse("archives:list")),
        (item.archive.title, item.archive.get_absolute_url()),
        (str(item), item.get_absolute_url()),
    ]


def target_crumbs(*, user: AnyUser, target: dict) -> list[tuple[str, str]]:
    """Archive (> item) an upload session sends its images to, if the user sees it."""
    if target.get("kind") == "archive-item":
        item = (
            archive_items_visible_to(user)
            .filter(pk=_uuid(target.get("item")) or NO_UUID)
            .select_related("archive")
            .first()
        )
        if item is None:
            return []
        return [
            ("Archives", reverse("archives:list")),
            (item.archive.title, item.archive.get_absolute_url()),
            (str(item), item.get_absolute_url()),
        ]
    archive = archives_visible_to(user).filter(pk=_uuid(target.get("archive")) or NO_UUID).first()
    if archive is None:
        return []
    return [("Archives", reverse("archives:list")), (archive.title, archive.get_absolute_url())]


def default_image_socket_slug(archive: Archive) -> str:
    """The image socket most of the archive's items use: where new cases most likely go."""
    top = (
        archive.items.filter(values__image__isnull=False)
        .values("values__interface__slug")
        .annotate(n=Count("pk"))
        .order_by("-n", "values__interface__slug")
        .first()
    )
    return top["values__interface__slug"] if top else "generic-medical-image"
