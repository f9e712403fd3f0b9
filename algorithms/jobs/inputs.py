"""A job's inputs: what the caller gives per socket, checked before anything is written.

`InputSpec` carries exactly one source for one socket. `check_inputs` picks the
algorithm interface whose input sockets are exactly the given ones and returns every
problem at once, naming the socket; it writes nothing. `create_input_values` then
creates the socket values (inside the caller's transaction) and returns the keys it
stored, so the caller can delete them if the transaction fails.
"""

import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import IO, Any

from algorithms.jobs.sockets import (
    check_socket_file,
    super_kind,
    validate_socket_value,
)
from algorithms.models import Algorithm, AlgorithmInterface
from cases.models import Image
from components.models import ComponentInterface, ComponentInterfaceValue
from components.services import image_segments_problem, socket_value_create
from uploads.models import UserUpload
from uploads.services import open_upload

UNSET: Any = object()


@dataclass
class InputSpec:
    socket: ComponentInterface
    value: Any = UNSET
    image: Image | None = None
    user_upload: UserUpload | None = None  # a file for a file (or JSON-as-file) socket
    user_uploads: list[UserUpload] = field(default_factory=list)  # files that make an image
    existing: ComponentInterfaceValue | None = None  # reuse a socket value as it is
    local_file: IO[bytes] | None = None  # user_upload's content, once checked

    @property
    def sources(self) -> list[str]:
        given = {
            "value": self.value is not UNSET,
            "image": self.image is not None,
            "user_upload": self.user_upload is not None,
            "user_uploads": bool(self.user_uploads),
            "existing socket value": self.existing is not None,
        }
        return [name for name, present in given.items() if present]

    def uploads(self) -> list[UserUpload]:
        return [u for u in [self.user_upload, *self.user_uploads] if u is not None]


class InputsInvalid(Exception):
    """The inputs do not fit the algorithm; `errors` maps a socket slug (or "inputs") to
    its reasons."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def match_interface(*, algorithm: Algorithm, slugs: set[str]) -> AlgorithmInterface:
    interfaces = list(algorithm.interfaces.prefetch_related("inputs"))
    offered = []
    for interface in interfaces:
        wanted = {s.slug for s in interface.inputs.all()}
        if wanted == slugs:
            return interface
        offered.append("{" + ", ".join(sorted(wanted)) + "}")
    given = ", ".join(sorted(slugs)) or "none"
    raise InputsInvalid(
        {
            "inputs": [
                f"No interface of {algorithm.slug!r} takes exactly the sockets {{{given}}}. "
                f"Its interfaces take: {'; '.join(offered) or 'nothing (no interface yet)'}."
            ]
        }
    )


def check_inputs(*, algorithm: Algorithm, specs: list[InputSpec]) -> AlgorithmInterface:
    """The matching interface, or InputsInvalid with every problem found."""
    errors: dict[str, list[str]] = {}
    slugs = [spec.socket.slug for spec in specs]
    for slug in {s for s in slugs if slugs.count(s) > 1}:
        errors.setdefault(slug, []).append("This socket is given more than once.")
    if errors:
        raise InputsInvalid(errors)
    interface = match_interface(algorithm=algorithm, slugs=set(slugs))
    for spec in specs:
        problem = _check_one(spec)
        if problem:
            errors.setdefault(spec.socket.slug, []).append(problem)
    if errors:
        raise InputsInvalid(errors)
    return interface


def _check_one(spec: InputSpec) -> str | None:
    socket, kind = spec.socket, super_kind(spec.socket)
    if len(spec.sources) != 1:
        listed = ", ".join(spec.sources) or "nothing"
        return f"Give exactly one of value, image, user_upload or user_uploads (got {listed})."
    if spec.existing is not None:
        if spec.existing.interface_id != socket.pk:
            return f"The socket value {spec.existing.pk} belongs to another socket."
        return None
    if kind == "Value":
        if spec.value is UNSET:
            return "This socket takes a JSON value."
        return validate_socket_value(socket=socket, value=spec.value)
    if kind == "Image":
        if spec.image is None and not spec.user_uploads:
            return "This image socket takes an existing image or uploaded image files."
        if (
            spec.image is not None
            and not spec.image.files.filter(image_type__in=["MHD", "TIFF"]).exists()
        ):
            return f"The image {spec.image.pk} has no .mha or .tif file."
        if spec.image is not None:
            problem = image_segments_problem(socket=socket, segments=spec.image.segments)
            return f"The image {spec.image.pk} {problem}" if problem else None
        return None
    if spec.user_upload is None:
        return "This file socket takes one uploaded file (user_upload)."
    return _check_file_upload(spec)


def _check_file_upload(spec: InputSpec) -> str | None:
    """Download the upload to a local temporary file (kept for `create_input_values`)
    and check its content against the socket's kind."""
    assert spec.user_upload is not None
    local = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close_local_files
    with open_upload(upload=spec.user_upload) as remote:
        shutil.copyfileobj(remote, local, 1024 * 1024)
    local.seek(0)
    spec.local_file = local
    problem = check_socket_file(socket=spec.socket, fileobj=local)
    return f"{spec.user_upload.filename}: {problem}" if problem else None


def close_local_files(specs: list[InputSpec]) -> None:
    for spec in specs:
        if spec.local_file is not None:
            spec.local_file.close()
            spec.local_file = None


def create_input_values(
    *, specs: list[InputSpec], stored_keys: list[str]
) -> list[ComponentInterfaceValue]:
    """Socket values for all specs except image uploads (those come from the import).
    Call inside a transaction; `stored_keys` gets every object stored, for clean-up."""
    values = []
    for spec in specs:
        socket = spec.socket
        if spec.existing is not None:
            civ = spec.existing
        elif spec.image is not None:
            civ = socket_value_create(socket=socket, image=spec.image)
        elif spec.user_upload is not None:
            assert spec.local_file is not None
            spec.local_file.seek(0)
            civ = socket_value_create(
                socket=socket, file=spec.local_file, filename=spec.user_upload.filename
            )
        elif spec.value is not UNSET:
            civ = socket_value_create(socket=socket, value=spec.value)
        else:
            continue
        if civ.file and spec.existing is None:
            stored_keys.append(civ.file.name)
        values.append(civ)
    return values


def inputs_digest(specs: list[InputSpec]) -> str:
    """Equal for the same images and values on the same sockets (to reuse a job)."""
    parts = []
    source: dict[str, Any]
    for spec in sorted(specs, key=lambda s: s.socket.slug):
        if spec.existing is not None:
            civ = spec.existing
            source = (
                {"image": str(civ.image_id)}
                if civ.image_id
                else {"file": civ.file.name}
                if civ.file
                else {"value": civ.value}
            )
        elif spec.image is not None:
            source = {"image": str(spec.image.pk)}
        elif spec.value is not UNSET:
            source = {"value": spec.value}
        else:
            source = {"upload": sorted(str(u.pk) for u in spec.uploads())}
        parts.append([spec.socket.slug, source])
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
