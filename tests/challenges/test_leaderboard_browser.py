"""The leaderboard, teams and combined-leaderboard pages in a real Chromium at phone width
(390 px): nothing makes the page scroll sideways, the plot is drawn, a column sorts."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings

from challenges import combined_services, team_services
from challenges.models import Evaluation
from tests.challenges.helpers import make_challenge, make_phase, participant, submit, succeed
from tests.viewer.conftest import browser_as  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db(transaction=True)
HD = [{"title": "HD", "path": "aggregates.hd", "order": "asc", "error_path": "aggregates.hd_std"}]


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    shots = Path(settings.VAR_DIR) / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


def _fits(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_the_pages_at_phone_width(user, browser_as, live_server):  # type: ignore[no-untyped-def]  # noqa: F811
    challenge = make_challenge(user, use_teams=True)
    debug = make_phase(challenge, title="Debug", score_jsonpath="aggregates.dice")
    final = make_phase(
        challenge,
        title="Final",
        score_jsonpath="aggregates.dice",
        score_title="Dice",
        extra_results_columns=HD,
    )
    people = [participant(challenge, n) for n in ("ann", "bob", "cat", "dan")]
    team = team_services.team_create(challenge=challenge, owner=people[2], name="Lung Lab")
    team_services.team_invitation_accept(
        invitation=team_services.team_invite(team=team, actor=people[2], user=people[3]),
        actor=people[3],
    )
    scores = [(0.71, 7.2), (0.84, 4.1), (0.79, 5.0), (0.88, 3.3)]
    for day, (person, (dice, hd)) in enumerate(zip(people, scores, strict=True)):
        for phase in (debug, final):
            e = succeed(
                submit(phase, person),
                {"aggregates": {"dice": dice, "hd": hd, "hd_std": hd / 10}},
            )
            Evaluation.objects.filter(pk=e.pk).update(created=e.created + timedelta(days=day))
    combined_services.combined_leaderboard_save(
        challenge=challenge, actor=user, fields={"title": "Overall"}, phases=[debug, final]
    )

    page = browser_as(people[0])
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/challenges/{challenge.slug}/phases/final/leaderboard/")
    assert page.locator("svg[role=img] circle").count() == 4
    assert _fits(page)
    _shot(page, "leaderboard-390")
    page.get_by_role("link", name="HD", exact=True).click()
    page.wait_for_url("**sort=m1**")
    first = page.locator("tbody tr").first.locator("td").nth(1).inner_text()
    assert first == "dan"  # lowest HD first
    page.set_viewport_size({"width": 1280, "height": 900})
    _shot(page, "leaderboard-wide")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/challenges/{challenge.slug}/teams/")
    assert page.get_by_label("Team name").is_visible()
    assert _fits(page)
    _shot(page, "teams-390")
    page.goto(f"{live_server.url}/challenges/{challenge.slug}/combined-leaderboards/overall/")
    assert page.locator("tbody tr").count() == 3  # the team counts once
    assert _fits(page)
    _shot(page, "combined-390")
    assert page.console_errors == []
