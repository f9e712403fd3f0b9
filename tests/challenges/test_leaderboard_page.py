"""The leaderboard page shows what the leaderboard API shows, to whom it shows it; its
columns sort, its plot has a dot per result, its CSV has the columns shown."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.test import Client

from challenges.models import Evaluation
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
    assert '<a href="?sort=m0&amp;order=asc">Dice</a></th>' in html
    assert '<a href="?sort=m1&amp;order=asc">HD</a></th>' in html
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


def _board(user):  # type: ignore[no-untyped-def]
    """ann 0.8 (hd 5), bob 0.9 (hd 3), cat 0.85 (no hd: ranked on the score only when
    hd is excluded from ranking); created a day apart."""
    challenge = make_challenge(user)
    columns = [{**HD[0], "exclude_from_ranking": True}]
    phase = make_phase(
        challenge,
        score_jsonpath="aggregates.dice",
        score_title="Dice",
        extra_results_columns=columns,
    )
    people = [participant(challenge, n) for n in ("ann", "bob", "cat")]
    metrics = [
        {"aggregates": {"dice": 0.8, "hd": 5}},
        {"aggregates": {"dice": 0.9, "hd": 3}},
        {"aggregates": {"dice": 0.85}},
    ]
    for days, (person, m) in enumerate(zip(people, metrics, strict=True)):
        e = succeed(submit(phase, person), m)
        Evaluation.objects.filter(pk=e.pk).update(created=e.created + timedelta(days=days))
    page = Client()
    login(page, people[0])
    return page, f"/challenges/{challenge.slug}/phases/{phase.slug}/leaderboard/"


def test_columns_sort_both_ways_with_empty_cells_last(user):  # type: ignore[no-untyped-def]
    page, url = _board(user)
    users = lambda params: [row[1] for row in _cells(page.get(url, params).content.decode())]  # noqa: E731
    assert users({}) == ["bob", "cat", "ann"]  # by rank
    assert users({"sort": "m1", "order": "asc"}) == ["bob", "ann", "cat"]  # HD; cat has none
    assert users({"sort": "m1", "order": "desc"}) == ["ann", "bob", "cat"]
    assert users({"sort": "user", "order": "desc"}) == ["cat", "bob", "ann"]
    assert users({"sort": "created", "order": "asc"}) == ["ann", "bob", "cat"]
    assert users({"sort": "nonsense"}) == ["bob", "cat", "ann"]
    html = page.get(url, {"sort": "m0", "order": "desc"}).content.decode()
    # the sorted column says so, and its link turns the order round
    assert '<th scope="col" aria-sort="descending"><a href="?sort=m0&amp;order=asc">Dice' in html


def test_the_plot_has_a_dot_per_result_and_the_best_so_far(user):  # type: ignore[no-untyped-def]
    page, url = _board(user)
    html = page.get(url).content.decode()
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    dots = re.findall(r"<circle [^>]*><title>(.*?)</title>", svg)
    assert [d.split(",")[0] for d in dots] == ["#3 ann", "#1 bob", "#2 cat"]  # by time
    assert [d.rsplit(": ", 1)[1] for d in dots] == ["0.8", "0.9", "0.85"]
    # the best-so-far line steps up once (ann's 0.8, then bob's 0.9) and stays
    path = re.search(r'<path d="([^"]+)" class="best"', svg).group(1)  # type: ignore[union-attr]
    assert path.count("V") == 1
    assert 'role="img"' in svg and "<desc" in svg


def test_the_csv_has_the_columns_and_decimals_shown(user):  # type: ignore[no-untyped-def]
    page, url = _board(user)
    r = page.get(url, {"format": "csv"})
    assert r["Content-Type"] == "text/csv"
    assert r["Content-Disposition"] == 'attachment; filename="final-leaderboard.csv"'
    rows = list(csv.reader(io.StringIO(r.content.decode())))
    assert rows[0] == ["#", "User", "Created", "Dice", "HD"]
    assert [[row[0], row[1], *row[3:]] for row in rows[1:]] == [
        ["1", "bob", "0.9000", "3.0000"],
        ["2", "cat", "0.8500", ""],
        ["3", "ann", "0.8000", "5.0000"],
    ]
    html_rows = _cells(page.get(url).content.decode())
    assert [row[2] for row in html_rows] == [row[2] for row in rows[1:]]  # same Created text


def test_the_leaderboard_pages_sit_in_the_challenge_site_with_their_tab_current(user):
    challenge = make_challenge(user, hidden=False)
    phase = make_phase(challenge, title="Debug")
    ann = participant(challenge, "ann")
    succeed(submit(phase, ann), {"dice": 0.5})
    page = Client()
    login(page, ann)
    tab = (
        f'<a href="/challenges/{challenge.slug}/phases/" aria-current="page">'
        "Phases and leaderboards</a>"
    )
    html = page.get(f"/challenges/{challenge.slug}/phases/{phase.slug}/leaderboard/").content
    assert tab in html.decode()
    assert "<h2>Leaderboard: Debug</h2>" in html.decode()
    assert f'href="/challenges/{challenge.slug}/submissions/">My submissions' in html.decode()
    # the JSON export is the API's leaderboard, linked from the page
    api = f"/api/v1/challenges/{challenge.slug}/phases/{phase.slug}/leaderboard/?format=json"
    assert f'href="{api}"' in html.decode()
    assert [r["user"] for r in page.get(api).json()["results"]] == ["ann"]
    # a visitor signed out sees the same tabs, without "My submissions"
    anonymous = Client().get(f"/challenges/{challenge.slug}/phases/{phase.slug}/leaderboard/")
    assert tab in anonymous.content.decode()
    assert "My submissions" not in anonymous.content.decode()
