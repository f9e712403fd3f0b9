"""Reads for sockets. Sockets are a public catalogue: anyone may read their definitions."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from components.kinds import SuperKind
from components.models import ComponentInterface

DEFAULT_IMAGE_SOCKET = "generic-medical-image"


def sockets(*, slug: str | None = None, kind: str | None = None) -> QuerySet[ComponentInterface]:
    queryset = ComponentInterface.objects.all()
    if slug:
        queryset = queryset.filter(slug=slug)
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset


def sockets_by_slug(slugs: Iterable[str]) -> tuple[dict[str, ComponentInterface], list[str]]:
    """The sockets with these slugs, and the slugs that name no socket (in input order)."""
    wanted = list(dict.fromkeys(slugs))
    found = {s.slug: s for s in ComponentInterface.objects.filter(slug__in=wanted)}
    return found, [slug for slug in wanted if slug not in found]


def image_socket(slug: str | None) -> ComponentInterface:
    """The image socket called slug (default `generic-medical-image`), or a clear error."""
    slug = slug or DEFAULT_IMAGE_SOCKET
    socket = ComponentInterface.objects.filter(slug=slug).first()
    if socket is None:
        raise ValidationError({"interface": f"There is no socket '{slug}'."})
    if socket.super_kind != SuperKind.IMAGE:
        raise ValidationError(
            {"interface": f"Socket '{slug}' holds {socket.kind} values, not images."}
        )
    return socket
