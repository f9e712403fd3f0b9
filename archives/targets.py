"""What archives hand to `cases` (see `cases.targets`): the upload-session fields that name
an archive or one of its items, checked against the user's rights."""

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from app.urlresolve import pk_from_api_url
from archives import selectors, services
from archives.models import Archive, ArchiveItem
from components.selectors import image_socket


def archive_for_upload(*, user: User, value: str) -> Archive:
    """An archive named by API URL, pk or slug that user may add cases to."""
    pk = pk_from_api_url(value, "api:archive-detail")
    archives = selectors.archives_visible_to(user)
    archive = archives.filter(pk=pk).first() if pk else archives.filter(slug=value).first()
    if archive is None:
        raise ValidationError({"archive": f"Archive '{value}' was not found."})
    if not selectors.may_upload(user, archive):
        raise ValidationError({"archive": f"You may not add cases to archive '{archive.slug}'."})
    return archive


def item_for_upload(*, user: User, value: str) -> ArchiveItem:
    """An archive item named by API URL or pk whose archive user may add cases to."""
    pk = pk_from_api_url(value, "api:archive-item-detail")
    items = selectors.archive_items_visible_to(user).select_related("archive")
    item = items.filter(pk=pk).first() if pk else None
    if item is None:
        raise ValidationError({"archive_item": f"Archive item '{value}' was not found."})
    if not selectors.may_upload(user, item.archive):
        raise ValidationError({"archive_item": "You may not change items of this archive."})
    return item


def archive_request_target(*, user: User, value: str, interface: str | None) -> dict:
    """Upload-session field `archive`: each image becomes a new item."""
    archive = archive_for_upload(user=user, value=value)
    socket = image_socket(interface)
    return services.archive_cases_target(archive=archive, interface=socket)


def archive_item_request_target(*, user: User, value: str, interface: str | None) -> dict:
    """Upload-session field `archive_item`: the one image becomes the item's value."""
    item = item_for_upload(user=user, value=value)
    return services.archive_item_image_target(item=item, interface=image_socket(interface))
