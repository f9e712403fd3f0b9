"""The file URLs the API hands out (archive item values, job values, image files) take the
API's Bearer token, as gcapi sends it: 302 to a short-lived signed URL, with the right
bytes behind it; 404 for a token whose user may not see the file."""

import pytest
import requests
from django.core.files.base import ContentFile

from algorithms.jobs.inputs import InputSpec
from algorithms.jobs.services import job_create
from app.services import api_token_create
from components.models import ComponentInterfaceValue
from tests.algorithms.test_jobs_support import copy_algorithm_for, make_image, socket
from tests.archives.helpers import MHA, archive_with_image

pytestmark = pytest.mark.django_db(transaction=True)


def _get(server, url: str, secret: str, **kwargs) -> requests.Response:  # type: ignore[no-untyped-def]
    return requests.get(
        url,
        headers={"Authorization": f"BEARER {secret}"},  # as gcapi writes it
        verify=str(server.ca_file),
        timeout=30,
        **kwargs,
    )


def test_file_urls_from_the_api_accept_the_bearer_token(https_live_server, user, other_user):  # type: ignore[no-untyped-def]
    _, item, image = archive_with_image(user)
    report = ComponentInterfaceValue(interface=socket("results-json-file"))
    report.file.save("report.json", ContentFile(b'{"finding": "none"}'))
    item.values.add(report)
    algorithm = copy_algorithm_for(user)
    job, _ = job_create(
        creator=user,
        algorithm=algorithm,
        specs=[
            InputSpec(socket=socket("ct-image"), image=make_image(user)),
            InputSpec(socket=socket("probability"), value=0.4),
        ],
    )
    output = ComponentInterfaceValue(interface=socket("results-json-file"))
    output.file.save("results.json", ContentFile(b'{"threshold": 0.4}'))
    job.outputs.add(output)
    _, secret = api_token_create(user=user, name="gcapi", days=1)
    _, outsider = api_token_create(user=other_user, name="gcapi", days=1)
    api = https_live_server.api_url

    item_data = _get(https_live_server, f"{api}archives/items/{item.pk}/", secret).json()
    item_file = next(v["file"] for v in item_data["values"] if v["file"])
    image_data = _get(https_live_server, f"{api}cases/images/{image.pk}/", secret).json()
    image_file = image_data["files"][0]["file"]
    job_data = _get(https_live_server, f"{api}algorithms/jobs/{job.pk}/", secret).json()
    job_file = job_data["outputs"][0]["file"]
    expected = {
        item_file: b'{"finding": "none"}',
        image_file: MHA,
        job_file: b'{"threshold": 0.4}',
    }
    assert all(url.startswith(https_live_server.url) for url in expected)

    for url, content in expected.items():
        redirect = _get(https_live_server, url, secret, allow_redirects=False)
        assert redirect.status_code == 302, (url, redirect.text[:500])
        if url != job_file:  # the jobs API's own redirect is the lead's (issue 7 item 8)
            assert redirect.headers["Cache-Control"] == "no-store"
        signed = redirect.headers["Location"]
        assert "X-Amz-Signature=" in signed
        assert requests.get(signed, timeout=30).content == content

        refused = _get(https_live_server, url, outsider, allow_redirects=False)
        assert refused.status_code == 404, (url, refused.status_code)
        anonymous = requests.get(
            url, verify=str(https_live_server.ca_file), allow_redirects=False, timeout=30
        )
        # the jobs API asks for credentials; the page-side file URLs hide the file
        assert anonymous.status_code == (401 if url == job_file else 404)
