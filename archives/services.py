"""Writes for archives, their members and their items."""

from collections.abc import Sequence

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.text import slugify

from app.models import AccessRequestHandling
from app.permissions import add_member, create_role_groups, remove_member
from app.services import audit_record
from archives.models import Archive, ArchiveItem
from cases.models import Image, RawImageUploadSession
from cases.services import upload_session_create
from cases.targets import TargetError
from components.models import ComponentInterface, ComponentInterfaceValue
from components.selectors import DEFAULT_IMAGE_SOCKET, image_socket
from components.services import socket_value_create
from components.values import ValueSpec, socket_values_create
from uploads.models import UserUpload

ROLES = ("editors", "uploaders", "users")
ROLE_PERMISSIONS = {
    "editors": ["view_archive", "change_archive", "upload_archive"],
    "uploaders": ["view_archive", "upload_archive"],
    "users": ["view_archive"],
}
MAX_LOGO_BYTES = 2 * 2**20
RESERVED_SLUGS = {"create", "items"}  # page paths under /archives/


def _unique_slug(title: str) -> str:
    base = slugify(title)[:200] or "archive"
    slug, n = base, 1
    while slug in RESERVED_SLUGS or Archive.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def archive_create(
    *,
    creator: User,
    title: str,
    description: str = "",
    logo: UploadedFile | None = None,
    public: bool = False,
    request: HttpRequest | None = None,
) -> Archive:
    """Create an archive; its creator becomes its first editor."""
    title = title.strip()
    if not title:
        raise ValidationError({"title": "Give the archive a title."})
    if logo is not None and logo.size is not None and logo.size > MAX_LOGO_BYTES:
        raise ValidationError({"logo": f"The logo must be at most {MAX_LOGO_BYTES} bytes."})
    for _ in range(3):  # two creators racing for one slug: the loser takes the next one
        try:
            with transaction.atomic():
                archive = Archive.objects.create(
                    title=title[:255],
                    slug=_unique_slug(title),
                    description=description,
                    public=public,
                )
                create_role_groups(obj=archive, roles=ROLE_PERMISSIONS)
                add_member(
                    obj=archive, role="editors", user=creator, actor=creator, request=request
                )
                if logo is not None:
                    archive.logo.save(logo.name or "logo.png", logo, save=True)
                return archive
        except IntegrityError:
            continue
    raise ValidationError({"title": "Could not find a free slug for this title; try another."})


def archive_access_update(
    *,
    archive: Archive,
    public: bool,
    access_request_handling: str,
    actor: User,
    request: HttpRequest | None = None,
) -> Archive:
    """Change who sees the archive exists and how requests to join are answered."""
    if access_request_handling not in AccessRequestHandling.values:
        raise ValidationError(
            {"access_request_handling": f"Unknown handling {access_request_handling!r}."}
        )
    archive.public = public
    archive.access_request_handling = access_request_handling
    archive.save(update_fields=["public", "access_request_handling", "modified"])
    audit_record(
        action="archive-access-changed",
        actor=actor,
        obj=archive,
        request=request,
        detail={"public": public, "access_request_handling": access_request_handling},
    )
    return archive


def archive_update(
    *, archive: Archive, title: str, description: str, logo: UploadedFile | None = None
) -> Archive:
    archive.title = title.strip()[:255] or archive.title
    archive.description = description
    if logo is not None:
        archive.logo.save(logo.name or "logo.png", logo, save=False)
    archive.save()
    return archive


def archive_member_add(
    *, archive: Archive, role: str, user: User, actor: User, request: HttpRequest | None = None
) -> None:
    if role not in ROLES:
        raise ValidationError({"role": f"Role must be one of {', '.join(ROLES)}."})
    add_member(obj=archive, role=role, user=user, actor=actor, request=request)


def archive_member_remove(
    *, archive: Archive, role: str, user: User, actor: User, request: HttpRequest | None = None
) -> None:
    if role not in ROLES:
        raise ValidationError({"role": f"Role must be one of {', '.join(ROLES)}."})
    with transaction.atomic():
        group = getattr(archive, f"{role}_group")
        if role == "editors" and group.user_set.exclude(pk=user.pk).count() == 0:
            raise ValidationError({"user": "An archive keeps at least one editor."})
        remove_member(obj=archive, role=role, user=user, actor=actor, request=request)


