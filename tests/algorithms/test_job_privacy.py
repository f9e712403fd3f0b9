"""Who sees a job: its creator, whom they share it with; never an algorithm's editor by
role, never another user through an archive run; public algorithms run for anyone."""

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.urls import reverse

from algorithms.jobs.inputs import InputSpec
from algorithms.jobs.permissions import share_job
from algorithms.jobs.services import job_create
from algorithms.models import Algorithm, Job
from app.permissions import add_member
from archives.services import archive_create, archive_item_create
from components.models import ComponentInterfaceValue
from tests.algorithms.test_jobs_support import copy_algorithm_for, make_image, socket
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
JOBS = "/api/v1/algorithms/jobs/"
ARCHIVE_RUN = f"{JOBS}archive-run/"


def _job_with_file_output(creator, algorithm: Algorithm) -> tuple[Job, ComponentInterfaceValue]:  # type: ignore[no-untyped-def]
    job, _ = job_create(
        creator=creator,
        algorithm=algorithm,
        specs=[
            InputSpec(socket=socket("ct-image"), image=make_image(creator)),
            InputSpec(socket=socket("probability"), value=0.7),
        ],
    )
    output = ComponentInterfaceValue(interface=socket("results-json-file"))
    output.file.save("results.json", ContentFile(b'{"secret": 42}'))
    job.outputs.add(output)
    job.stderr = "editor-visible log line"
    job.status = Job.Status.SUCCEEDED
    job.save()
    return job, output


def test_archive_run_of_a_second_user_gets_their_own_jobs(api_client, user, other_user):  # type: ignore[no-untyped-def]
    algorithm = copy_algorithm_for(user)
    add_member(obj=algorithm, role="users", user=other_user)
    archive = archive_create(creator=user, title="Shared chest CT")
    add_member(obj=archive, role="users", user=other_user)
    for probability in (0.1, 0.2):
        item = archive_item_create(archive=archive)
        item.values.add(
            ComponentInterfaceValue.objects.create(
                interface=socket("ct-image"), image=make_image(user)
            ),
            ComponentInterfaceValue.objects.create(
                interface=socket("probability"), value=probability
            ),
        )
    body = {"algorithm": algorithm.slug, "archive": archive.slug}

    api_client.force_authenticate(user)
    first = api_client.post(ARCHIVE_RUN, body, format="json")
    assert first.status_code == 201, first.json()
    first_pks = {job["pk"] for job in first.json()["created"]}
    assert len(first_pks) == 2

    api_client.force_authenticate(other_user)
    second = api_client.post(ARCHIVE_RUN, body, format="json")
    assert second.status_code == 201, second.json()
    assert second.json()["reused"] == []
    second_pks = {job["pk"] for job in second.json()["created"]}
    assert len(second_pks) == 2 and not second_pks & first_pks
    assert {job["creator"] for job in second.json()["created"]} == {other_user.username}
    listed = api_client.get(JOBS).json()
    assert {job["pk"] for job in listed["results"]} == second_pks
    for pk in first_pks:
        assert api_client.get(f"{JOBS}{pk}/").status_code == 404

    again = api_client.post(ARCHIVE_RUN, body, format="json")
    assert again.status_code == 200
    assert {job["pk"] for job in again.json()["reused"]} == second_pks
    assert Job.objects.filter(creator=other_user).count() == 2
    assert Job.objects.filter(creator=user).count() == 2


