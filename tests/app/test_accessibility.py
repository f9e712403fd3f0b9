"""axe-core (from npm) in a real Chromium on the main pages, for a signed-in user who is
no staff and for an anonymous visitor: no serious or critical violations."""

import os
from collections.abc import Iterator

import pytest
from django.db import connections
from django.test import Client

from algorithms.jobs.permissions import grant_job_permissions
from algorithms.models import AlgorithmImage, Job
from app.permissions import add_member
from archives.models import Archive
from tests.algorithms.factories import make_algorithm
from tests.archives.helpers import archive_with_image, login, new_user
from tests.browser_checks import AXE
from tests.challenges.helpers import make_challenge, make_phase
from tests.reader_studies.helpers import study_with_case

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.app.error_urls")]

BLOCKING = ("serious", "critical")
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + " :: " + n.failureSummary),
  }));
}"""


@pytest.fixture
def site(user):  # type: ignore[no-untyped-def]
    """Something on every main page: user is a member (not an editor) of an archive, a
    reader study and a challenge, may run an algorithm and has a job."""
    owner = new_user(username="owner")
    archive, item, _ = archive_with_image(owner, title="Chest CT")
    add_member(obj=archive, role="uploaders", user=user)
    Archive.objects.filter(pk=archive.pk).update(public=True)
    algorithm = make_algorithm(creator=owner, title="Nodule finder")
    algorithm.public = True
    algorithm.save()
    algorithm_image = AlgorithmImage.objects.create(
        algorithm=algorithm, image="images/none.tar", image_sha256="0" * 64
    )
    job = Job.objects.create(
        creator=user,
        algorithm_image=algorithm_image,
        algorithm_interface=algorithm.interfaces.get(),
        time_limit=60,
    )
    grant_job_permissions(job=job)
    study, _ = study_with_case(owner, title="Reading study")
    add_member(obj=study, role="readers", user=user)
    challenge = make_challenge(owner, hidden=False)
    phase = make_phase(challenge, public=True)
    return {
        "archive": archive.get_absolute_url(),
        "item": item.get_absolute_url(),
        "add-cases": f"/archives/{archive.slug}/add-cases/",
        "algorithm": f"/algorithms/{algorithm.slug}/",
        "job": f"/algorithms/jobs/{job.pk}/",
        "study": f"/reader-studies/{study.slug}/",
        "leaderboard": f"/challenges/{challenge.slug}/phases/{phase.slug}/leaderboard/",
    }


@pytest.fixture
def browser(live_server, monkeypatch) -> Iterator:  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM calls between steps
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()
            connections.close_all()  # Playwright-time ORM connections block the DB drop


def _violations(browser, base: str, paths: dict[str, str], session: str = "") -> list[str]:  # type: ignore[no-untyped-def]
    # axe is injected as an inline script, which the site's CSP rightly refuses
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    if session:
        context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
    page = context.new_page()
    page.set_default_timeout(20_000)
    # the checker itself works: an image without alt text is a critical violation
    page.set_content('<html lang="en"><title>t</title><main><img src="x.png"></main></html>')
    page.add_script_tag(path=str(AXE))
    assert ("critical", "image-alt") in [(v["impact"], v["id"]) for v in page.evaluate(RUN_AXE)]
    found = []
    for name, path in paths.items():
        response = page.goto(base + path)
        expected = int(name) if name.isdigit() else 200
        assert response is not None and response.status == expected, (name, path)
        page.wait_for_load_state("networkidle")
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(RUN_AXE)
        if os.environ.get("A11Y_VERBOSE"):
            print(name, path, [(v["impact"], v["id"]) for v in violations])
        for v in violations:
            if v["impact"] in BLOCKING:
                found.append(f"{name} {path}: [{v['impact']}] {v['id']}: {v['help']}: {v['nodes']}")
    context.close()
    return found


def test_main_pages_have_no_serious_violations(browser, live_server, site, user):  # type: ignore[no-untyped-def]
    public = {
        "home": "/",
        "sign-in": "/accounts/login/",
        "sign-up": "/accounts/signup/",
        "archives": "/archives/",
        "algorithms": "/algorithms/",
        "reader studies": "/reader-studies/",
        "leaderboard": site["leaderboard"],
        "404": "/no-such-page/",
        "400": "/test-malformed/",
        "500": "/test-boom/",
    }
    signed_in = {
        **public,
        "archive": site["archive"],
        "item": site["item"],
        "algorithm": site["algorithm"],
        "job": site["job"],
        "jobs": "/algorithms/jobs/",
        "uploads": "/uploads/",
        "add cases": site["add-cases"],
        "study": site["study"],
        "403": "/archives/create/",
        "tokens": "/accounts/tokens/",
    }
    del signed_in["sign-in"], signed_in["sign-up"]
    client = Client()
    login(client, user)
    found = _violations(browser, live_server.url, public)
    found += _violations(browser, live_server.url, signed_in, client.cookies["sessionid"].value)
    assert not found, "\n".join(found)
