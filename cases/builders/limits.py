"""Limits that protect the workers from hostile or broken uploads (overridable in settings)."""

from django.conf import settings


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_voxels() -> int:
    """Largest image (voxels x channels x timepoints) a builder will allocate."""
    return _setting("IMAGE_MAX_VOXELS", 4 * 1024**3)


def archive_max_members() -> int:
    return _setting("IMAGE_ARCHIVE_MAX_MEMBERS", 20_000)


def archive_max_bytes() -> int:
    """Total unpacked size of one archive."""
    return _setting("IMAGE_ARCHIVE_MAX_BYTES", 64 * 1024**3)


def archive_max_ratio() -> int:
    """Unpacked size / packed size above which an archive counts as a zip bomb."""
    return _setting("IMAGE_ARCHIVE_MAX_RATIO", 200)
