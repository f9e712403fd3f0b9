"""Adding cases: the socket defaults to the one the archive's items already use."""

import pytest
from django.test import Client

from archives.services import archive_item_create
from components.models import ComponentInterface
from components.services import socket_value_create
from tests.archives.helpers import archive_with_image, login, stored_image

pytestmark = pytest.mark.django_db


def test_add_cases_defaults_to_the_socket_the_items_use(user, settings):  # type: ignore[no-untyped-def]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    archive, _, _ = archive_with_image(user)
    client = Client()
    login(client, user)
    page = client.get(f"/archives/{archive.slug}/add-cases/").content.decode()
    assert 'value="generic-medical-image" selected' in page

    ct = ComponentInterface.objects.filter(kind="Image").exclude(slug="generic-medical-image")[0]
    for _ in range(2):
        item = archive_item_create(archive=archive)
        item.values.add(socket_value_create(socket=ct, image=stored_image()))
    page = client.get(f"/archives/{archive.slug}/add-cases/").content.decode()
    assert f'value="{ct.slug}" selected' in page
    assert "data-upload-widget" in page and "webkitdirectory" in page
