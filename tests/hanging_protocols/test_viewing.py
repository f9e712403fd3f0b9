"""Pages under a hanging protocol: the job page lays out inputs and outputs by the
algorithm's view content, the output label map drawn over the input it names; the
reader sees value sockets as labels; without a protocol the default viewers stay."""

import json
import re

import pytest
from django.urls import reverse

from algorithms.jobs.inputs import InputSpec
from algorithms.jobs.services import job_create
from algorithms.models import Job
from components.models import ComponentInterfaceValue
from hanging_protocols.services import viewer_settings_update
from tests.algorithms.test_jobs_support import copy_algorithm_for, socket
from tests.archives.helpers import login, stored_image
from tests.hanging_protocols.helpers import TWO_SIDE_BY_SIDE, layout_maker, protocol

pytestmark = pytest.mark.django_db


def _configs(html: str) -> dict[str, dict]:  # type: ignore[type-arg]
    """The viewer configs of a page, by viewport name."""
    found = {}
    for name, body in re.findall(
        r'data-viewport="(\w+)">.*?'
        r'<script id="viewport-\d+-config" type="application/json">(.*?)</script>',
        html,
        re.S,
    ):
        found[name] = json.loads(body)
    return found


def test_job_page_follows_the_algorithm_protocol(client) -> None:  # type: ignore[no-untyped-def]
    user = layout_maker()
    algorithm = copy_algorithm_for(user)
    job, _ = job_create(
        creator=user,
        algorithm=algorithm,
        specs=[
            InputSpec(socket=socket("ct-image"), image=stored_image("CT")),
            InputSpec(socket=socket("probability"), value=0.5),
        ],
    )
    mask = ComponentInterfaceValue.objects.create(
        interface=socket("segmentation"), image=stored_image("Mask")
    )
    job.outputs.add(mask)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.SUCCEEDED)
    url = reverse("algorithms:job-detail", args=[job.pk])
    login(client, user)
    default = client.get(url).content.decode()
    assert 'id="input-viewer-1"' in default and "data-viewport" not in default

    viewer_settings_update(
        obj=algorithm,
        hanging_protocol=protocol(user, "Input and result", TWO_SIDE_BY_SIDE),
        optional_hanging_protocols=[],
        view_content={
            "main": ["ct-image", "probability"],
            "secondary": ["ct-image", "segmentation"],
        },
    )
    html = client.get(url).content.decode()
    assert 'id="input-viewer-1"' not in html
    configs = _configs(html)
    assert set(configs) == {"main", "secondary"}
    assert configs["main"]["image"]["name"] == "CT" and configs["main"]["overlays"] == []
    assert [o["name"] for o in configs["secondary"]["overlays"]] == ["Mask"]
    assert "Probability: 0.5" in html
    assert "hanging.mjs" in html and "viewer.mjs" in html


def test_reading_page_follows_the_study_protocol(client) -> None:  # type: ignore[no-untyped-def]
    from reader_studies import services as study_services
    from tests.reader_studies.helpers import question_for, study_with_case

    editor = layout_maker()
    study, _case = study_with_case(editor)
    question_for(study, "BOOL")  # a study without questions has nothing to read
    reader = layout_maker()
    study_services.reader_study_member_add(
        reader_study=study, role="readers", user=reader, actor=editor
    )
    viewer_settings_update(
        obj=study,
        hanging_protocol=protocol(editor, "Same image twice", TWO_SIDE_BY_SIDE),
        optional_hanging_protocols=[],
        view_content={
            "main": ["generic-medical-image"],
            "secondary": ["generic-medical-image"],
        },
    )
    login(client, reader)
    page = client.get(f"/reader-studies/{study.slug}/read/", follow=True)
    assert page.status_code == 200, page
    html = page.content.decode()
    configs = _configs(html)
    assert set(configs) == {"main", "secondary"}
    assert configs["secondary"]["socket"] == "generic-medical-image"
    assert configs["secondary"]["viewport"] == "secondary"
    assert "hanging.mjs" in html
