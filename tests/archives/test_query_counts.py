import pytest

from archives.models import Archive
from archives.services import archive_create, archive_item_create
from cases.models import Image
from components.models import ComponentInterface
from components.services import socket_value_create
from tests.query_counts import assert_queries_constant_in_page_size, token_client

pytestmark = pytest.mark.django_db


def test_archives_list_costs_the_same_queries_for_2_and_20_archives(user):
    made = iter(range(100))

    def add(n: int) -> None:
        for _ in range(n):
            archive_create(creator=user, title=f"Chest CT {next(made)}")

    assert_queries_constant_in_page_size(token_client(user), "/api/v1/archives/?limit=20", add)


def test_archive_items_list_costs_the_same_queries_for_2_and_20_items(user):
    archive: Archive = archive_create(creator=user, title="Chest CT")
    image_socket = ComponentInterface.objects.get(slug="generic-medical-image")
    probability = ComponentInterface.objects.get(slug="probability")

    def add(n: int) -> None:
        for i in range(n):
            item = archive_item_create(archive=archive, title=f"case {i}")
            image = Image.objects.create(name=f"CT {i}", width=2, height=2)
            item.values.add(socket_value_create(socket=image_socket, image=image))
            item.values.add(socket_value_create(socket=probability, value=0.5))

    url = "/api/v1/archives/items/?limit=20"
    assert_queries_constant_in_page_size(token_client(user), url, add)
