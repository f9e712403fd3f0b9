import pytest

from tests.query_counts import assert_queries_constant_in_page_size, token_client
from uploads.models import UserUpload

pytestmark = pytest.mark.django_db


def test_uploads_list_costs_the_same_queries_for_2_and_20_uploads(user):
    def add(n: int) -> None:
        for i in range(n):
            UserUpload.objects.create(creator=user, filename=f"slice{i}.dcm", s3_upload_id="x")

    assert_queries_constant_in_page_size(token_client(user), "/api/v1/uploads/?limit=20", add)
