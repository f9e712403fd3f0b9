"""Teams: a participant is in at most one team per challenge; the owner invites or accepts
requests; members share the submission limit and the leaderboard ranks the team as one
participant, each submission counted for the team it was made for (later joins and leaves
move nothing); the API and the page do the same, for participants only."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from rest_framework.test import APIClient

from challenges import selectors, team_services
from challenges.models import Submission, Team, TeamInvitation, TeamMember
from tests.archives.helpers import login, new_user
from tests.challenges.helpers import fail, make_challenge, make_phase, participant, submit, succeed

pytestmark = pytest.mark.django_db
API = "/api/v1/challenges/lung-2026/"


def _api(user) -> APIClient:  # type: ignore[no-untyped-def]
    c = APIClient()
    c.force_authenticate(user)
    return c


def _team_world(user):  # type: ignore[no-untyped-def]
    challenge = make_challenge(user, use_teams=True)
    names = ("ann", "bob", "cat")
    return challenge, *(participant(challenge, n) for n in names)


def test_create_invite_request_accept_and_leave(user):  # type: ignore[no-untyped-def]
    challenge, ann, bob, cat = _team_world(user)
    team = team_services.team_create(challenge=challenge, owner=ann, name=" Lungs ")
    assert (team.name, team.owner) == ("Lungs", ann)

    invitation = team_services.team_invite(team=team, actor=ann, user=bob)
    with pytest.raises(PermissionDenied):  # only bob answers an invitation to bob
        team_services.team_invitation_accept(invitation=invitation, actor=cat)
    team_services.team_invitation_accept(invitation=invitation, actor=bob)
    request = team_services.team_join_request(team=team, user=cat)
    with pytest.raises(PermissionDenied):  # a request is the owner's to accept
        team_services.team_invitation_accept(invitation=request, actor=cat)
    team_services.team_invitation_accept(invitation=request, actor=ann)
    assert sorted(m.user.username for m in team.members.all()) == ["ann", "bob", "cat"]
    assert not TeamInvitation.objects.exists()

    # one team per challenge
    with pytest.raises(ValidationError, match="already in the team 'Lungs'"):
        team_services.team_create(challenge=challenge, owner=bob, name="Other")
    with pytest.raises(ValidationError, match="'Lungs'"):
        team_services.team_create(challenge=challenge, owner=participant(challenge), name="lungs")
    outsider = new_user(username="eve")
    with pytest.raises(ValidationError, match="eve does not take part"):
        team_services.team_invite(team=team, actor=ann, user=outsider)
    with pytest.raises(PermissionDenied):
        team_services.team_invite(team=team, actor=bob, user=participant(challenge, "dan"))

    # the owner leaves: the longest-standing member owns it; the last one out removes it
    team_services.team_leave(team=team, user=ann)
    team.refresh_from_db()
    assert team.owner == bob
    team_services.team_leave(team=team, user=bob)
    team_services.team_leave(team=team, user=cat)
    assert not Team.objects.exists() and not TeamMember.objects.exists()


def test_teams_are_refused_where_the_challenge_does_not_use_them(user):  # type: ignore[no-untyped-def]
    challenge = make_challenge(user)
    ann = participant(challenge, "ann")
    with pytest.raises(ValidationError, match="does not use teams"):
        team_services.team_create(challenge=challenge, owner=ann, name="Lungs")
    # no Teams tab for participants; admins have it, to turn teams on there
    tabs = {}
    for who in (ann, user):
        page = Client()
        login(page, who)
        tabs[who.username] = ">Teams</a>" in page.get("/challenges/lung-2026/").content.decode()
    assert tabs == {"ann": False, user.username: True}
    with pytest.raises(PermissionDenied):  # an admin's switch
        team_services.challenge_use_teams(challenge=challenge, actor=ann, on=True)
    team_services.challenge_use_teams(challenge=challenge, actor=user, on=True)
    assert team_services.team_create(challenge=challenge, owner=ann, name="Lungs").pk


def _team_of(challenge, owner, *members):  # type: ignore[no-untyped-def]
    team = team_services.team_create(challenge=challenge, owner=owner, name="Lungs")
    for m in members:
        team_services.team_invitation_accept(
            invitation=team_services.team_invite(team=team, actor=owner, user=m), actor=m
        )
    return team


def test_members_share_the_submission_limit(user):  # type: ignore[no-untyped-def]
    challenge, ann, bob, cat = _team_world(user)
    phase = make_phase(challenge, submissions_limit_per_user_per_period=2)
    _team_of(challenge, ann, bob)
    succeed(submit(phase, ann), {"dice": 0.5})
    fail(submit(phase, bob))  # a failed evaluation does not count, for a team either
    succeed(submit(phase, bob), {"dice": 0.6})
    with pytest.raises(ValidationError, match="You have used all 2 submissions"):
        submit(phase, ann)
    assert selectors.submission_limit(phase=phase, user=ann).remaining == 0
    # cat is on her own: her own two
    assert selectors.submission_limit(phase=phase, user=cat).remaining == 2


def test_the_leaderboard_ranks_a_team_as_one_participant(user):  # type: ignore[no-untyped-def]
    challenge, ann, bob, cat = _team_world(user)
    phase = make_phase(challenge, title="Final", result_display_choice="bst")
    team = _team_of(challenge, ann, bob)
    a = succeed(submit(phase, ann), {"dice": 0.8})
    b = succeed(submit(phase, bob), {"dice": 0.9})
    c = succeed(submit(phase, cat), {"dice": 0.85})
    for e in (a, b, c):
        e.refresh_from_db()
    ranks = {e.submission.creator.username: e.rank for e in (a, b, c)}  # type: ignore[union-attr]
    # the team's best (bob's 0.9) first, cat second, ann's weaker result of the team off
    assert ranks == {"bob": 1, "cat": 2, "ann": 0}
    _, rows = selectors.leaderboard_table(phase=phase, user=cat)
    assert [(r["rank"], r["user"], r["team"]) for r in rows] == [
        (1, "bob", "Lungs"),
        (2, "cat", None),
    ]
    page = Client()
    login(page, cat)
    html = page.get("/challenges/lung-2026/phases/final/leaderboard/").content.decode()
    assert ">Team</a></th>" in html and "<td>Lungs</td>" in html

    # bob leaves: his result stays the team's, as it was made for it
    team_services.team_leave(team=team, user=bob)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (b.rank, a.rank) == (1, 0)
    _, rows = selectors.leaderboard_table(phase=phase, user=cat)
    assert [(r["rank"], r["user"], r["team"]) for r in rows] == [
        (1, "bob", "Lungs"),
        (2, "cat", None),
    ]


def test_a_submission_stays_with_the_team_it_was_made_for(user):  # type: ignore[no-untyped-def]
    challenge, ann, bob, cat = _team_world(user)
    phase = make_phase(
        challenge, submissions_limit_per_user_per_period=2, result_display_choice="bst"
    )
    team = _team_of(challenge, ann, bob)
    succeed(submit(phase, ann), {"dice": 0.8})
    succeed(submit(phase, bob), {"dice": 0.6})
    succeed(submit(phase, cat), {"dice": 0.7})  # cat on her own, before joining
    # bob leaves and cat joins: the results stay where they were made
    team_services.team_leave(team=team, user=bob)
    team_services.team_invitation_accept(
        invitation=team_services.team_invite(team=team, actor=ann, user=cat), actor=cat
    )
    _, rows = selectors.leaderboard_table(phase=phase, user=ann)
    assert [(r["rank"], r["user"], r["team"]) for r in rows] == [
        (1, "ann", "Lungs"),
        (2, "cat", None),
    ]
    # the team's two submissions as recorded use up its limit, cat's included; bob's own
    # submission for the team still counts for him, so leaving gives no fresh allowance
    assert {
        u.username: selectors.submission_limit(phase=phase, user=u).remaining
        for u in (ann, bob, cat)
    } == {
        "ann": 0,
        "bob": 1,
        "cat": 0,
    }
    with pytest.raises(ValidationError, match="You have used all 2 submissions"):
        submit(phase, cat)
    # bob's new submission is his own, ranked apart from the team's; his list says which
    succeed(submit(phase, bob), {"dice": 0.9})
    listed = _api(bob).get(f"{API}phases/{phase.slug}/submissions/").json()["results"]
    assert [s["team"] for s in listed] == [None, "Lungs"]  # newest first
    _, rows = selectors.leaderboard_table(phase=phase, user=ann)
    assert [(r["rank"], r["user"], r["team"]) for r in rows] == [
        (1, "bob", None),
        (2, "ann", "Lungs"),
        (3, "cat", None),
    ]
    # the last member out dissolves the team: its results become their submitters' own
    team_services.team_leave(team=team, user=ann)
    team_services.team_leave(team=team, user=cat)
    _, rows = selectors.leaderboard_table(phase=phase, user=ann)
    assert [(r["rank"], r["user"], r["team"]) for r in rows] == [
        (1, "bob", None),
        (2, "ann", None),
        (3, "cat", None),
    ]


def test_members_see_their_teams_submissions_and_no_one_elses(user):  # type: ignore[no-untyped-def]
    challenge, ann, bob, cat = _team_world(user)
    phase = make_phase(challenge)
    team = _team_of(challenge, ann, bob)
    anns, bobs = submit(phase, ann), submit(phase, bob)
    cats = submit(phase, cat)
    fail(bobs, "The evaluation container exited with code 1: no cases")

    def listed(u) -> list[str]:  # type: ignore[no-untyped-def]
        rows = _api(u).get(f"{API}phases/{phase.slug}/submissions/").json()["results"]
        return sorted(s["creator"]["username"] for s in rows)

    assert {u.username: listed(u) for u in (ann, bob, cat)} == {
        "ann": ["ann", "bob"],
        "bob": ["ann", "bob"],
        "cat": ["cat"],
    }
    # the "My submissions" tab: the team's, with who made each and why one failed
    page = Client()
    login(page, ann)
    html = page.get("/challenges/lung-2026/submissions/").content.decode()
    assert "those of your team <strong>Lungs</strong>" in html
    assert "<td>bob</td>" in html and "exited with code 1: no cases" in html
    assert f"/submissions/{cats.pk}/" not in html
    # a teammate's submission opens under "My submissions"; another participant's is 404
    detail = page.get(f"/challenges/lung-2026/submissions/{bobs.pk}/")
    assert 'aria-current="page">My submissions</a>' in detail.content.decode()
    assert page.get(f"/challenges/lung-2026/submissions/{cats.pk}/").status_code == 404
    # bob leaves: the team's submissions stay the team's; he keeps only his own
    team_services.team_leave(team=team, user=bob)
    assert (listed(ann), listed(bob)) == (["ann", "bob"], ["bob"])
    other = Client()
    login(other, bob)
    assert other.get(f"/challenges/lung-2026/submissions/{anns.pk}/").status_code == 404


def test_the_migration_records_todays_team_on_earlier_submissions(user):  # type: ignore[no-untyped-def]
    challenge, ann, _bob, cat = _team_world(user)
    phase = make_phase(challenge)
    team = _team_of(challenge, ann)
    submissions = [submit(phase, u) for u in (ann, cat)]
    Submission.objects.update(team=None)  # as before the field existed
    migration = importlib.import_module(
        "challenges.migrations.0004_submission_team_recorded_when_made"
    )
    migration.backfill_from_current_membership(django_apps, None)
    assert [Submission.objects.get(pk=s.pk).team for s in submissions] == [team, None]


def test_the_team_api(user):  # type: ignore[no-untyped-def]
    _, ann, bob, cat = _team_world(user)
    r = _api(ann).post(f"{API}teams/", {"name": "Lungs"}, format="json")
    assert r.status_code == 201, r.json()
    team = r.json()
    assert (team["name"], team["owner"], team["members"]) == ("Lungs", "ann", ["ann"])
    r = _api(ann).post(f"{API}teams/{team['pk']}/invitations/", {"username": "bob"}, format="json")
    assert r.status_code == 201 and r.json()["kind"] == "invitation"
    r = _api(ann).post(f"{API}teams/{team['pk']}/invitations/", {"username": "zed"}, format="json")
    assert r.status_code == 400 and "zed" in str(r.json())
    [waiting] = _api(bob).get(f"{API}team-invitations/").json()["results"]
    assert _api(cat).post(f"{API}team-invitations/{waiting['pk']}/accept/").status_code == 404
    r = _api(bob).post(f"{API}team-invitations/{waiting['pk']}/accept/")
    assert r.status_code == 200 and r.json()["members"] == ["ann", "bob"]
    r = _api(cat).post(f"{API}teams/{team['pk']}/join/")
    assert r.status_code == 201 and r.json()["kind"] == "request"
    [request] = _api(ann).get(f"{API}team-invitations/").json()["results"]
    assert _api(ann).post(f"{API}team-invitations/{request['pk']}/decline/").status_code == 204
    r = _api(bob).post(f"{API}teams/", {"name": "Second"}, format="json")
    assert r.status_code == 400 and "already in the team 'Lungs'" in str(r.json())
    assert _api(bob).post(f"{API}teams/{team['pk']}/leave/").status_code == 204
    assert _api(ann).get(f"{API}teams/{team['pk']}/").json()["members"] == ["ann"]
    # who sees the teams: participants and admins; others nothing, a hidden challenge 404
    assert [t["name"] for t in _api(user).get(f"{API}teams/").json()["results"]] == ["Lungs"]
    assert _api(new_user()).get(f"{API}teams/").status_code == 404
    assert APIClient().get(f"{API}teams/").status_code in (401, 403)


def test_the_teams_page(user):  # type: ignore[no-untyped-def]
    _, ann, bob, _ = _team_world(user)
    page = Client()
    login(page, ann)
    html = page.get("/challenges/lung-2026/teams/").content.decode()
    assert "You are not in a team." in html and 'for="team-name"' in html
    # a tab of the challenge site, reached from its other tabs
    assert 'aria-current="page">Teams</a>' in html
    assert ">Teams</a>" in page.get("/challenges/lung-2026/").content.decode()
    r = page.post("/challenges/lung-2026/teams/create/", {"name": "Lungs"}, follow=True)
    assert "The team &#x27;Lungs&#x27; is made" in r.content.decode()
    team = Team.objects.get()
    r = page.post(
        f"/challenges/lung-2026/teams/{team.pk}/invite/", {"username": "bob"}, follow=True
    )
    assert "bob is invited" in r.content.decode()
    other = Client()
    login(other, bob)
    html = other.get("/challenges/lung-2026/teams/").content.decode()
    assert "The team <strong>Lungs</strong> invites you." in html
    invitation = TeamInvitation.objects.get()
    r = other.post(f"/challenges/lung-2026/team-invitations/{invitation.pk}/accept/", follow=True)
    assert "You are in <strong>Lungs</strong>" in r.content.decode()
    # bob cannot create a second team: the message says why, nothing is made
    r = other.post("/challenges/lung-2026/teams/create/", {"name": "Two"}, follow=True)
    assert "already in the team &#x27;Lungs&#x27;" in r.content.decode()
    assert Team.objects.count() == 1
    # outsiders: hidden challenge -> 404; anonymous -> sign in
    outsider = Client()
    login(outsider, new_user(username="eve"))
    assert outsider.get("/challenges/lung-2026/teams/").status_code == 404
    assert Client().get("/challenges/lung-2026/teams/").status_code == 302
