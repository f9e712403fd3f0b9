"""The leaderboard page shows what the leaderboard API shows, to whom it shows it."""

import re

import pytest
from django.test import Client

from tests.archives.helpers import login, new_user
from tests.challenges.helpers import make_challenge, make_phase, participant, submit, succeed

pytestmark = pytest.mark.django_db

HD = [{"title": "HD", "path": "aggregates.hd", "order": "asc", "error_path": "aggregates.hd_std"}]


def _cells(html: str) -> list[list[str]]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_the_leaderboard_page_ranks_rows_like_the_api(user):
    challenge = make_challenge(user)
    phase = make_phase(
        challenge, score_jsonpath="aggregates.dice", score_title="Dice", extra_results_columns=HD
    )
    ann, bob = participant(challenge, "ann"), participant(challenge, "bob")
    succeed(submit(phase, ann), {"aggregates": {"dice": 0.8, "hd": 5, "hd_std": 0.5}})
    succeed(submit(phase, bob), {"aggregates": {"dice": 0.9, "hd": 3}})
    page = Client()
    login(page, ann)
    r = page.get(f"/challenges/{challenge.slug}/phases/{phase.slug}/leaderboard/")
    assert r.status_code == 200
    html = r.content.decode()
    assert '<th scope="col">Dice</th><th scope="col">HD</th>' in html
    assert [[row[0], row[1], *row[3:]] for row in _cells(html)] == [
        ["1", "bob", "0.9000", "3.0000"],
        ["2", "ann", "0.8000", "5.0000 ± 0.5000"],
    ]


def test_a_hidden_challenges_leaderboard_is_not_found_for_others(user):
    challenge = make_challenge(user)  # hidden by default
    phase = make_phase(challenge)
    url = f"/challenges/{challenge.slug}/phases/{phase.slug}/leaderboard/"
    assert Client().get(url).status_code == 404
    outsider = Client()
    login(outsider, new_user(username="eve"))
    assert outsider.get(url).status_code == 404
