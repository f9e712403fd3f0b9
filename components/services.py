"""Writes for sockets and socket values, with every value checked against its socket."""

import json
import os
from typing import IO, Any

import jsonschema
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction

from components.file_checks import FileCheckError, check_file
from components.kinds import SuperKind
from components.models import ComponentInterface, ComponentInterfaceValue
from components.schemas import kind_schema


def _schema_errors(schema: dict[str, Any], value: Any) -> str | None:
    validator = jsonschema.validators.validator_for(schema)(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(value))
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path)
    return f"{error.message}" + (f" (at {where})" if where else "")


def validate_value(*, socket: ComponentInterface, value: Any) -> None:
    """Raise ValidationError naming the socket when value does not fit its kind and schema."""
    if socket.super_kind != SuperKind.VALUE:
        raise ValidationError(
            f"Socket {socket.slug!r} holds {str(socket.super_kind).lower()}s, not JSON values."
        )
    if value is None:
        raise ValidationError(f"Socket {socket.slug!r} needs a value, got null.")
    builtin = kind_schema(socket.kind)
    for schema in (builtin, socket.schema):
        if schema:
            problem = _schema_errors(schema, value)
            if problem:
                raise ValidationError(
                    f"Invalid value for socket {socket.slug!r} ({socket.kind}): {problem}"
                )


def civ_file_name(*, socket: ComponentInterface, filename: str | None = None) -> str:
    return os.path.basename(filename or socket.relative_path) or socket.relative_path


def socket_create(
    *,
    title: str,
    kind: str,
    relative_path: str,
    description: str = "",
    schema: dict[str, Any] | None = None,
    store_in_database: bool | None = None,
    overlay_segments: list[dict[str, Any]] | None = None,
    default_value: Any = None,
) -> ComponentInterface:
    """Create a socket after full validation (kind, path, schema, overlay segments)."""
    socket = ComponentInterface(
        title=title,
        kind=kind,
        relative_path=relative_path,
        description=description,
        schema=schema or {},
        overlay_segments=overlay_segments or [],
        default_value=default_value,
    )
    socket.store_in_database = (
        socket.super_kind == SuperKind.VALUE if store_in_database is None else store_in_database
    )
    socket.full_clean(exclude=["slug"])
    if default_value is not None:
        validate_value(socket=socket, value=default_value)
    with transaction.atomic():
        socket.save()
    return socket


def json_file_content(value: Any) -> bytes:
    """The bytes a JSON value not kept in the database is stored as."""
    return json.dumps(value).encode()


def _store_json_file(*, socket: ComponentInterface, value: Any) -> ContentFile:
    return ContentFile(json_file_content(value), name=civ_file_name(socket=socket))


def image_segments_problem(*, socket: ComponentInterface, segments: list[int] | None) -> str | None:
    """Why an image with these voxel values (its `segments`) does not fit the socket's
    overlay segments, worded to follow the image's name; None when it fits."""
    from cases.builders.segments import MAX_SEGMENTS

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


def socket_value_create(
    *,
    socket: ComponentInterface,
    value: Any = None,
    file: IO[bytes] | File | None = None,
    filename: str | None = None,
    image: Any = None,
) -> ComponentInterfaceValue:
    """Store one value for socket: exactly one of a JSON value, a file or an image.

    JSON values of sockets not kept in the database are stored as a `.json` file, and
    JSON files sent for them are parsed and validated like values. Nothing is left in
    the object store when the value is refused.
    """
    given = [
        name for name, v in (("value", value), ("file", file), ("image", image)) if v is not None
    ]
    if len(given) != 1:
        raise ValidationError(
            f"Socket {socket.slug!r} needs exactly one of a value, a file or an image; "
            f"got {', '.join(given) or 'none'}."
        )
    civ = ComponentInterfaceValue(interface=socket)
    if image is not None:
        if socket.super_kind != SuperKind.IMAGE:
            raise ValidationError(f"Socket {socket.slug!r} ({socket.kind}) does not take images.")
        problem = image_segments_problem(socket=socket, segments=image.segments)
        if problem:
            raise ValidationError(f"Socket {socket.slug!r}: the image {image.pk} {problem}")
        civ.image = image
        civ.save()
        return civ
    if value is not None:
        validate_value(socket=socket, value=value)
        if socket.store_in_database:
            civ.value = value
            civ.save()
            return civ
        file = _store_json_file(socket=socket, value=value)
    assert file is not None
    return _save_file_value(civ=civ, socket=socket, file=file, filename=filename)


def _save_file_value(
    *,
    civ: ComponentInterfaceValue,
    socket: ComponentInterface,
    file: IO[bytes] | File,
    filename: str | None,
) -> ComponentInterfaceValue:
    if socket.super_kind == SuperKind.IMAGE:
        raise ValidationError(
            f"Socket {socket.slug!r} ({socket.kind}) takes an image, not a file: "
            "upload it through an image upload session."
        )
    name = civ_file_name(socket=socket, filename=filename or getattr(file, "name", None))
    label = f"File {name!r} for socket {socket.slug!r} ({socket.kind})"
    fileobj: IO[bytes] = file.file if isinstance(file, File) else file  # type: ignore[assignment]
    try:
        check_file(kind=socket.kind, fileobj=fileobj)
    except FileCheckError as e:
        raise ValidationError(f"{label} {e}.") from e
    if socket.super_kind == SuperKind.VALUE:
        fileobj.seek(0)
        validate_value(socket=socket, value=json.load(fileobj))
        fileobj.seek(0)
        if socket.store_in_database:
            fileobj.seek(0)
            civ.value = json.load(fileobj)
            civ.save()
            return civ
    extension = "".join(os.path.splitext(name)[1:]).lower()
    if extension not in socket.file_extensions:
        name = civ_file_name(socket=socket)
    django_file = file if isinstance(file, File) else File(fileobj, name=name)
    try:
        with transaction.atomic():
            civ.file.save(name, django_file, save=False)
            civ.save()
    except Exception:
        # the object may already be in the store: do not leave it behind
        if civ.file.name:
            civ.file.storage.delete(civ.file.name)
        raise
    return civ
