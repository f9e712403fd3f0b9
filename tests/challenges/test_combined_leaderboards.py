"""Combined leaderboards (GC's CombinedLeaderboard): per participant the best rank in each
public phase, those missing a phase left out, mean / median / sum of the phase ranks,
then competition ranks; set up by admins through the API or their admin pages, read by
the API and a page inside the challenge site."""

import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from challenges.models import Challenge, CombinedLeaderboard
from tests.archives.helpers import login, new_user
from tests.challenges.helpers import make_challenge, make_phase, participant, submit, succeed

pytestmark = pytest.mark.django_db
API = "/api/v1/challenges/lung-2026/combined-leaderboards/"


def _api(user=None) -> APIClient:  # type: ignore[no-untyped-def]
    c = APIClient()
    if user is not None:
        c.force_authenticate(user)
    return c


@pytest.fixture
def board_world(user):  # type: ignore[no-untyped-def]
    """Phase ranks: debug ann 1, bob 2, cat 3, dan 4 (dan has no final result);
    final bob 1, cat 2, ann 3, plus an older, worse result of ann (her best counts)."""
    challenge = make_challenge(user)
    debug, final = make_phase(challenge, title="Debug"), make_phase(challenge, title="Final")
    people = {n: participant(challenge, n) for n in ("ann", "bob", "cat", "dan")}
    for name, dice in (("ann", 0.9), ("bob", 0.8), ("cat", 0.7), ("dan", 0.1)):
        succeed(submit(debug, people[name]), {"dice": dice})
    for name, dice in (("ann", 0.1), ("ann", 0.5), ("bob", 0.9), ("cat", 0.6)):
        succeed(submit(final, people[name]), {"dice": dice})
    return {"challenge": challenge, "admin": user, **people}


def _results(user, slug: str = "overall") -> list[tuple]:  # type: ignore[no-untyped-def]
    r = _api(user).get(f"{API}{slug}/")
    assert r.status_code == 200, r.json()
    return [
        (row["rank"], row["user"], row["combined_rank"], row["phase_ranks"])
        for row in r.json()["results"]
    ]


def test_mean_median_and_sum_of_phase_ranks(board_world):  # type: ignore[no-untyped-def]
    admin, ann = board_world["admin"], board_world["ann"]
    r = _api(admin).post(
        API,
        {"title": "Overall", "phases": ["debug", "final"], "combination_method": "MEAN"},
        format="json",
    )
    assert r.status_code == 201, r.json()
    assert (r.json()["slug"], r.json()["phases"]) == ("overall", ["debug", "final"])
    # ann's final rank is her best there: 0.5 is #3 (her 0.1 is #4)
    assert _results(ann) == [
        (1, "bob", 1.5, {"debug": 2, "final": 1}),
        (2, "ann", 2.0, {"debug": 1, "final": 3}),
        (3, "cat", 2.5, {"debug": 3, "final": 2}),
    ]
    _api(admin).patch(f"{API}overall/", {"combination_method": "SUM"}, format="json")
    assert [(row[0], row[1], row[2]) for row in _results(ann)] == [
        (1, "bob", 3.0),
        (2, "ann", 4.0),
        (3, "cat", 5.0),
    ]
    _api(admin).patch(f"{API}overall/", {"combination_method": "MEDIAN"}, format="json")
    assert [row[2] for row in _results(ann)] == [1.5, 2.0, 2.5]
    # one phase only: dan is in every (one) phase now
    _api(admin).patch(f"{API}overall/", {"phases": ["debug"]}, format="json")
    assert [(row[0], row[1]) for row in _results(ann)] == [
        (1, "ann"),
        (2, "bob"),
        (3, "cat"),
        (4, "dan"),
    ]


def test_only_admins_set_one_up_and_bad_input_names_the_field(board_world):  # type: ignore[no-untyped-def]
    admin, ann = board_world["admin"], board_world["ann"]
    body = {"title": "Overall", "phases": ["debug", "final"]}
    assert _api(ann).post(API, body, format="json").status_code == 403
    assert _api().post(API, body, format="json").status_code in (401, 403, 404)
    r = _api(admin).post(API, {"title": "Overall", "phases": ["debug", "nope"]}, format="json")
    assert r.status_code == 400 and "No phase nope" in str(r.json()["phases"])
    r = _api(admin).post(API, {**body, "combination_method": "MAX"}, format="json")
    assert r.status_code == 400 and "combination_method" in r.json()
    assert _api(admin).post(API, {"title": "Overall"}, format="json").status_code == 400
    assert _api(admin).post(API, body, format="json").status_code == 201
    r = _api(admin).post(API, body, format="json")
    assert r.status_code == 400 and "slug" in r.json()
    assert [b["slug"] for b in _api(ann).get(API).json()["results"]] == ["overall"]


