import pytest

from cases.models import Image, ImageFile, RawImageUploadSession
from tests.query_counts import assert_queries_constant_in_page_size, token_client
from uploads.models import UserUpload

pytestmark = pytest.mark.django_db


def test_upload_sessions_list_costs_the_same_queries_for_2_and_20_sessions(user):
    def add(n: int) -> None:
        for i in range(n):
            session = RawImageUploadSession.objects.create(creator=user)
            upload = UserUpload.objects.create(
                creator=user, filename=f"{i}.mha", status="Completed"
            )
            session.user_uploads.add(upload)
            Image.objects.create(name=f"CT {i}", width=2, height=2, origin=session)

    url = "/api/v1/cases/upload-sessions/?limit=20"
    assert_queries_constant_in_page_size(token_client(user), url, add)


def test_images_list_costs_the_same_queries_for_2_and_20_images(user):
    def add(n: int) -> None:
        for i in range(n):
            session = RawImageUploadSession.objects.create(creator=user)
            image = Image.objects.create(name=f"CT {i}", width=2, height=2, origin=session)
            ImageFile.objects.create(image=image, image_type="MHD", file=f"images/{i}.mha", size=4)

    url = "/api/v1/cases/images/?limit=20"
    assert_queries_constant_in_page_size(token_client(user), url, add)
