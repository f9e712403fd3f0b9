"""Tiles of stored pyramidal TIFF slides, read from the object store by byte ranges.

A slide's TIFF can be gigabytes; a viewer needs a few tiles of it. tifffile parses the
IFDs through a ranged-read file object (a few small GETs), and the parsed levels (sizes,
tile offsets, byte counts, the decoder) are kept per stored object in this process, so
each later tile costs one ranged GET of exactly its bytes. Stored objects never change
(their keys are fresh UUIDs), so the cache needs no invalidation.

JPEG tiles the browser can decode are passed through as stored (with the TIFF's shared
JPEG tables merged in); other codecs, and edge tiles (stored padded to the full tile
size, which the viewer would stretch), are decoded and re-encoded: PNG for lossless
sources, JPEG for JPEG ones.
"""

import io
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import tifffile
import urllib3
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from PIL import Image as PILImage

from app.storage import bucket_name, s3_client, signed_url

JPEG = 7
# A browser decodes a JPEG tile as JFIF: 3 channels are YCbCr unless an Adobe marker says
# RGB. YCbCr and grey tiles pass as stored; RGB-tagged ones only with that marker (an
# Aperio-style RGB tag over YCbCr data would shift the colours).
BROWSER_JPEG_PHOTOMETRICS = {tifffile.PHOTOMETRIC.YCBCR, tifffile.PHOTOMETRIC.MINISBLACK}
ADOBE_MARKER = b"\xff\xeeAdobe"
READ_BLOCK = 256 * 1024  # IFDs and tile tables are read in blocks this size
CACHED_SLIDES = 64


class TileError(Exception):
    """The slide cannot give tiles (damaged, unsupported, or missing in the store)."""


class TileNotFound(Exception):
    """No such level, column or row."""