def archive_item_create(*, archive: Archive, title: str = "") -> ArchiveItem:
    return ArchiveItem.objects.create(archive=archive, title=title[:255])


def archive_cases_target(*, archive: Archive, interface: ComponentInterface) -> dict:
    """The upload target that makes each built image a new item of archive."""
    return {"kind": "archive", "archive": str(archive.pk), "interface": interface.slug}


def archive_item_image_target(*, item: ArchiveItem, interface: ComponentInterface) -> dict:
    """The upload target that makes the one built image item's value of interface."""
    image_socket(interface.slug)
    return {"kind": "archive-item", "item": str(item.pk), "interface": interface.slug}


def archive_cases_add(
    *,
    archive: Archive,
    creator: User,
    uploads: Sequence[UserUpload],
    interface: ComponentInterface | None = None,
) -> RawImageUploadSession:
    """Import uploads; each built image becomes a new item of archive (caller checked access)."""
    target = archive_cases_target(archive=archive, interface=interface or image_socket(None))
    return upload_session_create(creator=creator, uploads=uploads, target=target)


def archive_item_create_with_values(
    *, archive: Archive, creator: User, specs: Sequence[ValueSpec], title: str = ""
) -> ArchiveItem:
    """A new item of archive holding these checked values, all in one transaction."""
    with transaction.atomic():
        item = archive_item_create(archive=archive, title=title)
        return archive_item_values_set(item=item, creator=creator, specs=specs)


def archive_item_values_set(
    *,
    item: ArchiveItem,
    creator: User,
    specs: Sequence[ValueSpec],
    title: str | None = None,
) -> ArchiveItem:
    """Give item these checked values (replacing its values of the same sockets) and,
    when given, a new title; images still to be built from uploads join it when ready."""
    with transaction.atomic():
        if title is not None:
            item.title = title[:255]
            item.save(update_fields=["title"])
        created = socket_values_create(
            specs=specs,
            creator=creator,
            image_target=lambda spec: archive_item_image_target(item=item, interface=spec.socket),
        )
        for civ in created.values:
            archive_item_value_set(item=item, value=civ)
    return item


def archive_item_value_set(*, item: ArchiveItem, value: ComponentInterfaceValue) -> None:
    """Give item this socket value, replacing the one it held for the same socket."""
    with transaction.atomic():
        old = list(item.values.filter(interface_id=value.interface_id).exclude(pk=value.pk))
        item.values.remove(*old)
        item.values.add(value)
        # values nobody else refers to go; shared ones (reused by other items) stay
        for civ in old:
            if not civ.archive_items.exists():
                try:
                    with transaction.atomic():
                        civ.delete()
                except IntegrityError:
                    pass


def _target_socket(session: RawImageUploadSession) -> ComponentInterface:
    slug = session.target.get("interface") or DEFAULT_IMAGE_SOCKET
    socket = ComponentInterface.objects.filter(slug=slug).first()
    if socket is None:
        raise TargetError(f"The socket '{slug}' no longer exists.")
    return socket


def attach_to_archive(*, session: RawImageUploadSession, images: Sequence[Image]) -> None:
    """Upload target "archive": one new item per image, named after it (the image's name
    is already de-identified: modality and series description, or a file name)."""
    archive = Archive.objects.filter(pk=session.target.get("archive")).first()
    if archive is None:
        raise TargetError("The archive no longer exists.")
    socket = _target_socket(session)
    for image in images:
        item = archive_item_create(archive=archive, title=image.name)
        item.values.add(socket_value_create(socket=socket, image=image))


def attach_to_archive_item(*, session: RawImageUploadSession, images: Sequence[Image]) -> None:
    """Upload target "archive-item": the one image becomes the item's value for the socket."""
    item = ArchiveItem.objects.filter(pk=session.target.get("item")).first()
    if item is None:
        raise TargetError("The archive item no longer exists.")
    socket = _target_socket(session)
    if len(images) != 1:
        raise TargetError(
            f"Socket '{socket.slug}' takes one image, but the files gave {len(images)}."
        )
    archive_item_value_set(item=item, value=socket_value_create(socket=socket, image=images[0]))
