"""In Chromium, end to end through the pages only: an organiser creates a challenge and a
predictions phase, uploads the evaluation container with the upload widget and opens the
phase; a brand-new user signs up, joins, submits a predictions file; a real worker runs
the evaluation and the leaderboard shows the row. Screenshots at 390 and 1400 px."""

from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connections
from django.test import Client

from algorithms.models import Job
from challenges import combined_services, services, team_services
from challenges.models import Evaluation, Method
from tests.algorithms import images
from tests.algorithms.test_jobs_support import wait_for
from tests.archives.helpers import login, new_user
from tests.browser_checks import axe_violations, sign_in, sign_up
from tests.challenges.helpers import (
    fail,
    make_challenge,
    make_phase,
    participant,
    submit,
    succeed,
    valid_algorithm_image,
)
from tests.challenges.test_site import _algorithm_phase
from tests.factories import UserFactory

PASSWORD = "a long and unusual passphrase 42"
HD = [{"title": "HD", "path": "hd", "order": "asc"}]
SCRIPT = 'printf \'{"aggregates": {"dice": 0.625}}\' > /output/metrics.json'


def _shoot(page, shots: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    violations = axe_violations(page, serious_only=True)
    assert not violations, f"{page.url}: {violations}"
    for width in (390, 1400):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{page.url} is {overflow} px wider than {width} px"
    page.set_viewport_size({"width": 1400, "height": 900})


def test_organiser_sets_up_a_phase_and_a_newcomer_reaches_the_leaderboard(  # type: ignore[no-untyped-def]
    browser, live_server, celery_worker, tmp_path
):
    try:
        _organiser_and_newcomer(browser, live_server.url, tmp_path)
    finally:
        # ORM calls made while Playwright runs hold a connection of their own
        connections.close_all()


def _organiser_and_newcomer(browser, url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shots = Path(settings.VAR_DIR) / "screenshots" / "challenges"
    shots.mkdir(parents=True, exist_ok=True)
    method_tar = tmp_path / "evaluation.tar.gz"
    images.saved(images.good_image(tag="tessera-tests/eval-dice", script=SCRIPT), method_tar)
    predictions = tmp_path / "predictions.csv"
    predictions.write_text("case,dice\n1,0.6\n")

    # the organiser, with challenge creator rights
    org = UserFactory(username="org", password=PASSWORD)
    EmailAddress.objects.create(user=org, email=org.email, verified=True, primary=True)
    Group.objects.get(name="challenge creators").user_set.add(org)  # type: ignore[arg-type]
    page = browser.new_page(viewport={"width": 1400, "height": 900}, bypass_csp=True)
    page.set_default_timeout(20_000)
    sign_in(page, url, "org", PASSWORD)
    page.goto(url + "/challenges/")
    page.get_by_role("link", name="Create challenge").click()
    page.get_by_label("Short name (used in the URL)").fill("lung-nodules")
    page.get_by_label("Title", exact=True).fill("Lung nodules 2027")
    page.get_by_label("Description (Markdown)").fill("Segment **lung nodules** in CT.")
    page.get_by_label("Hidden", exact=True).uncheck()
    page.get_by_label("Who is let in").select_option("ACCEPT_ALL")
    page.get_by_role("button", name="Create challenge").click()
    page.wait_for_url("**/admin/phases/create/")
    page.get_by_label("Title", exact=True).fill("Final")
    page.get_by_label("Score path in metrics.json").fill("aggregates.dice")
    page.get_by_label("Score title").fill("Dice")
    page.get_by_role("button", name="Save phase").click()
    page.wait_for_url("**/phases/final/settings/")
    _shoot(page, shots, "phase-settings")
    page.get_by_role("link", name="upload or manage evaluation methods").click()
    page.wait_for_selector("[data-upload-widget][data-ready=true]")  # listening for files
    page.set_input_files("input[type=file]", str(method_tar))
    page.wait_for_selector(".upload-file[data-state=done]", state="attached", timeout=120_000)
    page.get_by_role("button", name="Add this version").click()
    page.wait_for_load_state()
    wait_for(lambda: Method.objects.filter(is_active=True).exists(), what="method validated")
    page.reload()
    assert "Active" in page.inner_text("main")
    _shoot(page, shots, "methods")
    page.goto(url + "/challenges/lung-nodules/phases/final/settings/")
    page.get_by_label("Submissions per user per period (0 closes)").fill("3")
    page.get_by_role("button", name="Save phase").click()
    page.wait_for_load_state()
    assert "Phase Final saved." in page.inner_text("main")

    # a brand-new user signs up, verifies, signs in and joins
    user = browser.new_page(viewport={"width": 1400, "height": 900}, bypass_csp=True)
    user.set_default_timeout(20_000)
    sign_up(user, url, "ann", PASSWORD)
    user.goto(url + "/challenges/")
    user.get_by_role("link", name="Lung nodules 2027").click()
    assert "lung nodules" in user.inner_text(".markdown")
    _shoot(user, shots, "overview")
    user.get_by_role("link", name="Join").click()
    user.get_by_role("button", name="Join").click()
    user.wait_for_load_state()
    assert "Welcome to Lung nodules 2027" in user.inner_text("main")

    # submits a predictions file from the phase's submit page
    user.get_by_role("link", name="Phases and leaderboards").click()
    _shoot(user, shots, "phases")
    user.get_by_role("link", name="Submit to Final").click()
    assert "3 of 3" in user.inner_text("#submissions-left")
    user.wait_for_selector("[data-upload-widget][data-ready=true]")
    user.set_input_files("input[type=file]", str(predictions))
    user.wait_for_selector(".upload-file[data-state=done]", state="attached", timeout=60_000)
    _shoot(user, shots, "submit")
    user.get_by_label("Comment").fill("first try")
    user.get_by_role("button", name="Submit").click()
    user.wait_for_url("**/submissions/*/")
    wait_for(
        lambda: Evaluation.objects.filter(status__in=Evaluation.FINAL).exists(),
        timeout=180,
        what="evaluation done",
    )
    user.reload()
    main = user.inner_text("main")
    assert "Succeeded" in main, main
    assert "Rank 1" in main
    _shoot(user, shots, "submission")
    user.get_by_role("link", name="leaderboard", exact=True).click()
    rows = user.locator("table.leaderboard tbody tr")
    assert rows.count() == 1
    cells = rows.first.locator("td").all_inner_texts()
    assert cells[0] == "1" and cells[1] == "ann" and "0.6250" in cells
    _shoot(user, shots, "leaderboard")
    user.goto(url + "/challenges/lung-nodules/submissions/")
    assert "first try" in user.inner_text("main")
    _shoot(user, shots, "my-submissions")

    # the organiser sees the evaluation on the admin page
    page.goto(url + "/challenges/lung-nodules/admin/evaluations/")
    assert "ann" in page.inner_text("main") and "Succeeded" in page.inner_text("main")
    _shoot(page, shots, "evaluations")
    page.goto(url + "/challenges/")
    _shoot(page, shots, "list")


def test_every_site_and_admin_page_fits_a_phone_and_passes_axe(browser, live_server, user):  # type: ignore[no-untyped-def]
    """The pages the end-to-end test does not reach, filled: pages, questions, a pending
    request with answers, a participant."""
    shots = Path(settings.VAR_DIR) / "screenshots" / "challenges"
    shots.mkdir(parents=True, exist_ok=True)
    challenge = make_challenge(user, "brain-mets", hidden=False)
    phase = make_phase(challenge, extra_results_columns=HD)
    services.page_save(
        challenge=challenge,
        actor=user,
        fields={"display_title": "Data", "content_markdown": "## Data\n\n| a | b |\n|---|---|\n"},
    )
    question = services.registration_question_create(
        challenge=challenge, actor=user, question_text="Affiliation", schema={"type": "string"}
    )
    services.registration_request_create(
        challenge=challenge, user=new_user(username="bob"), answers={question.pk: "UMC"}
    )
    ann = participant(challenge, "ann")
    succeed(submit(phase, ann), {"dice": 0.5, "hd": 3})
    combined_services.combined_leaderboard_save(
        challenge=challenge, actor=user, fields={"title": "Overall"}, phases=[phase]
    )
    services.challenge_member_add(
        challenge=challenge, role="external_evaluators", username="bob", actor=user
    )
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 900}, bypass_csp=True)
        client = Client()
        login(client, user)
        page.context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": live_server.url,
                }
            ]
        )
        base = f"{live_server.url}/challenges/brain-mets"
        for name, path in (
            ("create", "/challenges/create/"),
            ("settings", "/admin/"),
            ("phase-create", "/admin/phases/create/"),
            ("ground-truths", f"/phases/{phase.slug}/ground-truths/"),
            ("requests", "/admin/requests/"),
            ("participants", "/admin/participants/"),
            ("pages", "/admin/pages/"),
            ("page-edit", "/admin/pages/data/"),
            ("page", "/pages/data/"),
            ("questions", "/admin/questions/"),
            ("phases-admin", "/phases/"),
            ("leaderboard-admin", f"/phases/{phase.slug}/leaderboard/"),
            ("combined", "/combined-leaderboards/overall/"),
            ("combined-admin", "/admin/combined-leaderboards/"),
            ("combined-create", "/admin/combined-leaderboards/create/"),
            ("combined-edit", "/admin/combined-leaderboards/overall/"),
        ):
            page.goto(live_server.url + path if path.startswith("/challenges") else base + path)
            assert page.locator("h1").count() == 1, path
            _shoot(page, shots, name)
        assert "UMC" in page.goto(base + "/admin/requests/").text()  # type: ignore[union-attr]
        # a combined leaderboard made from its page, a field error first
        page.goto(base + "/admin/combined-leaderboards/create/")
        page.fill("#id_title", "Both")
        page.get_by_role("button", name="Save combined leaderboard").click()
        page.wait_for_load_state()
        assert "phases: This field is required." in page.inner_text("main")
        _shoot(page, shots, "combined-create-error")
        page.get_by_label(phase.title).check()
        page.get_by_label("Median of the phase ranks").check()
        page.get_by_role("button", name="Save combined leaderboard").click()
        page.wait_for_url("**/combined-leaderboards/both/")
        assert (
            page.locator("nav.tabs [aria-current=page]").inner_text() == "Phases and leaderboards"
        )
        bob = browser.new_page(viewport={"width": 1400, "height": 900}, bypass_csp=True)
        c = Client()
        login(c, new_user(username="cy"))
        bob.context.add_cookies(
            [{"name": "sessionid", "value": c.cookies["sessionid"].value, "url": live_server.url}]
        )
        bob.goto(base + "/register/")
        _shoot(bob, shots, "register")
    finally:
        connections.close_all()


