"""A fast, low-memory writer for compressed MetaImage (.mha) files.

The pixel data is one zlib stream, as ITK expects, but built pigz-style: each chunk is
deflated on its own by a thread pool (isal releases the GIL) and ends on a byte
boundary (sync flush), so the chunks concatenate into one valid deflate stream; the
zlib header and the Adler-32 of the whole data wrap it. Memory stays at a few chunks.
The header is written by hand, with room kept for CompressedDataSize, which is filled
in once known.
"""

import struct
from collections import deque
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

import isal.isal_zlib as zlib
import numpy as np

from cases.builders import workers

CHUNK_BYTES = 4 * 1024 * 1024
LEVEL = 1  # isal's levels are 0-3; 1 is nearly as small as zlib's 6, several times faster

ELEMENT_TYPES = {
    np.dtype("uint8"): "MET_UCHAR",
    np.dtype("int8"): "MET_CHAR",
    np.dtype("uint16"): "MET_USHORT",
    np.dtype("int16"): "MET_SHORT",
    np.dtype("uint32"): "MET_UINT",
    np.dtype("int32"): "MET_INT",
    np.dtype("uint64"): "MET_ULONG_LONG",
    np.dtype("int64"): "MET_LONG_LONG",
    np.dtype("float32"): "MET_FLOAT",
    np.dtype("float64"): "MET_DOUBLE",
}
_SIZE_FIELD = "CompressedDataSize = "
_SIZE_DIGITS = 20


def _fmt(values: Iterable[float]) -> str:
    return " ".join(repr(float(v)) if not float(v).is_integer() else str(int(v)) for v in values)


def _deflate(data: bytes | memoryview, final: bool) -> bytes:
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    out = compressor.compress(data)
    return out + compressor.flush(zlib.Z_FINISH if final else zlib.Z_SYNC_FLUSH)


class MhaWriter:
    """Write an image slice by slice (x fastest, then y, z, t), compressing as it goes.

    `direction` is the direction matrix flattened row by row, as SimpleITK's
    `GetDirection()` gives it; `size`, `spacing`, `origin` are in x, y, z[, t] order.
    """

    def __init__(
        self,
        path: Path,
        *,
        size: Sequence[int],
        spacing: Sequence[float],
        origin: Sequence[float],
        direction: Sequence[float],
        dtype: np.dtype,
        channels: int = 1,
    ) -> None:
        self.path = Path(path)
        self.dtype = np.dtype(dtype).newbyteorder("<")
        if self.dtype.newbyteorder("=") not in ELEMENT_TYPES:
            raise ValueError(f"unsupported pixel type {dtype}")
        ndims = len(size)
        self.expected = int(np.prod(size, dtype=np.int64)) * channels * self.dtype.itemsize
        # MetaIO lists each axis' direction vector in turn: the columns of the matrix
        matrix = np.asarray(direction, dtype=float).reshape(ndims, ndims)
        lines = [
            "ObjectType = Image",
            f"NDims = {ndims}",
            "BinaryData = True",
            "BinaryDataByteOrderMSB = False",
            "CompressedData = True",
            _SIZE_FIELD + "0" * _SIZE_DIGITS,
            f"TransformMatrix = {_fmt(matrix.T.ravel())}",
            f"Offset = {_fmt(origin)}",
            f"CenterOfRotation = {_fmt([0] * ndims)}",
            f"ElementSpacing = {_fmt(spacing)}",
            f"DimSize = {' '.join(str(int(s)) for s in size)}",
        ]
        if channels > 1:
            lines.append(f"ElementNumberOfChannels = {channels}")
        lines += [
            f"ElementType = {ELEMENT_TYPES[self.dtype.newbyteorder('=')]}",
            "ElementDataFile = LOCAL",
        ]
        header = ("\n".join(lines) + "\n").encode("ascii")
        self._size_at = header.index(_SIZE_FIELD.encode()) + len(_SIZE_FIELD)
        self._file = self.path.open("wb")
        self._file.write(header)
        self._file.write(b"\x78\x01")  # zlib header: deflate, 32 KiB window
        self._compressed = 2
        self._adler = 1
        self._written = 0
        self._buffer: list[memoryview] = []
        self._buffered = 0
        self._pending: deque[Future[bytes]] = deque()
        self._pool: ThreadPoolExecutor = workers.pool()

    def write(self, array: np.ndarray) -> None:
        data = np.ascontiguousarray(array, dtype=self.dtype)
        raw = memoryview(data).cast("B")  # type: ignore[arg-type]
        self._written += raw.nbytes
        if self._written > self.expected:
            raise ValueError("more pixel data than the image size allows")
        self._adler = zlib.adler32(raw, self._adler)
        self._buffer.append(raw)
        self._buffered += raw.nbytes
        if self._buffered >= CHUNK_BYTES:
            self._submit(b"".join(self._buffer), final=False)
            self._buffer, self._buffered = [], 0

    def _submit(self, chunk: bytes, *, final: bool) -> None:
        self._pending.append(self._pool.submit(_deflate, chunk, final))
        # keep a bounded number of chunks in flight, so memory stays flat
        while len(self._pending) > 2 * workers.count() or (final and self._pending):
            self._drain_one()

    def _drain_one(self) -> None:
        block = self._pending.popleft().result()
        self._file.write(block)
        self._compressed += len(block)

    def close(self) -> None:
        if self._written != self.expected:
            raise ValueError(f"pixel data ended after {self._written} of {self.expected} bytes")
        self._submit(b"".join(self._buffer), final=True)
        self._buffer, self._buffered = [], 0
        self._file.write(struct.pack(">I", self._adler & 0xFFFFFFFF))
        self._compressed += 4
        self._file.seek(self._size_at)
        self._file.write(str(self._compressed).rjust(_SIZE_DIGITS, "0").encode())
        self._file.close()

    def abort(self) -> None:
        for future in self._pending:
            future.cancel()
        self._pending.clear()
        self._file.close()
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> "MhaWriter":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def write_mha(
    path: Path,
    array: np.ndarray,
    *,
    spacing: Sequence[float],
    origin: Sequence[float],
    direction: Sequence[float],
    channels: int = 1,
) -> None:
    """Write a whole numpy array (axes [t,] [z,] y, x[, channel]) as compressed MHA."""
    spatial = array.shape[:-1] if channels > 1 else array.shape
    with MhaWriter(
        path,
        size=list(reversed(spatial)),
        spacing=spacing,
        origin=origin,
        direction=direction,
        dtype=array.dtype,
        channels=channels,
    ) as writer:
        flat = array.reshape(-1) if array.flags.c_contiguous else np.ascontiguousarray(array)
        flat = flat.reshape(-1)
        step = max(1, CHUNK_BYTES // array.dtype.itemsize)
        for start in range(0, flat.size, step):
            writer.write(flat[start : start + step])
