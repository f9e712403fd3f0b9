"""A job whose container writes past the /output limit fails while it runs, saying so."""

import pytest

from algorithms.models import Job
from tests.algorithms.test_jobs_execution import run_script_job

pytestmark = pytest.mark.django_db(transaction=True)


def test_filling_output_fails_the_job_with_the_limit(user, settings):  # type: ignore[no-untyped-def]
    settings.WORKERS_OUTPUT_MB = 2
    job = run_script_job(
        user,
        "echo '{}' > /output/results.json\n"
        "dd if=/dev/zero of=/output/fill bs=1M count=50 || exit 1\n"
        "echo never-reached\n",
    )
    assert job.status == Job.Status.FAILED
    assert job.error_message == (
        "The algorithm filled /output, which holds at most 2 MB while the container runs; "
        "its outputs are incomplete."
    )
    assert "No space left on device" in job.stderr
    assert "never-reached" not in job.stdout
