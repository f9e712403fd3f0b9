"""Staging a job's inputs into a directory and collecting its outputs from one.

The job task (algorithms) turns socket values into `StagedInput`s, calls `stage_inputs`
on a fresh local directory, hands that directory to the executor (it becomes `/input`),
and after the run calls `collect_outputs` on the directory the executor filled from
`/output`. Neither function touches the database: they speak in slugs, paths and
bucket keys, so they work on any worker host with access to the object store.

Layout (the grand-challenge container contract):

- value sockets: `<relative_path>` holds the JSON value;
- file sockets: `<relative_path>` holds the file;
- image sockets: `<relative_path>/` is a directory with ONE `.mha` or `.tif` file;
- `inputs.json` lists every input as a socket value: `{"pk", "interface": {"slug",
  "kind", "super_kind", "relative_path", "title"}, "value", "file", "image"}`.
"""

import json
import os
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from app.storage import BucketName, bucket_name, s3_client

SuperKind = Literal["Image", "File", "Value"]

IMAGE_SUFFIXES = (".mha", ".tif", ".tiff")
INPUTS_JSON = "inputs.json"

# Defaults for collect_outputs; an OutputSpec can set its own cap.
MAX_VALUE_BYTES = 16 * 1024 * 1024  # JSON values are parsed in memory and may go in the database
MAX_FILE_BYTES = 8 * 1024**3


class StagingError(Exception):
    """An input could not be staged; the message names the socket and the reason."""

    def __init__(self, *, slug: str, reason: str) -> None:
        super().__init__(f"Input {slug!r}: {reason}")
        self.slug = slug
        self.reason = reason


@dataclass(frozen=True)
class StagedInput:
    """One input socket value to place under the input directory.

    Give `value` for value sockets, or `bucket` + `key` of the object to download for
    file and image sockets. For images, `filename` is the name inside the socket's
    directory (e.g. `<image uuid>.mha`; default: the key's last part).
    `pk` / `image_pk` only go into inputs.json, for containers that log them.
    """

    slug: str
    kind: str
    super_kind: SuperKind
    relative_path: str
    value: Any = None
    bucket: BucketName | None = None
    key: str | None = None
    filename: str | None = None
    title: str = ""
    pk: int | str | None = None
    image_pk: str | None = None


@dataclass(frozen=True)
class OutputSpec:
    """One output socket to look for under the output directory."""

    slug: str
    kind: str
    super_kind: SuperKind
    relative_path: str
    max_bytes: int | None = None  # default: MAX_VALUE_BYTES for values, else MAX_FILE_BYTES


@dataclass(frozen=True)
class CollectedOutput:
    """A valid output: `path` is the file inside the output directory (for image sockets
    the single image file); `value` is the parsed JSON for value sockets."""

    slug: str
    kind: str
    super_kind: SuperKind
    relative_path: str
    path: Path
    size: int
    value: Any = None


@dataclass(frozen=True)
class OutputError:
    """An output socket whose output is missing or invalid, with the reason."""

    slug: str
    reason: str
    relative_path: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        return f"Output {self.slug!r}: {self.reason}"


def safe_relative_path(relative_path: str) -> PurePosixPath:
    """The socket path as a relative path inside the directory, or ValueError."""
    path = PurePosixPath(relative_path)
    if not relative_path or path.is_absolute() or ".." in path.parts or str(path) == ".":
        raise ValueError(f"relative path {relative_path!r} must stay inside the directory")
    return path