def _as(browser, live_server, user):  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1400, "height": 900}, bypass_csp=True)
    client = Client()
    login(client, user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


def test_an_algorithm_phase_as_its_participant_and_its_admin(browser, live_server, user):  # type: ignore[no-untyped-def]
    """The submit page lists the interfaces and the participant's valid images; the
    submission page gives the participant job counts only, the admin every job."""
    shots = Path(settings.VAR_DIR) / "screenshots" / "challenges"
    shots.mkdir(parents=True, exist_ok=True)
    challenge, phase, ann, algorithm = _algorithm_phase(user)
    image = valid_algorithm_image(algorithm, "sha256:" + "e" * 64)
    submission = submit(phase, ann, algorithm_image=image)
    base = f"{live_server.url}/challenges/{challenge.slug}"
    try:
        participant_page = _as(browser, live_server, ann)
        participant_page.goto(f"{base}/phases/{phase.slug}/submit/")
        main = participant_page.inner_text("main")
        assert "Interfaces" in main and "ct-image" in main, main
        assert "Ann's nodules" in participant_page.inner_text("select")
        _shoot(participant_page, shots, "submit-algorithm")
        participant_page.goto(f"{base}/submissions/{submission.pk}/")
        assert "0 of 2 cases done" in participant_page.inner_text("#job-progress")
        assert "Jobs (admins only)" not in participant_page.inner_text("main")
        _shoot(participant_page, shots, "submission-algorithm")
        # the page follows the jobs in place, with no reload (axe: no meta refresh)
        Job.objects.filter(pk__in=submission.jobs.values("pk")).update(status=Job.Status.SUCCEEDED)
        participant_page.wait_for_function(
            "document.querySelector('#job-progress').textContent.includes('2 of 2 cases done')",
            timeout=30_000,
        )
        admin_page = _as(browser, live_server, user)
        admin_page.goto(f"{base}/submissions/{submission.pk}/")
        assert admin_page.locator("h3", has_text="Jobs (admins only)").count() == 1
        assert admin_page.locator("table tbody tr").count() == 2  # one row per case
        _shoot(admin_page, shots, "submission-algorithm-admin")
    finally:
        connections.close_all()


def test_a_team_members_pages_fit_a_phone_and_pass_axe(browser, live_server, user):  # type: ignore[no-untyped-def]
    shots = Path(settings.VAR_DIR) / "screenshots" / "challenges"
    shots.mkdir(parents=True, exist_ok=True)
    challenge = make_challenge(user, "team-lungs", hidden=False, use_teams=True)
    phase = make_phase(challenge)
    ann, bob = participant(challenge, "ann"), participant(challenge, "bob")
    team = team_services.team_create(challenge=challenge, owner=ann, name="Lungs")
    team_services.team_invitation_accept(
        invitation=team_services.team_invite(team=team, actor=ann, user=bob), actor=bob
    )
    succeed(submit(phase, ann), {"dice": 0.5})
    fail(submit(phase, bob), "The evaluation container exited with code 1: no cases")
    try:
        page = _as(browser, live_server, ann)
        page.goto(f"{live_server.url}/challenges/team-lungs/submissions/")
        rows = page.locator("main tbody tr")
        assert rows.count() == 2
        assert "bob" in rows.nth(0).inner_text() and "no cases" in rows.nth(0).inner_text()
        _shoot(page, shots, "team-submissions")
        page.get_by_role("link", name="Teams", exact=True).click()
        page.wait_for_url("**/challenges/team-lungs/teams/")
        assert "You are in Lungs (you own it)." in page.inner_text("main")
        _shoot(page, shots, "teams")
    finally:
        connections.close_all()
