"""Built images into the protected bucket: keys made of UUIDs only, rows built but not
saved, so callers save them inside their own transaction and, on failure, delete the
stored objects with `delete_stored_objects` (the caller keeps the list of keys)."""

import logging
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from boto3.s3.transfer import TransferConfig

from app.storage import bucket_name, s3_client
from cases.builders.types import BuiltImage
from cases.models import Image, ImageFile

logger = logging.getLogger(__name__)
TRANSFER = TransferConfig(multipart_threshold=64 * 2**20, multipart_chunksize=64 * 2**20)


@dataclass
class StoredImage:
    image: Image
    files: list[ImageFile] = field(default_factory=list)


def _upload(path: Path, key: str, stored_keys: list[str]) -> None:
    stored_keys.append(key)
    s3_client("protected").upload_file(str(path), bucket_name("protected"), key, Config=TRANSFER)


def store_path(path: Path, prefix: str, stored_keys: list[str]) -> tuple[str, int]:
    """Store one file under a fresh UUID key and return the key and its size in bytes."""
    suffix = "".join(path.suffixes[-1:]).lower() or ".bin"
    key = f"{prefix}/{uuid.uuid4()}{suffix}"
    _upload(path, key, stored_keys)
    return key, path.stat().st_size


def _image_row(built: BuiltImage) -> Image:
    return Image(
        id=uuid.uuid4(),
        name=(built.name or "Image")[:255],
        width=built.width,
        height=built.height,
        depth=built.depth,
        timepoints=built.timepoints,
        voxel_width_mm=built.voxel_width_mm,
        voxel_height_mm=built.voxel_height_mm,
        voxel_depth_mm=built.voxel_depth_mm,
        origin_mm=list(built.origin_mm),
        direction=list(built.direction),
        pixel_type=built.pixel_type[:32],
        modality=built.modality[:16],
        window_center=built.window_center,
        window_width=built.window_width,
        color_space=built.color_space,
        resolution_levels=built.resolution_levels,
        segments=built.segments,
        series_key=built.series_key[:64],
    )


def store_built_image(*, built: BuiltImage, stored_keys: list[str]) -> StoredImage:
    """Upload an image's files and thumbnail; return its (unsaved) rows."""
    image = _image_row(built)
    prefix = f"images/{image.pk}"
    item = StoredImage(image=image)
    for built_file in built.files:
        key, size = store_path(Path(built_file.path), prefix, stored_keys)
        item.files.append(
            ImageFile(image=image, image_type=built_file.image_type, file=key, size=size)
        )
    if built.thumbnail_png is not None and Path(built.thumbnail_png).is_file():
        image.thumbnail, _ = store_path(Path(built.thumbnail_png), prefix, stored_keys)
    return item


def delete_stored_objects(keys: list[str]) -> None:
    """Best effort: called while handling another failure, so it logs instead of raising."""
    if not keys:
        return
    client = s3_client("protected")
    for start in range(0, len(keys), 1000):
        chunk = keys[start : start + 1000]
        try:
            client.delete_objects(
                Bucket=bucket_name("protected"),
                Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True},
            )
        except Exception:
            logger.exception("Could not delete %d stored objects", len(chunk))
