"""Body mask of a CT volume: voxels above -500 HU, their largest connected part, holes
(lungs, bowel gas) filled slice by slice."""

import numpy as np

THRESHOLD_HU = -500

try:  # Debian's python3-scipy is in the base image; numpy alone still works
    from scipy import ndimage
except ImportError:  # pragma: no cover - exercised only without scipy
    ndimage = None


def body_mask(ct: np.ndarray) -> np.ndarray:
    foreground = ct > THRESHOLD_HU
    if not foreground.any():
        return np.zeros(ct.shape, dtype=np.uint8)
    labels = label(foreground)
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    mask = labels == int(sizes.argmax())
    for index in range(mask.shape[0]):
        mask[index] = fill_holes(mask[index])
    return mask.astype(np.uint8)


def fill_holes(plane: np.ndarray) -> np.ndarray:
    """Background parts that do not touch the border are holes: add them to the mask."""
    if ndimage is not None:
        return np.asarray(ndimage.binary_fill_holes(plane))
    background = label(~plane)
    border = np.unique(
        np.concatenate([background[0], background[-1], background[:, 0], background[:, -1]])
    )
    return plane | ((background > 0) & ~np.isin(background, border))


def label(mask: np.ndarray) -> np.ndarray:
    """Connected parts (faces touching), 0 for background."""
    if ndimage is not None:
        labels, _ = ndimage.label(mask)
        return np.asarray(labels)
    return _label_by_propagation(mask)


def _label_by_propagation(mask: np.ndarray) -> np.ndarray:
    """Each voxel takes the smallest label among its neighbours until nothing changes."""
    big = np.iinfo(np.int64).max
    labels = np.where(mask, np.arange(1, mask.size + 1).reshape(mask.shape), big)
    while True:
        before = labels
        for axis in range(mask.ndim):
            for shift in (1, -1):
                neighbour = np.roll(labels, shift, axis=axis)
                edge: list[slice | int] = [slice(None)] * mask.ndim
                edge[axis] = 0 if shift == 1 else -1
                neighbour[tuple(edge)] = big
                labels = np.where(mask, np.minimum(labels, neighbour), big)
        if np.array_equal(labels, before):
            break
    _, compact = np.unique(np.where(mask, labels, 0), return_inverse=True)
    return compact.reshape(mask.shape)
