"""Synthetic CTs stored as the importer stores them: a compressed .mha in the protected
bucket and an Image row with its geometry, in an archive the given user edits."""

import tempfile
import uuid
from pathlib import Path

import numpy as np
import SimpleITK as sitk
from django.contrib.auth.models import User

from app.storage import bucket_name, s3_client
from archives.services import archive_create, archive_item_create
from cases.models import Image, ImageFile
from components.models import ComponentInterface
from components.services import socket_value_create

AIR, BODY, BONE = -1000, 100, 1200
BONE_CENTRE = (48, 32)  # x, y voxel
PIXEL_TYPES = {
    sitk.sitkUInt8: "uint8",
    sitk.sitkInt16: "int16",
    sitk.sitkInt32: "int32",
    sitk.sitkVectorUInt8: "uint8",
}


def ct_volume(size: tuple[int, int, int] = (64, 64, 40)) -> sitk.Image:
    """Air around a body cylinder of 100 HU with a bone rod whose radius grows with z,
    so every axial slice looks different while the middle of the body stays 100 HU."""
    nx, ny, nz = size
    z, y, x = np.mgrid[0:nz, 0:ny, 0:nx]
    array = np.full((nz, ny, nx), AIR, dtype=np.int16)
    array[(x - nx / 2) ** 2 + (y - ny / 2) ** 2 < 28**2] = BODY
    radius = 2 + z / 5
    array[(x - BONE_CENTRE[0]) ** 2 + (y - BONE_CENTRE[1]) ** 2 < radius**2] = BONE
    image = sitk.GetImageFromArray(array)
    image.SetSpacing((0.8, 0.8, 2.5))
    image.SetOrigin((-25.6, -25.6, 100.0))
    return image


def store_volume(volume: sitk.Image, *, name: str, window: tuple[float, float] | None) -> Image:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "image.mha"
        sitk.WriteImage(volume, str(path), useCompression=True)
        body = path.read_bytes()
    size = volume.GetSize()
    spacing = volume.GetSpacing()
    rgb = volume.GetNumberOfComponentsPerPixel() == 3
    image = Image.objects.create(
        name=name,
        width=size[0],
        height=size[1],
        depth=size[2] if len(size) > 2 else None,
        voxel_width_mm=spacing[0],
        voxel_height_mm=spacing[1],
        voxel_depth_mm=spacing[2] if len(spacing) > 2 else None,
        origin_mm=list(volume.GetOrigin()),
        direction=list(volume.GetDirection()),
        color_space="RGB" if rgb else "GRAY",
        pixel_type=PIXEL_TYPES[volume.GetPixelID()],
        modality="CT" if volume.GetPixelID() in (sitk.sitkInt16, sitk.sitkInt32) else "",
        window_center=window[0] if window else None,
        window_width=window[1] if window else None,
        # the non-zero voxel values of a label map, as the importer records them
        segments=(
            [int(v) for v in np.unique(sitk.GetArrayViewFromImage(volume)) if v != 0]
            if volume.GetPixelID() == sitk.sitkUInt8 and not rgb
            else None
        ),
    )
    key = f"images/{image.pk}/{uuid.uuid4()}.mha"
    s3_client("protected").put_object(Bucket=bucket_name("protected"), Key=key, Body=body)
    ImageFile.objects.create(image=image, image_type="MHD", file=key, size=len(body))
    return image


def in_archive(editor: User, image: Image) -> Image:
    """`image` as the generic medical image of an item of an archive `editor` edits."""
    archive = archive_create(creator=editor, title=image.name)
    item = archive_item_create(archive=archive)
    socket = ComponentInterface.objects.get(slug="generic-medical-image")
    item.values.add(socket_value_create(socket=socket, image=image))
    return image


def ct_in_archive(editor: User, *, window: tuple[float, float] | None = (100, 1000)) -> Image:
    return in_archive(editor, store_volume(ct_volume(), name="Chest CT", window=window))


BONE_LABEL, LESION_LABEL = 1, 2
SEGMENTS = [
    {"name": "bone", "voxel_value": BONE_LABEL, "visible": True},
    {"name": "lesion", "voxel_value": LESION_LABEL, "visible": True},
]


def label_map(ct: sitk.Image) -> sitk.Image:
    """On the CT's grid: 1 where the CT has bone, 2 in an 8 by 8 voxel square in the body."""
    array = np.zeros(sitk.GetArrayFromImage(ct).shape, dtype=np.uint8)
    array[sitk.GetArrayFromImage(ct) == BONE] = BONE_LABEL
    array[:, 20:28, 20:28] = LESION_LABEL
    labels = sitk.GetImageFromArray(array)
    labels.CopyInformation(ct)
    return labels


def oblique_volume(size: tuple[int, int, int] = (20, 24, 16)) -> sitk.Image:
    """Each voxel holds its own index code i + 100 j + 10000 k (int32), on a grid
    turned 30° about z and 20° about x, with anisotropic spacing."""
    nx, ny, nz = size
    z, y, x = np.mgrid[0:nz, 0:ny, 0:nx]
    image = sitk.GetImageFromArray((x + 100 * y + 10000 * z).astype(np.int32))
    a, b = np.radians(30), np.radians(20)
    rz = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    rx = np.array([[1, 0, 0], [0, np.cos(b), -np.sin(b)], [0, np.sin(b), np.cos(b)]])
    image.SetDirection(tuple((rz @ rx).flatten()))
    image.SetSpacing((1.5, 1.2, 2.0))
    image.SetOrigin((-12.0, 30.5, -7.25))
    return image


def rgb_photo(size: tuple[int, int] = (64, 48)) -> sitk.Image:
    """A 2D RGB image: the left half red, the right half blue."""
    nx, ny = size
    array = np.zeros((ny, nx, 3), dtype=np.uint8)
    array[:, : nx // 2, 0] = 255
    array[:, nx // 2 :, 2] = 255
    return sitk.GetImageFromArray(array, isVector=True)
