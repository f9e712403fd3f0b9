"""Where an upload session's images go once they are built.

An upload session carries its target as data (`{"kind": "archive", "archive": <pk>, ...}`)
and the app that owns the kind registers a handler here, in its `AppConfig.ready()`. So
`cases` imports none of the apps that receive images (archives, algorithm jobs, reader
studies), and each of them can add its own kind. Likewise an app registers the field of
the upload-session API that names one of its objects as the target (`archive`,
`archive_item`), with the check that the user may add images there.

A handler runs inside the transaction that creates the images: raising `TargetError`
rolls the whole import back and fails the session with the handler's message.
"""

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from cases.models import Image, RawImageUploadSession


class TargetError(Exception):
    """The target refuses the images; the message is shown to the user."""


class AttachHandler(Protocol):
    def __call__(self, *, session: "RawImageUploadSession", images: Sequence["Image"]) -> None: ...


_handlers: dict[str, AttachHandler] = {}


def register_target(kind: str, handler: AttachHandler | Callable[..., None]) -> None:
    _handlers[kind] = handler  # type: ignore[assignment]


def registered_kinds() -> list[str]:
    return sorted(_handlers)


def attach_images(*, session: "RawImageUploadSession", images: Sequence["Image"]) -> None:
    kind = (session.target or {}).get("kind")
    if not kind:
        return
    handler = _handlers.get(kind)
    if handler is None:
        raise TargetError(f"Unknown upload target '{kind}'")
    from django.core.exceptions import ValidationError

    try:
        handler(session=session, images=images)
    except ValidationError as e:  # a socket refused an image: the user's mistake, not ours
        raise TargetError(" ".join(e.messages)) from e


# --- where a new upload session's images may go, named in the request ------------------


class RequestTarget(Protocol):
    """Turn a reference from an upload-session request (an archive URL, an item URL...)
    into a session target, after checking that user may add images there; raise
    ValidationError naming the field otherwise."""

    def __call__(self, *, user: "User", value: str, interface: str | None) -> dict: ...


_request_targets: dict[str, RequestTarget] = {}


def register_request_target(field: str, resolve: RequestTarget | Callable[..., dict]) -> None:
    _request_targets[field] = resolve  # type: ignore[assignment]


def request_target_fields() -> list[str]:
    return sorted(_request_targets)


def target_for_request(*, user: "User", field: str, value: str, interface: str | None) -> dict:
    return _request_targets[field](user=user, value=value, interface=interface)
