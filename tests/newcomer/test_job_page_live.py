"""In Chromium: the job page moves from queued to succeeded with its outputs shown, without
a reload and without a contradictory state in between."""

from django.core.files.base import ContentFile
from django.db import transaction

from algorithms.jobs.inputs import InputSpec
from algorithms.jobs.services import job_create
from algorithms.models import Job
from components.models import ComponentInterfaceValue
from tests.algorithms.test_jobs_support import copy_algorithm_for, make_image, socket


def test_job_page_updates_status_and_outputs_together_without_reload(  # type: ignore[no-untyped-def]
    browser, live_server, user
):
    job, _ = job_create(
        creator=user,
        algorithm=copy_algorithm_for(user),
        specs=[
            InputSpec(socket=socket("ct-image"), image=make_image(user)),
            InputSpec(socket=socket("probability"), value=0.3),
        ],
    )
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    from django.test import Client

    client = Client()
    client.force_login(user)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/algorithms/jobs/{job.pk}/")
    assert page.get_by_role("button", name="Cancel job").is_visible()
    assert "No outputs yet" in page.inner_text("#job-outputs")
    page.evaluate("window.notReloaded = true")

    with transaction.atomic():  # as execution does: outputs and status in one commit
        output = ComponentInterfaceValue(interface=socket("results-json-file"))
        output.file.save("results.json", ContentFile(b'{"nodules": 3}'))
        job.outputs.add(output)
        job.record_status(Job.Status.SUCCEEDED)
        job.save()

    page.locator("#job-status .job-status", has_text="Succeeded").wait_for()
    assert '"nodules": 3' in page.inner_text("#job-outputs")
    assert page.get_by_role("button", name="Cancel job").count() == 0
    assert "No outputs" not in page.inner_text("main")
    assert page.evaluate("window.notReloaded") is True  # swapped in place, no reload
    assert errors == []
    context.close()
