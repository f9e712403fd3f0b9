"""Safe unpacking of .zip, .tar, .tar.gz/.tgz uploads before the builders see them.

An archive is checked whole before anything is written: member paths must stay inside,
members must be plain files or folders (no links, devices or fifos), and member count,
total size and compression ratio must stay under the limits. A bad archive gives one
error naming it and the reason, and nothing of it is extracted.
"""

import shutil
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from cases.builders import limits
from cases.builders.sources import Source, read_head
from cases.builders.types import BuildResult

_CHUNK = 1024 * 1024
_JUNK = ("__MACOSX/",)


class ArchiveError(Exception):
    """A reason, in words, why an archive is refused."""


@dataclass
class _Member:
    name: str
    size: int


def unpack_all(sources: list[Source], *, work_dir: Path, result: BuildResult) -> list[Source]:
    """`sources` with each archive replaced by the files inside it."""
    out: list[Source] = []
    for number, source in enumerate(sources):
        kind = archive_kind(source)
        if kind is None:
            out.append(source)
            continue
        target = work_dir / str(number)
        try:
            members = _unpack(source, kind, target)
        except ArchiveError as e:
            shutil.rmtree(target, ignore_errors=True)
            result.file_errors[source.name] = f"{source.name}: {e}"
            continue
        except (OSError, EOFError, zipfile.BadZipFile, tarfile.TarError, ValueError):
            shutil.rmtree(target, ignore_errors=True)
            result.file_errors[source.name] = f"{source.name}: the archive is damaged or truncated."
            continue
        if not members:
            result.file_errors[source.name] = f"{source.name}: the archive holds no files."
        out.extend(Source(path=target / m.name, name=f"{source.name}/{m.name}") for m in members)
    return out


def archive_kind(source: Source) -> str | None:
    name = source.lower
    try:
        head = read_head(source.path, 512)
    except OSError:
        return None
    if name.endswith(".zip") or head[:4] == b"PK\x03\x04":
        return "zip"
    if name.endswith((".tar", ".tar.gz", ".tgz")) or head[257:262] == b"ustar":
        return "tar"
    return None


def _check_name(name: str) -> str:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        raise ArchiveError(f"the member '{name}' has an absolute path; refused.")
    if ".." in path.parts:
        raise ArchiveError(f"the member '{name}' points outside the archive ('..'); refused.")
    return str(path)


def _check_totals(members: list[_Member], packed_size: int, *, partial: bool = False) -> None:
    """Refuse an archive over a limit; `partial`: `members` are only those read so far."""
    most = limits.archive_max_members()
    if len(members) > most:
        counted = f"more than {most}" if partial else str(len(members))
        raise ArchiveError(f"it holds {counted} files; the limit is {most}.")
    total = sum(m.size for m in members)
    if total > limits.archive_max_bytes():
        raise ArchiveError(
            f"it unpacks to {total} bytes, more than the limit of {limits.archive_max_bytes()}."
        )
    if total > limits.archive_max_ratio() * max(packed_size, 1) and total > _CHUNK:
        raise ArchiveError(
            f"it unpacks to {total // max(packed_size, 1)} times its own size, which looks like "
            "a zip bomb; refused."
        )


def _copy_limited(src: IO[bytes], dest: Path, size: int, name: str) -> None:
    """Copy at most the declared size: a member that lies about its size is refused."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with dest.open("xb") as f:
        while chunk := src.read(_CHUNK):
            written += len(chunk)
            if written > size:
                raise ArchiveError(f"the member '{name}' is larger than its header says; refused.")
            f.write(chunk)


def _unpack(source: Source, kind: str, target: Path) -> list[_Member]:
    packed_size = source.path.stat().st_size
    target.mkdir(parents=True, exist_ok=False)
    if kind == "zip":
        return _unpack_zip(source.path, target, packed_size)
    return _unpack_tar(source.path, target, packed_size)


def _unpack_zip(path: Path, target: Path, packed_size: int) -> list[_Member]:
    with zipfile.ZipFile(path) as zf:
        members: list[tuple[zipfile.ZipInfo, _Member]] = []
        for info in zf.infolist():
            name = _check_name(info.filename)
            mode = info.external_attr >> 16
            if mode and (mode & 0o170000) not in (0, 0o100000, 0o040000):
                raise ArchiveError(
                    f"the member '{info.filename}' is a link or special file; refused."
                )
            if info.is_dir() or name.startswith(_JUNK) or name in (".", ""):
                continue
            members.append((info, _Member(name=name, size=info.file_size)))
        _check_totals([m for _, m in members], packed_size)
        for info, member in members:
            with zf.open(info) as src:
                _copy_limited(src, target / member.name, member.size, info.filename)
    return [m for _, m in members]


def _unpack_tar(path: Path, target: Path, packed_size: int) -> list[_Member]:
    with tarfile.open(path, mode="r:*") as tf:
        members: list[tuple[tarfile.TarInfo, _Member]] = []
        declared = 0
        # member by member, not getmembers(): a compressed tar of millions of empty
        # entries, or of huge ones, is refused as soon as a limit is passed, unread
        for info in tf:
            declared += info.size
            if (
                len(members) >= limits.archive_max_members()
                or declared > limits.archive_max_bytes()
                or declared > limits.archive_max_ratio() * max(packed_size, 1) + _CHUNK
            ):
                _check_totals(
                    [m for _, m in members] + [_Member(info.name, info.size)],
                    packed_size,
                    partial=True,
                )
            name = _check_name(info.name)
            if info.issym() or info.islnk():
                raise ArchiveError(f"the member '{info.name}' is a link; links are refused.")
            if not (info.isfile() or info.isdir()):
                raise ArchiveError(f"the member '{info.name}' is a device or special file.")
            if info.isdir() or name.startswith(_JUNK) or name in (".", ""):
                continue
            members.append((info, _Member(name=name, size=info.size)))
        _check_totals([m for _, m in members], packed_size)
        for info, member in members:
            src = tf.extractfile(info)
            if src is None:
                raise ArchiveError(f"the member '{info.name}' could not be read.")
            with src:
                _copy_limited(src, target / member.name, member.size, info.name)
    return [m for _, m in members]
