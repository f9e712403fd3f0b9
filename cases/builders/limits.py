"""Limits that protect the workers from hostile or broken uploads (see app/settings.py)."""

from django.conf import settings


def max_voxels() -> int:
    """Largest image (voxels x channels x timepoints) a builder will allocate."""
    return int(settings.IMAGE_MAX_VOXELS)


def max_voxel_bytes() -> int:
    """Most bytes one image's pixels may take in memory (IMAGE_MAX_VOXEL_BYTES)."""
    return int(settings.IMAGE_MAX_VOXEL_BYTES)


# deflate (zlib, gzip) packs at most about 1032:1 (a 258-byte match in two bits), so
# compressed data shorter than claimed size / this can only be a lie or a truncation
DEFLATE_MAX_RATIO = 1032


def archive_max_members() -> int:
    return int(settings.IMAGE_ARCHIVE_MAX_MEMBERS)


def archive_max_bytes() -> int:
    """Total unpacked size of one archive."""
    return int(settings.IMAGE_ARCHIVE_MAX_BYTES)


def archive_max_ratio() -> int:
    """Unpacked size / packed size above which an archive counts as a zip bomb."""
    return int(settings.IMAGE_ARCHIVE_MAX_RATIO)
