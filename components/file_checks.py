"""Check that a file really is what its socket's kind says, before it is stored.

The checks read the file itself (magic bytes, decoders), never trust the name, and
leave the file's position at the start so it can be stored right after.
"""

import codecs
import csv
import io
import json
import zipfile
from collections.abc import Callable
from typing import IO

from components.kinds import Kind

CHUNK = 1024 * 1024
OBJ_KEYWORDS = frozenset(
    {"v", "vt", "vn", "vp", "f", "l", "p", "o", "g", "s", "mtllib", "usemtl", "cstype", "deg"}
)


class FileCheckError(ValueError):
    pass


def _head(fileobj: IO[bytes], n: int = 16) -> bytes:
    fileobj.seek(0)
    head = fileobj.read(n)
    fileobj.seek(0)
    return head


def _text_lines(fileobj: IO[bytes]) -> io.TextIOWrapper:
    """The file as UTF-8 text lines; decoding errors surface while reading."""
    fileobj.seek(0)
    return io.TextIOWrapper(fileobj, encoding="utf-8-sig", newline="")  # type: ignore[type-var]


def _decodes(fileobj: IO[bytes], what: str) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    fileobj.seek(0)
    offset = 0
    while chunk := fileobj.read(CHUNK):
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as e:
            raise FileCheckError(
                f"is not a UTF-8 text {what}: undecodable byte at offset {offset + e.start}"
            ) from e
        offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as e:
        raise FileCheckError(f"is not a UTF-8 text {what}: it ends mid-character") from e
    fileobj.seek(0)


def _check_pdf(fileobj: IO[bytes]) -> None:
    if not _head(fileobj, 5) == b"%PDF-":
        raise FileCheckError("is not a PDF file (it does not start with %PDF-)")


def _check_png(fileobj: IO[bytes]) -> None:
    if not _head(fileobj, 8) == b"\x89PNG\r\n\x1a\n":
        raise FileCheckError("is not a PNG image (no PNG signature)")


def _check_jpeg(fileobj: IO[bytes]) -> None:
    if not _head(fileobj, 3) == b"\xff\xd8\xff":
        raise FileCheckError("is not a JPEG image (no JPEG start-of-image marker)")


def _check_mp4(fileobj: IO[bytes]) -> None:
    if _head(fileobj, 8)[4:8] != b"ftyp":
        raise FileCheckError("is not an MP4 video (no ftyp box at the start)")


def _check_zip(fileobj: IO[bytes]) -> None:
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as archive:  # type: ignore[arg-type]
            bad = archive.testzip()
    except (zipfile.BadZipFile, EOFError, OSError) as e:
        raise FileCheckError(f"is not a valid ZIP archive ({e})") from e
    finally:
        fileobj.seek(0)
    if bad is not None:
        raise FileCheckError(f"is a damaged ZIP archive: member {bad!r} fails its checksum")


def _check_csv(fileobj: IO[bytes]) -> None:
    _decodes(fileobj, "CSV file")
    text = _text_lines(fileobj)
    try:
        rows = 0
        for _ in csv.reader(text):
            rows += 1
    except csv.Error as e:
        raise FileCheckError(f"is not a readable CSV file ({e})") from e
    finally:
        text.detach()
        fileobj.seek(0)
    if rows == 0:
        raise FileCheckError("is an empty CSV file")


def _check_obj(fileobj: IO[bytes]) -> None:
    _decodes(fileobj, "OBJ file")
    text = _text_lines(fileobj)
    try:
        for number, line in enumerate(text, start=1):
            words = line.split()
            if words and not words[0].startswith("#") and words[0] not in OBJ_KEYWORDS:
                raise FileCheckError(
                    f"is not a Wavefront OBJ file: line {number} starts with {words[0][:20]!r}"
                )
    finally:
        text.detach()
        fileobj.seek(0)


def _check_json(fileobj: IO[bytes]) -> None:
    fileobj.seek(0)
    try:
        json.load(fileobj)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise FileCheckError(f"is not valid JSON ({e})") from e
    finally:
        fileobj.seek(0)


CHECKS: dict[str, Callable[[IO[bytes]], None]] = {
    Kind.PDF: _check_pdf,
    Kind.PNG: _check_png,
    Kind.JPEG: _check_jpeg,
    Kind.MP4: _check_mp4,
    Kind.ZIP: _check_zip,
    Kind.CSV: _check_csv,
    Kind.OBJ: _check_obj,
}


def check_file(*, kind: str, fileobj: IO[bytes]) -> None:
    """Raise FileCheckError saying what is wrong when the file does not match its kind.

    Value kinds kept as files are JSON documents; their content is validated separately.
    """
    CHECKS.get(kind, _check_json)(fileobj)
