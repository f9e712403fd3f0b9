"""Running an algorithm over an archive: one job per item, none duplicated when asked twice."""

import pytest

from algorithms.models import Job
from archives.services import archive_create, archive_item_create
from components.models import ComponentInterfaceValue
from tests.algorithms.test_jobs_support import copy_algorithm_for, make_image, socket

pytestmark = pytest.mark.django_db(transaction=True)


def test_archive_run_makes_one_job_per_item_and_reuses_them(api_client, user):  # type: ignore[no-untyped-def]
    algorithm = copy_algorithm_for(user)
    archive = archive_create(creator=user, title="Chest CT")
    for probability in (0.1, 0.2, 0.3):
        item = archive_item_create(archive=archive)
        item.values.add(
            ComponentInterfaceValue.objects.create(
                interface=socket("ct-image"), image=make_image(user)
            ),
            ComponentInterfaceValue.objects.create(
                interface=socket("probability"), value=probability
            ),
        )
    archive_item_create(archive=archive)  # an empty item: skipped, with the reason

    api_client.force_authenticate(user)
    body = {"algorithm": algorithm.slug, "archive": archive.slug}
    first = api_client.post("/api/v1/algorithms/jobs/archive-run/", body, format="json")
    assert first.status_code == 201, first.json()
    assert len(first.json()["created"]) == 3 and first.json()["reused"] == []
    assert len(first.json()["skipped"]) == 1

    second = api_client.post("/api/v1/algorithms/jobs/archive-run/", body, format="json")
    assert second.status_code == 200
    assert second.json()["created"] == [] and len(second.json()["reused"]) == 3
    assert Job.objects.count() == 3

    page = api_client.get("/api/v1/algorithms/jobs/")
    assert page.json()["count"] == 3
