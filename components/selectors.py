"""Reads for sockets (a public catalogue: anyone may read their definitions), and which
images fit a socket."""

import json
import logging
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet

from cases.models import Image
from components.kinds import ANNOTATION_KINDS, Kind, SuperKind
from components.models import ComponentInterface, ComponentInterfaceValue

logger = logging.getLogger(__name__)

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


# image kinds that are not pictures to look at: an image that is one of these somewhere
# (an algorithm's output mask, a heat map) is never offered as another kind's input
_DERIVED_KINDS = (Kind.SEGMENTATION, Kind.HEAT_MAP, Kind.DISPLACEMENT_FIELD)


def _used_as(kinds: Iterable[str]) -> Exists:
    return Exists(
        ComponentInterfaceValue.objects.filter(image=OuterRef("pk"), interface__kind__in=kinds)
    )


def images_fitting(*, images: QuerySet[Image], socket: ComponentInterface) -> QuerySet[Image]:
    """Those of images a picker offers for socket.

    A segmentation socket takes label maps (with only its overlay segments' voxel values,
    when it names them: checked by `image_segments_problem` on submit). An image socket
    takes neither masks nor heat maps: no image used as a derived kind, and no label map
    unless it was given to an image socket before (a user's own binary image). Heat maps
    and displacement fields take images that are not label maps nor used as another
    derived kind.
    """
    if socket.kind == Kind.SEGMENTATION:
        return images.filter(segments__isnull=False)
    if socket.kind == Kind.IMAGE:
        return images.exclude(_used_as(_DERIVED_KINDS)).exclude(
            Q(segments__isnull=False) & ~_used_as([Kind.IMAGE])
        )
    others = [k for k in _DERIVED_KINDS if k != socket.kind]
    return images.filter(segments__isnull=True).exclude(_used_as(others))


def annotation_sockets() -> QuerySet[ComponentInterface]:
    """Sockets whose values the viewer draws and edits (GC's annotation kinds)."""
    return ComponentInterface.objects.filter(kind__in=ANNOTATION_KINDS).order_by("title", "slug")


MAX_INLINE_JSON_BYTES = 16 * 2**20  # a JSON value kept as a file is read up to this size


def json_value(civ: ComponentInterfaceValue) -> Any:
    """A socket value's JSON, whether held inline or as a `.json` file (sockets with
    store_in_database off); None when it has none or its file cannot be read."""
    if civ.value is None and civ.file and civ.interface.super_kind == SuperKind.VALUE:
        try:
            with civ.file.open("rb") as f:
                return json.loads(f.read(MAX_INLINE_JSON_BYTES))
        except Exception:
            logger.warning("Could not read the JSON file of socket value %s", civ.pk)
            return None
    return civ.value