def test_the_page_and_who_sees_it(board_world):  # type: ignore[no-untyped-def]
    admin = board_world["admin"]
    _api(admin).post(API, {"title": "Overall", "phases": ["debug", "final"]}, format="json")
    page = Client()
    login(page, board_world["cat"])
    r = page.get("/challenges/lung-2026/combined-leaderboards/overall/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "<td>1</td><td>bob</td><td>1.5</td><td>2</td><td>1</td>" in html
    assert '<th scope="col">Final rank</th>' in html
    # a hidden challenge's board: not found for outsiders; public: everyone sees it
    outsider = Client()
    login(outsider, new_user(username="eve"))
    url = "/challenges/lung-2026/combined-leaderboards/overall/"
    assert outsider.get(url).status_code == 404
    assert _api(new_user()).get(f"{API}overall/").status_code == 404
    Challenge.objects.filter(pk=board_world["challenge"].pk).update(hidden=False)
    assert Client().get(url).status_code == 200
    assert [row[1] for row in _results(None)] == ["bob", "ann", "cat"]


ADMIN_PAGES = "/challenges/lung-2026/admin/combined-leaderboards/"


def _page(user=None) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    if user is not None:
        login(c, user)
    return c


def test_admins_create_change_and_delete_one_from_the_pages(board_world):  # type: ignore[no-untyped-def]
    admin, ann = board_world["admin"], board_world["ann"]
    debug, final = (board_world["challenge"].phases.get(slug=s) for s in ("debug", "final"))
    org = _page(admin)
    # linked from the admin tabs and from the phases and leaderboards tab
    listing = org.get(ADMIN_PAGES).content.decode()
    assert f'href="{ADMIN_PAGES}" aria-current="page">Combined leaderboards' in listing
    assert f'href="{ADMIN_PAGES}"' in org.get("/challenges/lung-2026/phases/").content.decode()
    # no phase chosen: the phases field says so and nothing is made
    r = org.post(f"{ADMIN_PAGES}create/", {"title": "Overall", "combination_method": "MEAN"})
    assert r.status_code == 200
    assert "phases: This field is required." in r.content.decode()
    assert not CombinedLeaderboard.objects.exists()
    body = {"title": "Overall", "phases": [debug.pk, final.pk], "combination_method": "SUM"}
    r = org.post(f"{ADMIN_PAGES}create/", body)
    assert (
        r.status_code == 302
        and r["Location"] == "/challenges/lung-2026/combined-leaderboards/overall/"
    )
    html = org.get(r["Location"]).content.decode()
    assert "<td>1</td><td>bob</td><td>3</td><td>2</td><td>1</td>" in html
    assert 'aria-current="page">Phases and leaderboards</a>' in html  # the site's tabs
    # the same slug again: the slug field names the clash
    r = org.post(f"{ADMIN_PAGES}create/", body)
    assert "slug: The challenge has a combined leaderboard &#x27;overall&#x27; already." in (
        r.content.decode()
    )
    assert CombinedLeaderboard.objects.count() == 1
    # the list shows it; the edit form starts from its values and changes them
    listed = org.get(ADMIN_PAGES).content.decode()
    assert "Overall" in listed and "Debug, Final" in listed and "Sum of the phase ranks" in listed
    edit = org.get(f"{ADMIN_PAGES}overall/").content.decode()
    assert re.search(r'value="SUM"[^>]*checked', edit)
    r = org.post(
        f"{ADMIN_PAGES}overall/",
        {
            "title": "Overall",
            "slug": "overall",
            "phases": [debug.pk],
            "combination_method": "MEDIAN",
        },
    )
    assert r.status_code == 302
    board = CombinedLeaderboard.objects.get()
    assert (board.combination_method, [p.slug for p in board.phases.all()]) == ("MEDIAN", ["debug"])
    # a participant sees it listed on the phases tab, with no way to set one up
    phases_tab = _page(ann).get("/challenges/lung-2026/phases/").content.decode()
    assert 'href="/challenges/lung-2026/combined-leaderboards/overall/">Overall' in phases_tab
    assert ADMIN_PAGES not in phases_tab
    r = org.post(f"{ADMIN_PAGES}overall/", {"action": "delete"})
    assert r.status_code == 302 and r["Location"] == ADMIN_PAGES
    assert not CombinedLeaderboard.objects.exists()
    assert board_world["challenge"].phases.count() == 2  # the phases stay


def test_the_api_deletes_one_for_admins_only(board_world):  # type: ignore[no-untyped-def]
    admin, ann = board_world["admin"], board_world["ann"]
    _api(admin).post(API, {"title": "Overall", "phases": ["debug"]}, format="json")
    assert _api(ann).delete(f"{API}overall/").status_code == 403
    assert _api(new_user()).delete(f"{API}overall/").status_code == 404
    assert CombinedLeaderboard.objects.count() == 1
    assert _api(admin).delete(f"{API}overall/").status_code == 204
    assert not CombinedLeaderboard.objects.exists()
