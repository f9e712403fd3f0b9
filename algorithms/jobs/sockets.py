"""Small facts about sockets the job code needs, in one place (rules live in components)."""

from typing import IO, Any

from django.core.exceptions import ValidationError

from cases.builders.segments import MAX_SEGMENTS
from components.file_checks import FileCheckError, check_file
from components.models import ComponentInterface
from components.services import validate_value


def super_kind(socket: ComponentInterface) -> str:
    """ "Image", "File" or "Value": how the socket's values travel."""
    return str(socket.super_kind)


def validate_socket_value(*, socket: ComponentInterface, value: Any) -> str | None:
    """Why value is not valid for socket (its kind's and its own JSON schema), or None."""
    try:
        validate_value(socket=socket, value=value)
    except ValidationError as e:
        return " ".join(e.messages)
    return None


def check_socket_file(*, socket: ComponentInterface, fileobj: IO[bytes]) -> str | None:
    """Why the file cannot be this socket's file (its kind, by content), or None."""
    try:
        check_file(kind=socket.kind, fileobj=fileobj)
    except FileCheckError as e:
        return f"the file {e}"
    finally:
        fileobj.seek(0)
    return None


def segments_problem(*, socket: ComponentInterface, segments: list[int] | None) -> str | None:
    """Why an image with these voxel values does not fit the socket's overlay segments."""
    allowed = {s["voxel_value"] for s in socket.overlay_segments}
    if not allowed:
        return None
    if segments is None:
        return (
            "is not a label map: the socket's overlay segments need a single-channel "
            f"integer image with at most {MAX_SEGMENTS} distinct values."
        )
    unknown = sorted(set(segments) - allowed)
    if unknown:
        return (
            f"holds voxel values {unknown} that are not among the socket's overlay "
            f"segments {sorted(allowed)}."
        )
    return None
