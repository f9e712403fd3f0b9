"""Small facts about sockets the job code needs, in one place (rules live in components)."""

from typing import IO, Any

from django.core.exceptions import ValidationError

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
