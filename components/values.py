"""The one socket-value pipeline: grand-challenge's write form in, checked socket values out.

Every place that takes socket values (jobs, archive items, and next display sets,
evaluations and answers) goes through the same three steps:

1. `value_posts_resolve`: the posted items, in GC's write form
   `{"interface", "value", "file", "image", "upload_session", "user_upload",
   "user_uploads", "image_name"}`, become `ValueSpec`s; each reference (image, upload
   session, upload) is looked up among what the user may use.
2. `value_specs_check`: each spec is checked against its socket (kind, JSON schema, file
   content, label-map segments) before anything is written.
3. `socket_values_create`: the values are created in one transaction; uploads that make an
   image go to `cases` as an upload session whose target (see `cases.targets`) the caller
   names, and its handler attaches the image once it is built.

Steps 1 and 2 collect every problem and raise one `SocketValuesInvalid`, keyed by socket
slug (or by the list's field name for problems that belong to no socket).
"""

import json
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from app.urlresolve import pk_from_api_url
from cases.models import Image, RawImageUploadSession
from cases.selectors import images_visible_to, upload_sessions_of
from cases.services import upload_session_create
from cases.storing import delete_stored_objects
from components.file_checks import FileCheckError, check_file
from components.kinds import SuperKind
from components.models import ComponentInterface, ComponentInterfaceValue
from components.selectors import sockets_by_slug
from components.services import image_segments_problem, socket_value_create, validate_value
from uploads.models import UserUpload
from uploads.selectors import completed_uploads_for
from uploads.services import delete_upload, open_upload

# The keys of GC's write form (gcapi sends all of them, null but for the one it uses).
POST_FIELDS = (
    "interface",
    "value",
    "file",
    "image",
    "upload_session",
    "user_upload",
    "user_uploads",
    "image_name",
)
UNSET: Any = object()  # `value` may legitimately be null-free JSON like 0 or "", so not None