@dataclass(frozen=True)
class Level:
    width: int
    height: int
    tile_width: int
    tile_height: int
    compression: int
    photometric: int
    samples: int
    jpegtables: bytes | None
    offsets: np.ndarray
    counts: np.ndarray
    decode: Callable[..., Any]

    @property
    def columns(self) -> int:
        return -(-self.width // self.tile_width)

    @property
    def rows(self) -> int:
        return -(-self.height // self.tile_height)


@dataclass(frozen=True)
class Pyramid:
    key: str
    levels: list[Level]

    def describe(self) -> list[dict[str, int]]:
        """The levels as the viewer needs them, full resolution first."""
        return [
            {
                "width": lv.width,
                "height": lv.height,
                "tile_width": lv.tile_width,
                "tile_height": lv.tile_height,
            }
            for lv in self.levels
        ]


@dataclass(frozen=True)
class Tile:
    content: bytes
    content_type: str


class RangedObject(io.RawIOBase):
    """A read-only, seekable file over one object in the protected bucket."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.position = 0
        self.client = s3_client("protected")
        try:
            head = self.client.head_object(Bucket=bucket_name("protected"), Key=key)
        except (ClientError, BotoCoreError):
            raise TileError("the slide's file is missing from the object store") from None
        self.size = int(head["ContentLength"])

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = max(base + offset, 0)
        return self.position

    def readinto(self, buffer: Any) -> int:
        wanted = min(len(buffer), self.size - self.position)
        if wanted <= 0:
            return 0
        data = read_range(self.key, self.position, wanted)
        buffer[: len(data)] = data
        self.position += len(data)
        return len(data)


# Ranged reads go over a signed URL of the object, signed once and reused while it holds,
# on a pool of kept-alive connections: botocore's request machinery cost more CPU than a
# tile's bytes take to arrive, and a viewer asks for tiles by the dozen at once.
_http = urllib3.PoolManager(
    maxsize=16, retries=urllib3.Retry(total=2, redirect=0), timeout=urllib3.Timeout(5, read=30)
)
_signed: dict[str, tuple[str, float]] = {}
_signed_lock = threading.Lock()


def _read_url(key: str) -> str:
    """A signed GET URL for the object, re-signed once half its lifetime has passed."""
    now = time.monotonic()
    with _signed_lock:
        found = _signed.get(key)
    if found is not None and found[1] > now:
        return found[0]
    url = signed_url(bucket="protected", key=key)
    with _signed_lock:
        if len(_signed) >= 4 * CACHED_SLIDES:
            _signed.clear()
        _signed[key] = (url, now + settings.SIGNED_URL_LIFETIME / 2)
    return url


def read_range(key: str, offset: int, length: int) -> bytes:
    try:
        response = _http.request(
            "GET",
            _read_url(key),
            headers={"Range": f"bytes={offset}-{offset + length - 1}"},
            preload_content=False,
        )
    except urllib3.exceptions.HTTPError:
        raise TileError("the slide's file could not be read from the object store") from None
    try:
        if response.status != 206:  # 403: the signature; 404: the object; 200: no ranges
            raise TileError("the slide's file could not be read from the object store")
        return bytes(response.read())
    finally:
        response.release_conn()


def _level(page: tifffile.TiffPage) -> Level:
    if not page.is_tiled:
        raise TileError("the slide is not stored as a tiled TIFF")
    if page.dtype != np.uint8 or page.planarconfig != tifffile.PLANARCONFIG.CONTIG:
        raise TileError("the slide's pixels are not 8-bit interleaved samples")
    page.decode  # noqa: B018 (tifffile builds the decoder once, on first access)
    return Level(
        width=int(page.imagewidth),
        height=int(page.imagelength),
        tile_width=int(page.tilewidth),
        tile_height=int(page.tilelength),
        compression=int(page.compression),
        photometric=int(page.photometric),
        samples=int(page.samplesperpixel),
        jpegtables=page.jpegtables,
        offsets=np.asarray(page.dataoffsets, dtype=np.int64),
        counts=np.asarray(page.databytecounts, dtype=np.int64),
        decode=page.decode,
    )


def _parse(key: str) -> Pyramid:
    raw = RangedObject(key)
    try:
        with tifffile.TiffFile(io.BufferedReader(raw, buffer_size=READ_BLOCK)) as tif:
            levels = [_level(level.keyframe) for level in tif.series[0].levels]
    except (tifffile.TiffFileError, ValueError, IndexError, KeyError) as e:
        raise TileError(f"the slide's TIFF could not be parsed ({type(e).__name__})") from None
    return Pyramid(key=key, levels=levels)


_cache: "OrderedDict[str, Pyramid]" = OrderedDict()
_cache_lock = threading.Lock()


def pyramid(key: str) -> Pyramid:
    """The parsed levels of the stored TIFF at `key`, parsed once per process."""
    with _cache_lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    parsed = _parse(key)  # outside the lock: a slow parse must not hold up other slides
    with _cache_lock:
        _cache[key] = parsed
        while len(_cache) > CACHED_SLIDES:
            _cache.popitem(last=False)
    return parsed


def _passes_through(level: Level, data: bytes, width: int, height: int) -> bool:
    if level.compression != JPEG or (width, height) != (level.tile_width, level.tile_height):
        return False
    if level.photometric in BROWSER_JPEG_PHOTOMETRICS:
        return True
    head = (level.jpegtables or b"") + data[:256]
    return level.photometric == tifffile.PHOTOMETRIC.RGB and ADOBE_MARKER in head


def _with_tables(data: bytes, tables: bytes | None) -> bytes:
    """An abbreviated JPEG stream made whole: the shared tables go after its SOI marker."""
    if not tables:
        return data
    return data[:2] + tables[2:-2] + data[2:]


def _encode(array: np.ndarray, lossy: bool) -> Tile:
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    picture = PILImage.fromarray(np.ascontiguousarray(array))
    out = io.BytesIO()
    if lossy:
        picture.convert("RGB" if picture.mode in ("RGBA", "RGB") else "L").save(
            out, format="JPEG", quality=90
        )
        return Tile(out.getvalue(), "image/jpeg")
    picture.save(out, format="PNG", compress_level=1)  # fast; tiles are small
    return Tile(out.getvalue(), "image/png")


def tile(*, key: str, level: int, column: int, row: int) -> Tile:
    """One tile of the stored slide at `key`; level 0 is full resolution."""
    levels = pyramid(key).levels
    if not 0 <= level < len(levels):
        raise TileNotFound(f"level {level} does not exist (levels 0 to {len(levels) - 1})")
    lv = levels[level]
    if not (0 <= column < lv.columns and 0 <= row < lv.rows):
        raise TileNotFound(
            f"tile {column},{row} is outside level {level} ({lv.columns} x {lv.rows} tiles)"
        )
    width = min(lv.tile_width, lv.width - column * lv.tile_width)
    height = min(lv.tile_height, lv.height - row * lv.tile_height)
    index = row * lv.columns + column
    count = int(lv.counts[index])
    if count == 0:  # a sparse TIFF's empty tile: background
        blank = np.full((height, width, lv.samples), 255, np.uint8)
        return _encode(blank, lossy=lv.compression == JPEG)
    data = read_range(key, int(lv.offsets[index]), count)
    if _passes_through(lv, data, width, height):
        return Tile(_with_tables(data, lv.jpegtables), "image/jpeg")
    try:
        decoded, _, _ = lv.decode(data, index, jpegtables=lv.jpegtables)
    except Exception as e:  # codecs raise their own error types
        raise TileError(f"tile {column},{row} of level {level} could not be decoded") from e
    pixels = np.asarray(decoded).reshape(lv.tile_height, lv.tile_width, -1)[:height, :width]
    return _encode(pixels, lossy=lv.compression == JPEG)
