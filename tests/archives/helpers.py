import uuid

from django.contrib.auth.models import User

from app.storage import bucket_name, s3_client
from archives.models import Archive, ArchiveItem
from archives.services import archive_create, archive_item_create
from cases.models import Image, ImageFile
from components.models import ComponentInterface
from components.services import socket_value_create
from tests.factories import UserFactory

MHA = b"ObjectType = Image\nNDims = 2\nDimSize = 2 2\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n\x00\x01\x02\x03"  # noqa: E501


def stored_image(name: str = "CT") -> Image:
    """An image whose .mha and thumbnail really sit in the protected bucket."""
    image = Image.objects.create(name=name, width=2, height=2, pixel_type="uint8")
    key = f"images/{image.pk}/{uuid.uuid4()}.mha"
    thumb = f"images/{image.pk}/{uuid.uuid4()}.png"
    client = s3_client("protected")
    client.put_object(Bucket=bucket_name("protected"), Key=key, Body=MHA)
    client.put_object(Bucket=bucket_name("protected"), Key=thumb, Body=b"\x89PNG fake")
    ImageFile.objects.create(image=image, image_type="MHD", file=key, size=len(MHA))
    image.thumbnail = thumb
    image.save(update_fields=["thumbnail"])
    return image


def archive_with_image(editor: User, title: str = "Chest CT") -> tuple[Archive, ArchiveItem, Image]:
    archive = archive_create(creator=editor, title=title)
    item = archive_item_create(archive=archive)
    image = stored_image()
    socket = ComponentInterface.objects.get(slug="generic-medical-image")
    item.values.add(socket_value_create(socket=socket, image=image))
    return archive, item, image


def login(client, user: User) -> None:  # type: ignore[no-untyped-def]
    """force_login; UserFactory leaves the hashed password unsaved, which would void the session."""
    user.save()
    client.force_login(user)


def new_user(**fields: object) -> User:
    return UserFactory(**fields)  # type: ignore[return-value]
