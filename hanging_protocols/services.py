"""Writes: hanging protocols, and the viewer settings of the objects that choose one."""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from guardian.shortcuts import assign_perm

from hanging_protocols.models import HangingProtocol, HangingProtocolMixin
from hanging_protocols.schemas import validate_protocol


def _check_title(title: str, *, exclude: HangingProtocol | None = None) -> None:
    title = title.strip()
    if not title:
        raise ValidationError({"title": "A hanging protocol needs a title."})
    others = HangingProtocol.objects.filter(title__iexact=title)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    if others.exists():
        raise ValidationError({"title": f"There is already a hanging protocol {title!r}."})


def hanging_protocol_create(
    *, creator: User, title: str, json: Any, description: str = ""
) -> HangingProtocol:
    _check_title(title)
    validate_protocol(json)
    with transaction.atomic():
        protocol = HangingProtocol.objects.create(
            creator=creator, title=title.strip(), description=description, json=json
        )
        # the creator edits it; others only use it
        assign_perm("hanging_protocols.change_hangingprotocol", creator, protocol)
    return protocol


def hanging_protocol_update(
    *,
    protocol: HangingProtocol,
    title: str | None = None,
    description: str | None = None,
    json: Any = None,
) -> HangingProtocol:
    if title is not None:
        _check_title(title, exclude=protocol)
        protocol.title = title.strip()
    if description is not None:
        protocol.description = description
    if json is not None:
        validate_protocol(json)
        protocol.json = json
    protocol.save()
    return protocol


def viewer_settings_update(
    *,
    obj: HangingProtocolMixin,
    hanging_protocol: HangingProtocol | None,
    optional_hanging_protocols: Iterable[HangingProtocol],
    view_content: Any,
) -> None:
    """Set the layout, the alternatives and the view content together, or nothing. The
    object's own `clean` judges them, so the page meets the rules its API writes meet
    (a reader study's questions need their image ports, for one)."""
    before = obj.hanging_protocol, obj.view_content
    obj.hanging_protocol, obj.view_content = hanging_protocol, view_content
    try:
        obj.clean()
    except ValidationError:
        obj.hanging_protocol, obj.view_content = before
        raise
    with transaction.atomic():
        obj.save(update_fields=["hanging_protocol", "view_content"])
        obj.optional_hanging_protocols.set(list(optional_hanging_protocols))
