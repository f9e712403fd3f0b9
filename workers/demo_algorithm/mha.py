"""A small MetaImage (.mha) reader and writer on numpy: header lines, raw or zlib data."""

import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ELEMENT_TYPES = {
    "MET_CHAR": np.int8,
    "MET_UCHAR": np.uint8,
    "MET_SHORT": np.int16,
    "MET_USHORT": np.uint16,
    "MET_INT": np.int32,
    "MET_UINT": np.uint32,
    "MET_LONG_LONG": np.int64,
    "MET_ULONG_LONG": np.uint64,
    "MET_FLOAT": np.float32,
    "MET_DOUBLE": np.float64,
}
TYPE_NAMES = {np.dtype(v): k for k, v in ELEMENT_TYPES.items()}


@dataclass
class Volume:
    """Voxels indexed [z, y, x] (x varies fastest on disk); spacing in mm as (x, y, z)."""

    array: np.ndarray
    spacing: tuple[float, ...]
    header: dict[str, str] = field(default_factory=dict)


def read_mha(path: Path) -> Volume:
    raw = Path(path).read_bytes()
    header: dict[str, str] = {}
    position = 0
    while True:
        end = raw.index(b"\n", position)
        line = raw[position:end].decode("ascii", errors="replace").strip()
        position = end + 1
        if "=" not in line:
            continue
        key, value = (part.strip() for part in line.split("=", 1))
        header[key] = value
        if key == "ElementDataFile":
            break
    if header.get("ElementDataFile") != "LOCAL":
        raise ValueError("only .mha files with LOCAL data are supported")
    if int(header.get("ElementNumberOfChannels", "1")) != 1:
        raise ValueError("only single-channel images are supported")
    shape = [int(v) for v in header["DimSize"].split()]
    dtype = np.dtype(ELEMENT_TYPES[header["ElementType"]])
    if header.get("BinaryDataByteOrderMSB", header.get("ElementByteOrderMSB", "False")) == "True":
        dtype = dtype.newbyteorder(">")
    data = raw[position:]
    if header.get("CompressedData", "False") == "True":
        data = zlib.decompress(data)
    count = int(np.prod(shape))
    array = np.frombuffer(data, dtype=dtype, count=count).reshape(shape[::-1])
    spacing_text = header.get("ElementSpacing") or header.get("ElementSize") or ""
    spacing = tuple(float(v) for v in spacing_text.split()) or (1.0,) * len(shape)
    return Volume(array=array.astype(dtype.newbyteorder("=")), spacing=spacing, header=header)


def write_mha(path: Path, volume: Volume) -> None:
    """Write a compressed .mha keeping the source's geometry (offset, direction)."""
    array = np.ascontiguousarray(volume.array)
    data = zlib.compress(array.tobytes(), 6)
    geometry = {
        k: volume.header[k]
        for k in ("Offset", "TransformMatrix", "CenterOfRotation")
        if k in volume.header
    }
    lines = {
        "ObjectType": "Image",
        "NDims": str(array.ndim),
        "BinaryData": "True",
        "BinaryDataByteOrderMSB": "False",
        "CompressedData": "True",
        "CompressedDataSize": str(len(data)),
        **geometry,
        "ElementSpacing": " ".join(repr(float(v)) for v in volume.spacing),
        "DimSize": " ".join(str(v) for v in array.shape[::-1]),
        "ElementType": TYPE_NAMES[array.dtype.newbyteorder("=")],
        "ElementDataFile": "LOCAL",
    }
    header = "".join(f"{key} = {value}\n" for key, value in lines.items()).encode("ascii")
    Path(path).write_bytes(header + data)
