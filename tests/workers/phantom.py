"""A synthetic CT phantom with a known body volume."""

import numpy as np

SPACING = (2.0, 2.0, 2.5)  # mm, x y z


def ct_phantom(shape: tuple[int, int, int] = (12, 40, 48)) -> tuple[np.ndarray, int]:
    """Air everywhere; an elliptic-cylinder body (soft tissue) with an air-filled
    "lung" inside it; a small dense "table" apart from the body. Returns the volume
    [z, y, x] in HU and the voxel count of the body with its lung filled in."""
    z, y, x = np.indices(shape)
    ct = np.full(shape, -1000, dtype=np.int16)
    body = ((x - 24) / 18.0) ** 2 + ((y - 18) / 12.0) ** 2 <= 1
    body &= (z >= 1) & (z <= shape[0] - 2)
    ct[body] = 40
    lung = ((x - 18) / 5.0) ** 2 + ((y - 18) / 4.0) ** 2 <= 1
    ct[body & lung] = -850
    table = (y >= 36) & (y <= 37)
    ct[table] = 300
    return ct, int(body.sum())