def stage_inputs(*, directory: Path, inputs: list[StagedInput]) -> None:
    """Write every input and `inputs.json` under `directory` (created when missing).

    Files and images are streamed from the object store. On any error the directory's
    contents are removed and a `StagingError` naming the socket is raised, so nothing
    half-staged is ever run.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    try:
        seen: dict[str, str] = {}
        for item in inputs:
            _check_unique_path(item, seen)
            _stage_one(directory=directory, item=item)
        manifest = [_manifest_entry(item) for item in inputs]
        (directory / INPUTS_JSON).write_text(json.dumps(manifest, indent=2))
    except BaseException:
        _empty_directory(directory)
        raise


def _check_unique_path(item: StagedInput, seen: dict[str, str]) -> None:
    try:
        path = str(safe_relative_path(item.relative_path))
    except ValueError as error:
        raise StagingError(slug=item.slug, reason=str(error)) from None
    if path == INPUTS_JSON:
        raise StagingError(slug=item.slug, reason=f"{INPUTS_JSON} is reserved")
    for other_path, other_slug in seen.items():
        if (
            path == other_path
            or path.startswith(other_path + "/")
            or other_path.startswith(path + "/")
        ):
            raise StagingError(
                slug=item.slug, reason=f"path {path!r} collides with input {other_slug!r}"
            )
    seen[path] = item.slug


def _stage_one(*, directory: Path, item: StagedInput) -> None:
    target = directory / safe_relative_path(item.relative_path)
    if item.super_kind == "Value":
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            target.write_text(json.dumps(item.value))
        except (TypeError, ValueError) as error:
            raise StagingError(slug=item.slug, reason=f"value is not JSON: {error}") from None
        return
    if not item.bucket or not item.key:
        raise StagingError(slug=item.slug, reason="no stored file to stage")
    if item.super_kind == "Image":
        filename = item.filename or PurePosixPath(item.key).name
        if (
            "/" in filename
            or filename in ("", ".", "..")
            or not filename.lower().endswith(IMAGE_SUFFIXES)
        ):
            raise StagingError(
                slug=item.slug, reason=f"image file name {filename!r} is not a .mha or .tif name"
            )
        target.mkdir(parents=True, exist_ok=True)
        target = target / filename
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
    _download(bucket=item.bucket, key=item.key, target=target, slug=item.slug)


def _download(*, bucket: BucketName, key: str, target: Path, slug: str) -> None:
    # boto3's managed transfer streams to disk in parts (and in parallel for big files).
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        s3_client(bucket).download_file(bucket_name(bucket), key, str(target))
    except (BotoCoreError, ClientError) as error:
        raise StagingError(slug=slug, reason=f"could not download {key!r}: {error}") from None


def _manifest_entry(item: StagedInput) -> dict:
    path = str(safe_relative_path(item.relative_path))
    image = None
    if item.super_kind == "Image":
        image = {
            "pk": item.image_pk,
            "name": item.filename or PurePosixPath(item.key or "").name,
        }
    return {
        "pk": item.pk,
        "interface": {
            "slug": item.slug,
            "title": item.title or item.slug,
            "kind": item.kind,
            "super_kind": item.super_kind,
            "relative_path": path,
        },
        "value": item.value if item.super_kind == "Value" else None,
        "file": f"/input/{path}" if item.super_kind == "File" else None,
        "image": image,
    }


def _empty_directory(directory: Path) -> None:
    for child in directory.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def collect_outputs(
    *, directory: Path, outputs: list[OutputSpec]
) -> list[CollectedOutput | OutputError]:
    """Find and check each output socket's file under `directory` (what `/output` held).

    Returns one entry per spec, in order: a `CollectedOutput`, or an `OutputError` whose
    reason says what is wrong (missing, a symlink, escaping the directory, too big,
    no image or several images for an image socket, invalid JSON...). Never raises for
    bad container output; the caller decides whether any error fails the job.
    """
    directory = Path(directory)
    return [_collect_one(directory=directory, spec=spec) for spec in outputs]


def _collect_one(*, directory: Path, spec: OutputSpec) -> CollectedOutput | OutputError:
    def error(reason: str) -> OutputError:
        return OutputError(slug=spec.slug, reason=reason, relative_path=spec.relative_path)

    try:
        relative = safe_relative_path(spec.relative_path)
    except ValueError as problem:
        return error(str(problem))
    found = _walk_without_links(directory, relative)
    if isinstance(found, str):
        return error(found)
    target, mode = found
    if spec.super_kind == "Image":
        if not stat.S_ISDIR(mode):
            return error(f"{relative} must be a directory holding one .mha or .tif file")
        image = _single_image(target)
        if isinstance(image, str):
            return error(f"{relative}: {image}")
        target, mode = image
    elif not stat.S_ISREG(mode):
        return error(f"{relative} is not a regular file")

    if not target.resolve().is_relative_to(directory.resolve()):
        return error(f"{relative} leads outside the output directory")
    size = target.lstat().st_size
    limit = spec.max_bytes or (MAX_VALUE_BYTES if spec.super_kind == "Value" else MAX_FILE_BYTES)
    if size > limit:
        return error(f"{target.relative_to(directory)} is {size} bytes, over the limit of {limit}")

    value = None
    if spec.super_kind == "Value" or target.suffix.lower() == ".json":
        try:
            value = json.loads(target.read_bytes())
        except (ValueError, UnicodeDecodeError) as problem:
            return error(f"{relative} is not valid JSON: {problem}")
    elif size == 0:
        return error(f"{relative} is empty")
    return CollectedOutput(
        slug=spec.slug,
        kind=spec.kind,
        super_kind=spec.super_kind,
        relative_path=spec.relative_path,
        path=target,
        size=size,
        value=value if spec.super_kind == "Value" else None,
    )


def _walk_without_links(directory: Path, relative: PurePosixPath) -> tuple[Path, int] | str:
    """Follow the path one part at a time with lstat, refusing symlinks anywhere on it
    (a link could point outside the output directory)."""
    current = directory
    mode = 0
    for part in relative.parts:
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except FileNotFoundError:
            return f"{relative} is missing"
        except OSError as problem:
            return f"{relative} cannot be read: {problem.strerror}"
        if stat.S_ISLNK(mode):
            return f"{current.relative_to(directory)} is a symlink, which is not allowed"
    return current, mode


def _single_image(folder: Path) -> tuple[Path, int] | str:
    images: list[tuple[Path, int]] = []
    for child in sorted(folder.iterdir()):
        if not child.name.lower().endswith(IMAGE_SUFFIXES):
            continue
        mode = os.lstat(child).st_mode
        if stat.S_ISLNK(mode):
            return f"{child.name} is a symlink, which is not allowed"
        if stat.S_ISREG(mode):
            images.append((child, mode))
    if not images:
        return "no .mha, .tif or .tiff file found"
    if len(images) > 1:
        names = ", ".join(path.name for path, _ in images)
        return f"found {len(images)} images ({names}); an image socket takes exactly one"
    return images[0]
