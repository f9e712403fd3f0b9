"""The demo algorithm `make run` registers: idempotent, and it really runs."""

import json
from pathlib import Path

import pytest

from algorithms.jobs.demo import register_demo_algorithm
from algorithms.jobs.execution import run_job
from algorithms.jobs.inputs import InputSpec
from algorithms.jobs.services import job_create
from algorithms.models import AlgorithmImage, Job
from app.permissions import add_member
from tests.algorithms.test_jobs_support import ensure_default_sockets, make_image, socket

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_registration_is_idempotent_and_the_demo_runs(user, tmp_path: Path):  # type: ignore[no-untyped-def]
    ensure_default_sockets()
    algorithm = register_demo_algorithm(log=lambda line: None)
    assert algorithm is not None
    assert register_demo_algorithm(log=lambda line: None) == algorithm
    assert AlgorithmImage.objects.filter(algorithm=algorithm).count() == 1
    assert algorithm.active_image is not None
    add_member(obj=algorithm, role="users", user=user)

    job, _ = job_create(
        creator=user,
        algorithm=algorithm,
        specs=[InputSpec(socket=socket("ct-image"), image=make_image(user))],
    )
    run_job(job_pk=job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error_message
    outputs = {civ.interface.slug: civ for civ in job.outputs.all()}
    results = outputs["results-json-file"]
    value = json.loads(results.file.read()) if results.file else results.value
    assert isinstance(value, dict) and value
    assert outputs["segmentation"].image is not None
