"""Reads for sockets. Sockets are a public catalogue: anyone may read their definitions."""

from collections.abc import Iterable

from django.db.models import QuerySet

from components.kinds import ANNOTATION_KINDS
from components.models import ComponentInterface


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


def annotation_sockets() -> QuerySet[ComponentInterface]:
    """Sockets whose values the viewer draws and edits (GC's annotation kinds)."""
    return ComponentInterface.objects.filter(kind__in=ANNOTATION_KINDS).order_by("title", "slug")