class SocketValuesInvalid(ValidationError):
    """Every problem found in a list of socket values; `errors` maps a socket slug (or the
    list's field name) to its reasons. A Django ValidationError, so the API answers 400."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__({key: list(messages) for key, messages in errors.items()})
        self.errors = errors

    def __str__(self) -> str:
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in self.errors.items())


@dataclass
class ValueSpec:
    """One socket and exactly one source for its value."""

    socket: ComponentInterface
    value: Any = UNSET
    image: Image | None = None
    user_upload: UserUpload | None = None  # a file (or a JSON document) for the socket
    user_uploads: list[UserUpload] = field(default_factory=list)  # files that make an image
    image_name: str | None = None
    existing: ComponentInterfaceValue | None = None  # reuse a socket value as it is
    local_file: IO[bytes] | None = None  # user_upload's content, once fetched and checked

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


class _Errors:
    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise SocketValuesInvalid(self.errors)


# --- 1. resolve -------------------------------------------------------------------------


@dataclass
class ResolvedPosts:
    specs: list[ValueSpec]
    uploads: list[UserUpload]  # every upload the request named, for callers that discard them


def value_posts_resolve(*, user: User, items: object, field: str = "values") -> ResolvedPosts:
    """`ValueSpec`s for the posted items, each reference checked against what user may use.

    Raises SocketValuesInvalid with every problem; the uploads found so far are on the
    exception as `uploads` so a caller can discard them.
    """
    errors = _Errors()
    uploads: list[UserUpload] = []
    if not isinstance(items, list):
        errors.add(field, "Give the values as a list of objects.")
        errors.raise_if_any()
    assert isinstance(items, list)
    slugs = [_slug_of(item) for item in items]
    sockets, _ = sockets_by_slug(slug for slug in slugs if slug is not None)
    specs = []
    for index, item in enumerate(items):
        spec = _resolve_one(
            user=user,
            index=index,
            item=item,
            sockets=sockets,
            errors=errors,
            uploads=uploads,
            field=field,
        )
        if spec is not None:
            specs.append(spec)
    if errors.errors:
        refused = SocketValuesInvalid(errors.errors)
        refused.uploads = uploads  # type: ignore[attr-defined]
        raise refused
    return ResolvedPosts(specs=specs, uploads=uploads)


def _slug_of(item: object) -> str | None:
    slug = (item.get("interface") or item.get("socket")) if isinstance(item, dict) else None
    return slug if isinstance(slug, str) else None


def _resolve_one(
    *,
    user: User,
    index: int,
    item: object,
    sockets: dict[str, ComponentInterface],
    errors: _Errors,
    uploads: list[UserUpload],
    field: str,
) -> ValueSpec | None:
    if not isinstance(item, dict):
        errors.add(field, f"Item {index} is not an object.")
        return None
    slug = _slug_of(item)
    socket = sockets.get(slug) if slug is not None else None
    if socket is None:
        named = item.get("interface") or item.get("socket")
        errors.add(field, f"Item {index}: unknown socket {named!r}.")
        return None
    key = socket.slug
    unknown = sorted(str(k) for k in set(item) - set(POST_FIELDS) - {"socket"})
    if unknown:
        errors.add(key, f"Unknown field(s): {', '.join(unknown)}.")
    given = [k for k in POST_FIELDS[1:-1] if item.get(k) not in (None, "", [])]
    if len(given) != 1:
        errors.add(
            key,
            "Give exactly one of value, image, upload_session, user_upload or user_uploads "
            f"(got {', '.join(given) or 'none'}).",
        )
        return None
    source, raw = given[0], item[given[0]]
    spec = ValueSpec(socket=socket)
    image_name = item.get("image_name")
    if image_name not in (None, ""):
        if source != "user_uploads" or not isinstance(image_name, str):
            errors.add(key, "`image_name` goes only with `user_uploads`, as a string.")
        else:
            spec.image_name = image_name[:255]
    if source == "value":
        spec.value = raw
    elif source == "file":
        errors.add(key, "Send files through the uploads API and give `user_upload`.")
    elif source == "image":
        pk = pk_from_api_url(raw, "api:cases-image-detail")
        spec.image = images_visible_to(user).filter(pk=pk).first() if pk else None
        if spec.image is None:
            errors.add(key, f"{raw!r} is not an image you may see.")
    elif source == "upload_session":
        spec.image = _session_image(user=user, key=key, value=raw, errors=errors)
    else:
        values = raw if isinstance(raw, list) else [raw]
        if source == "user_upload" and len(values) != 1:
            errors.add(key, "`user_upload` names one upload.")
            return None
        try:
            found = completed_uploads_for(user=user, api_urls_or_pks=values)
        except ValidationError as e:
            for message in e.messages:
                errors.add(key, message)
            return None
        uploads.extend(found)
        if source == "user_upload":
            spec.user_upload = found[0]
        else:
            spec.user_uploads = found
    return spec


def _session_image(*, user: User, key: str, value: object, errors: _Errors) -> Image | None:
    pk = pk_from_api_url(value, "api:cases-upload-session-detail")
    session = upload_sessions_of(user).filter(pk=pk).first() if pk else None
    if session is None:
        errors.add(key, f"{value!r} is not an upload session of yours.")
        return None
    images = list(Image.objects.filter(origin=session)[:2])
    if session.status != RawImageUploadSession.Status.SUCCEEDED or len(images) != 1:
        errors.add(key, "The upload session must have finished with exactly one image.")
        return None
    return images[0]


# --- 2. check ---------------------------------------------------------------------------


def value_specs_check(*, specs: Sequence[ValueSpec], field: str = "values") -> None:
    """Check every spec against its socket; raise SocketValuesInvalid with every problem.

    File uploads are fetched to a local temporary file (kept on the spec for
    `socket_values_create`); call `value_specs_close` when done.
    """
    errors = _Errors()
    slugs = [spec.socket.slug for spec in specs]
    for slug in sorted({s for s in slugs if slugs.count(s) > 1}):
        errors.add(slug, "This socket is given more than once.")
    errors.raise_if_any()
    for spec in specs:
        problem = value_spec_problem(spec)
        if problem:
            errors.add(spec.socket.slug, problem)
    errors.raise_if_any()


def value_spec_problem(spec: ValueSpec) -> str | None:
    """Why this spec cannot be a value of its socket, or None."""
    socket, kind = spec.socket, spec.socket.super_kind
    if len(spec.sources) != 1:
        listed = ", ".join(spec.sources) or "nothing"
        return f"Give exactly one of value, image, user_upload or user_uploads (got {listed})."
    if spec.existing is not None:
        if spec.existing.interface_id != socket.pk:
            return f"The socket value {spec.existing.pk} belongs to another socket."
        return None
    if kind == SuperKind.VALUE:
        if spec.user_upload is not None:  # a JSON document as a file, validated like a value
            return _file_problem(spec)
        if spec.value is UNSET:
            return f"Socket {socket.slug!r} ({socket.kind}) takes a JSON `value`."
        try:
            validate_value(socket=socket, value=spec.value)
        except ValidationError as e:
            return " ".join(e.messages)
        return None
    if kind == SuperKind.IMAGE:
        if spec.image is None and not spec.user_uploads:
            return (
                f"Socket {socket.slug!r} ({socket.kind}) takes an image: give `image`, "
                "`upload_session` or `user_uploads`."
            )
        if spec.image is not None:
            if not spec.image.files.filter(image_type__in=["MHD", "TIFF"]).exists():
                return f"The image {spec.image.pk} has no .mha or .tif file."
            problem = image_segments_problem(socket=socket, segments=spec.image.segments)
            return f"The image {spec.image.pk} {problem}" if problem else None
        return None
    if spec.user_upload is None:
        return f"Socket {socket.slug!r} ({socket.kind}) takes one uploaded file (`user_upload`)."
    return _file_problem(spec)


def _file_problem(spec: ValueSpec) -> str | None:
    """Fetch the upload to a seekable local file (the checks read it more than once) and
    check its content against the socket's kind (and schema, for JSON documents)."""
    assert spec.user_upload is not None
    local = tempfile.TemporaryFile()  # noqa: SIM115 - closed by value_specs_close
    with open_upload(upload=spec.user_upload) as remote:
        shutil.copyfileobj(remote, local, 1024 * 1024)
    spec.local_file = local
    name = spec.user_upload.filename
    try:
        local.seek(0)
        check_file(kind=spec.socket.kind, fileobj=local)
    except FileCheckError as e:
        return f"{name}: the file {e}"
    finally:
        local.seek(0)
    if spec.socket.super_kind == SuperKind.VALUE:
        try:
            validate_value(socket=spec.socket, value=json.load(local))
        except (ValueError, UnicodeDecodeError) as e:
            return f"{name}: not a JSON document ({e})."
        except ValidationError as e:
            return f"{name}: {' '.join(e.messages)}"
        finally:
            local.seek(0)
    return None


