"""The files a build works on: a local path plus the name the user knows it by."""

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath


@dataclass(frozen=True)
class Source:
    path: Path  # where the bytes are on this machine
    name: str  # upload name (posix, may hold folders from an archive); used in messages

    @property
    def lower(self) -> str:
        return self.name.lower()

    @property
    def folder(self) -> str:
        return str(PurePosixPath(self.name).parent)


def read_head(path: Path, size: int = 512) -> bytes:
    with path.open("rb") as f:
        return f.read(size)


_UNSAFE = re.compile(r"[^A-Za-z0-9 ._()+-]+")


def clean_text(value: object, *, limit: int = 64) -> str:
    """Printable, short, and free of characters that could smuggle markup or paths."""
    return " ".join(_UNSAFE.sub(" ", str(value)).split())[:limit].strip()
