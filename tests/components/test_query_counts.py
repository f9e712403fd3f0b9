import pytest

from tests.components.factories import make_socket
from tests.query_counts import page_queries, token_client

pytestmark = pytest.mark.django_db


def test_sockets_list_costs_the_same_queries_for_pages_of_2_and_20(user):
    for _ in range(20):  # beside the default sockets: at least 20 to list
        make_socket()
    client = token_client(user)
    page_queries(client, "/api/v1/components/interfaces/?limit=2", 2)  # caches filled
    small = page_queries(client, "/api/v1/components/interfaces/?limit=2", 2)
    large = page_queries(client, "/api/v1/components/interfaces/?limit=20", 20)
    assert len(large) == len(small), "\n".join(large)