def value_specs_close(specs: Sequence[ValueSpec]) -> None:
    for spec in specs:
        if spec.local_file is not None:
            spec.local_file.close()
            spec.local_file = None


# --- 3. create --------------------------------------------------------------------------


@dataclass
class CreatedValues:
    values: list[ComponentInterfaceValue]  # ready now, in the order of the specs
    imports: list[tuple[ValueSpec, RawImageUploadSession]]  # images still being built


ImageTarget = Callable[[ValueSpec], dict[str, Any]]


def socket_values_create(
    *,
    specs: Sequence[ValueSpec],
    creator: User,
    image_target: ImageTarget | None = None,
    stored_keys: list[str] | None = None,
) -> CreatedValues:
    """Create the values of checked specs in one transaction (joining the caller's).

    Specs with `user_uploads` become upload sessions with `image_target(spec)` as their
    target; their images arrive through that target's handler. Objects written to the
    store are removed again if this fails; pass `stored_keys` to learn them, so a caller
    whose own transaction fails later can remove them too. The uploads whose bytes now
    live in a value are deleted once the transaction commits.
    """
    keys = stored_keys if stored_keys is not None else []
    created = CreatedValues(values=[], imports=[])
    try:
        with transaction.atomic():
            for spec in specs:
                if spec.user_uploads:
                    if image_target is None:
                        raise ValidationError(
                            {spec.socket.slug: "Images cannot be uploaded here; give `image`."}
                        )
                    session = upload_session_create(
                        creator=creator, uploads=spec.user_uploads, target=image_target(spec)
                    )
                    created.imports.append((spec, session))
                    continue
                civ = _create_one(spec)
                if civ.file and spec.existing is None:
                    keys.append(civ.file.name)
                created.values.append(civ)
    except BaseException:
        delete_stored_objects(keys)
        raise
    for spec in specs:
        if spec.user_upload is not None:  # its content now lives in the value's file
            upload = spec.user_upload
            transaction.on_commit(lambda upload=upload: delete_upload(upload=upload))  # type: ignore[misc]
    return created


def _create_one(spec: ValueSpec) -> ComponentInterfaceValue:
    if spec.existing is not None:
        return spec.existing
    if spec.image is not None:
        return socket_value_create(socket=spec.socket, image=spec.image)
    if spec.user_upload is not None:
        if spec.local_file is None:  # not fetched by a check: fetch now
            problem = _file_problem(spec)
            if problem:
                raise ValidationError({spec.socket.slug: problem})
        assert spec.local_file is not None
        spec.local_file.seek(0)
        return socket_value_create(
            socket=spec.socket, file=spec.local_file, filename=spec.user_upload.filename
        )
    return socket_value_create(socket=spec.socket, value=spec.value)


@contextmanager
def checked_value_posts(
    *, user: User, items: object, field: str = "values"
) -> Iterator[list[ValueSpec]]:
    """Steps 1 and 2 for a request's posted values: resolved, checked, and their fetched
    files closed when the block ends (create the values inside it)."""
    specs = value_posts_resolve(user=user, items=items, field=field).specs
    try:
        value_specs_check(specs=specs, field=field)
        yield specs
    finally:
        value_specs_close(specs)


def socket_values_from_posts(
    *,
    user: User,
    items: object,
    field: str = "values",
    image_target: ImageTarget | None = None,
    stored_keys: list[str] | None = None,
) -> CreatedValues:
    """Resolve, check and create in one call, for callers that need nothing in between."""
    with checked_value_posts(user=user, items=items, field=field) as specs:
        return socket_values_create(
            specs=specs, creator=user, image_target=image_target, stored_keys=stored_keys
        )