def test_editors_see_another_users_job_only_once_it_is_shared(client, api_client, user):  # type: ignore[no-untyped-def]
    editor: User = UserFactory()  # type: ignore[assignment]
    viewer: User = UserFactory()  # type: ignore[assignment]
    algorithm = copy_algorithm_for(user)
    add_member(obj=algorithm, role="editors", user=editor)
    job, output = _job_with_file_output(user, algorithm)
    api_file = reverse("api:algorithm-job-value-file", args=[job.pk, output.pk])
    page = reverse("algorithms:job-detail", args=[job.pk])
    page_file = reverse("algorithms:job-value-file", args=[job.pk, output.pk])

    for outsider in (editor, viewer):
        api_client.force_authenticate(outsider)
        assert api_client.get(JOBS).json()["count"] == 0
        assert api_client.get(f"{JOBS}?algorithm={algorithm.slug}").json()["count"] == 0
        assert api_client.get(f"{JOBS}{job.pk}/").status_code == 404
        assert api_client.get(api_file).status_code == 404
        assert api_client.post(f"{JOBS}{job.pk}/cancel/").status_code == 404
        client.force_login(outsider)
        assert client.get(page).status_code == 404
        assert client.get(page_file).status_code == 404
        input_image = job.inputs.get(interface__slug="ct-image").image_id
        assert api_client.get(f"/api/v1/cases/images/{input_image}/").status_code == 404

    # The creator shares the job from its page.
    client.force_login(user)
    shared = client.post(
        reverse("algorithms:job-share", args=[job.pk]), {"username": editor.username}
    )
    assert shared.status_code == 302
    assert editor.username in client.get(page).content.decode()
    share_job(job=job, user=viewer, actor=user)

    api_client.force_authenticate(editor)
    detail = api_client.get(f"{JOBS}{job.pk}/").json()
    assert detail["stderr"] == "editor-visible log line"
    assert [o["file"] for o in detail["outputs"]] == [f"http://testserver{api_file}"]
    assert api_client.get(api_file).status_code == 302
    client.force_login(editor)
    assert "editor-visible log line" in client.get(page).content.decode()

    api_client.force_authenticate(viewer)
    detail = api_client.get(f"{JOBS}{job.pk}/").json()
    assert "stderr" not in detail and len(detail["outputs"]) == 1
    assert api_client.get(api_file).status_code == 302
    client.force_login(viewer)
    body = client.get(page).content.decode()
    assert "results.json" in body and "editor-visible log line" not in body
    # Only the creator shares.
    assert (
        client.post(
            reverse("algorithms:job-share", args=[job.pk]), {"username": "anyone"}
        ).status_code
        == 404
    )


def test_the_algorithm_page_states_the_rule(client, user):  # type: ignore[no-untyped-def]
    algorithm = copy_algorithm_for(user)
    client.force_login(user)
    html = client.get(reverse("algorithms:detail", args=[algorithm.slug])).content.decode()
    page = " ".join(html.split())
    assert "A job's inputs, outputs and results are private to the user who ran it." in page
    assert (
        "The algorithm's editors do not see other users' jobs: only once a job's creator "
        "shares it with them (on the job's page) do they see its inputs, outputs and logs."
    ) in page


def test_a_public_algorithm_runs_for_any_signed_in_user(api_client, client, user, other_user):  # type: ignore[no-untyped-def]
    algorithm = copy_algorithm_for(user)
    body = {
        "algorithm": algorithm.slug,
        "inputs": [
            {
                "interface": "ct-image",
                "image": f"/api/v1/cases/images/{make_image(other_user).pk}/",
            },
            {"interface": "probability", "value": 0.5},
        ],
    }
    api_client.force_authenticate(other_user)
    refused = api_client.post(JOBS, body, format="json")
    assert refused.status_code == 400
    assert Job.objects.count() == 0

    algorithm.public = True
    algorithm.save()
    created = api_client.post(JOBS, body, format="json")
    assert created.status_code == 201, created.json()
    assert Job.objects.get(pk=created.json()["pk"]).creator == other_user

    client.force_login(other_user)
    try_out = reverse("algorithms:job-try-out", args=[algorithm.slug])
    assert client.get(try_out).status_code == 200
    image = make_image(other_user)
    response = client.post(
        try_out,
        {
            "interface": algorithm.interfaces.get().pk,
            "socket-ct-image": str(image.pk),
            "socket-probability": "0.25",
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert Job.objects.filter(creator=other_user).count() == 2

    api_client.logout()
    assert api_client.post(JOBS, body, format="json").status_code in (401, 403)
