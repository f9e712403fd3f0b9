import io

import pytest

from algorithms.jobs.inputs import InputSpec
from algorithms.jobs.services import job_create
from algorithms.models import Algorithm, AlgorithmImage, Job
from components.models import ComponentInterface
from components.services import socket_value_create
from tests.algorithms.factories import make_algorithm
from tests.query_counts import assert_queries_constant_in_page_size, token_client

pytestmark = pytest.mark.django_db


def _algorithm(user, i: int) -> Algorithm:  # type: ignore[no-untyped-def]
    algorithm = make_algorithm(
        creator=user, title=f"Nodules {i}", inputs=("probability",), outputs=("results-json-file",)
    )
    AlgorithmImage.objects.create(
        algorithm=algorithm,
        image=f"algorithms/{i}.tar.gz",
        image_sha256=f"{i:064x}",
        status=AlgorithmImage.Status.VALID,
        is_active=True,
    )
    return algorithm


def test_algorithms_list_costs_the_same_queries_for_2_and_20_algorithms(user):
    made = iter(range(100))

    def add(n: int) -> None:
        for _ in range(n):
            _algorithm(user, next(made))

    assert_queries_constant_in_page_size(token_client(user), "/api/v1/algorithms/?limit=20", add)


def test_algorithm_images_list_costs_the_same_queries_for_2_and_20_images(user):
    made = iter(range(100))

    def add(n: int) -> None:
        for _ in range(n):
            _algorithm(user, next(made))

    url = "/api/v1/algorithms/images/?limit=20"
    assert_queries_constant_in_page_size(token_client(user), url, add)


def test_jobs_list_costs_the_same_queries_for_2_and_20_jobs(user):
    algorithm = _algorithm(user, 0)
    algorithm.max_active_jobs_per_user = 100
    algorithm.save()
    probability = ComponentInterface.objects.get(slug="probability")
    results = ComponentInterface.objects.get(slug="results-json-file")

    def add(n: int) -> None:
        for i in range(n):
            job, _ = job_create(
                creator=user,
                algorithm=algorithm,
                specs=[InputSpec(socket=probability, value=i / 100)],
            )
            output = socket_value_create(
                socket=results, file=io.BytesIO(b'{"nodules": 3}'), filename="results.json"
            )
            job.outputs.add(output)

    url = "/api/v1/algorithms/jobs/?limit=20"
    assert_queries_constant_in_page_size(token_client(user), url, add)


def test_jobs_list_shows_logs_to_the_creator_and_not_to_a_viewer_it_was_shared_with(
    user, other_user
):
    algorithm = _algorithm(user, 0)
    probability = ComponentInterface.objects.get(slug="probability")
    job, _ = job_create(
        creator=user, algorithm=algorithm, specs=[InputSpec(socket=probability, value=0.25)]
    )
    Job.objects.filter(pk=job.pk).update(stdout="found 3 nodules\n", stderr="warning: slow\n")
    job.viewers_group.user_set.add(other_user)  # type: ignore[union-attr]

    (own,) = token_client(user).get("/api/v1/algorithms/jobs/").json()["results"]
    (shared,) = token_client(other_user).get("/api/v1/algorithms/jobs/").json()["results"]
    assert (own["stdout"], own["stderr"]) == ("found 3 nodules\n", "warning: slow\n")
    assert shared["pk"] == own["pk"] == str(job.pk)
    assert "stdout" not in shared and "stderr" not in shared
