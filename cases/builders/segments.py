"""The voxel values of label maps, so that viewers and output checks know the segments."""

import numpy as np

# A label map names a few classes; an integer image with more values is an intensity image.
MAX_SEGMENTS = 64
# Voxels looked at per step: bounded memory, and an intensity image is usually recognised
# in the first step.
_CHUNK = 1 << 20


def label_values(array: np.ndarray) -> list[int] | None:
    """The sorted distinct values of a single-channel integer image with at most
    MAX_SEGMENTS of them, else None."""
    if array.dtype.kind not in "iu" or array.size == 0:
        return None
    flat = array.reshape(-1)
    seen: set[int] = set()
    for start in range(0, flat.size, _CHUNK):
        chunk = flat[start : start + _CHUNK]
        low, high = int(chunk.min()), int(chunk.max())
        if high - low < _CHUNK:
            counts = np.bincount((chunk - low).astype(np.intp, copy=False), minlength=1)
            values = np.flatnonzero(counts) + low
        else:
            values = np.unique(chunk)
        seen.update(int(v) for v in values[: MAX_SEGMENTS + 1])
        if len(seen) > MAX_SEGMENTS:
            return None
    return sorted(seen)
