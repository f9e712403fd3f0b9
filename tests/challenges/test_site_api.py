"""An organiser sets up a challenge's site and roles by script (settings, registration
questions, pages, admins and external evaluators) and a user joins answering the
questions it reads from the API, let in as the challenge's handling says; the status
follows the phases; each bad value is named. Who may do what is in the
permission matrix of test_api.py."""

import io
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from challenges.models import Challenge, ChallengePage, Evaluation
from tests.archives.helpers import login, new_user
from tests.challenges.helpers import (
    client,
    make_challenge,
    make_phase,
    participant,
    submit,
    succeed,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/challenges/lung-2026/"


def _png() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "teal").save(out, "PNG")
    return SimpleUploadedFile("logo.png", out.getvalue(), content_type="image/png")


def test_settings_are_changed_by_script(user):  # type: ignore[no-untyped-def]
    make_challenge(user)
    org = client(user)
    r = org.patch(
        API,
        {
            "title": "Lung nodules 2026",
            "public": True,
            "access_request_handling": "ACCEPT_ALL",
            "use_teams": True,
        },
        format="json",
    )
    assert r.status_code == 200, r.json()
    body = r.json()
    assert (body["title"], body["public"], body["access_request_handling"], body["use_teams"]) == (
        "Lung nodules 2026",
        True,
        "ACCEPT_ALL",
        True,
    )
    # now public: anyone reads it
    assert client().get(API).json()["title"] == "Lung nodules 2026"
    r = org.patch(API, {"logo": _png()}, format="multipart")
    assert r.status_code == 200, r.json()
    assert r.json()["logo"].endswith(".png")
    assert Challenge.objects.get().logo
    # bad values are named; the slug stays (URLs and scripts use it)
    r = org.patch(
        API,
        {"access_request_handling": "EVERYONE", "slug": "other", "contact_email": "nope"},
        format="json",
    )
    assert r.status_code == 400
    assert set(r.json()) == {"access_request_handling", "slug", "contact_email"}
    assert r.json()["slug"] == ["Unknown field."]
    assert Challenge.objects.get().slug == "lung-2026"


def test_a_user_joins_answering_the_questions_the_api_lists(user):  # type: ignore[no-untyped-def]
    make_challenge(user, hidden=False, access_request_handling="ACCEPT_ALL")
    org = client(user)
    r = org.post(
        f"{API}registration-questions/",
        {
            "question_text": "Your institute",
            "question_help_text": "As on your papers.",
            "schema": {"type": "string", "minLength": 2},
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    r = org.post(
        f"{API}registration-questions/",
        {"question_text": "Years of experience", "required": False, "schema": {"type": "pony"}},
        format="json",
    )
    assert r.status_code == 400
    assert r.json()["schema"][0].startswith("Not a valid JSON schema: 'pony' is not valid")
    bob = client(new_user(username="bob"))
    [question] = bob.get(f"{API}registration-questions/").json()["results"]
    assert {k: question[k] for k in ("question_text", "required", "schema")} == {
        "question_text": "Your institute",
        "required": True,
        "schema": {"type": "string", "minLength": 2},
    }
    answers = {"answers": {str(question["pk"]): "Radboudumc"}}
    r = bob.post(f"{API}registration-requests/", answers, format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["answers"][0]["answer"] == "Radboudumc"
    assert bob.delete(f"{API}registration-questions/{question['pk']}/").status_code == 403
    assert org.delete(f"{API}registration-questions/{question['pk']}/").status_code == 204
    assert org.get(f"{API}registration-questions/").json()["count"] == 0


def test_pages_are_written_ordered_and_read_by_permission_level(user):  # type: ignore[no-untyped-def]
    challenge = make_challenge(user, hidden=False)
    ann = participant(challenge, "ann")
    org = client(user)
    for title, level in (("Rules", "REG"), ("Data", "ALL"), ("Notes", "ADM")):
        r = org.post(
            f"{API}pages/",
            {
                "display_title": title,
                "permission_level": level,
                "content_markdown": f"# {title}\n<script>alert(1)</script>",
            },
            format="json",
        )
        assert r.status_code == 201, r.json()
    rules = org.get(f"{API}pages/rules/").json()
    assert (rules["order"], rules["url"]) == (
        1,
        "http://testserver/challenges/lung-2026/pages/rules/",
    )
    # the Markdown as the page shows it, sanitised
    assert "<h1>Rules</h1>" in rules["content_html"] and "<script" not in rules["content_html"]
    # Data first: the others follow, renumbered
    r = org.patch(f"{API}pages/data/", {"order": 1, "display_title": "The data"}, format="json")
    assert r.status_code == 200, r.json()

    def titles(c: APIClient) -> list[str]:
        return [p["display_title"] for p in c.get(f"{API}pages/").json()["results"]]

    assert titles(org) == ["The data", "Rules", "Notes"]
    assert titles(client(ann)) == ["The data", "Rules"]
    assert titles(client()) == ["The data"]
    assert client().get(f"{API}pages/rules/").status_code == 404
    # the site shows the same order in its tabs
    page = Client()
    login(page, ann)
    html = page.get("/challenges/lung-2026/").content.decode()
    assert html.index(">The data</a>") < html.index(">Rules</a>")
    r = org.post(f"{API}pages/", {"display_title": "Rules", "permission_level": "X"}, format="json")
    assert r.status_code == 400 and set(r.json()) == {"permission_level"}
    r = org.post(f"{API}pages/", {"display_title": "Rules"}, format="json")
    assert r.json() == {"slug": ["The challenge already has a page with slug 'rules'."]}
    assert org.delete(f"{API}pages/notes/").status_code == 204
    assert list(ChallengePage.objects.values_list("slug", flat=True)) == ["data", "rules"]


def test_admins_and_external_evaluators_are_managed_by_script(user):  # type: ignore[no-untyped-def]
    challenge = make_challenge(user)
    ann = participant(challenge, "ann")
    phase = make_phase(challenge)
    new_user(username="eve")
    new_user(username="zoe")
    org = client(user)
    path = f"{API}members/"
    r = org.post(path, {"role": "external_evaluators", "username": "eve"}, format="json")
    assert r.status_code == 200, r.json()
    r = org.post(path, {"role": "admins", "username": "zoe"}, format="json")
    assert r.json() == {
        "admins": [user.username, "zoe"] if user.username < "zoe" else ["zoe", user.username],
        "participants": ["ann"],
        "external_evaluators": ["eve"],
    }
    # zoe administers it now: she sees the hidden challenge and its members
    zoe = client(challenge.admins_group.user_set.get(username="zoe"))  # type: ignore[union-attr]
    assert zoe.get(path).json()["external_evaluators"] == ["eve"]
    # each bad value named, nothing changed
    r = org.post(path, {"role": "participants", "username": "eve"}, format="json")
    assert r.status_code == 400
    assert r.json()["role"][0].startswith("Participants join by a registration request")
    r = org.post(path, {"role": "admins", "username": "nobody"}, format="json")
    assert r.json() == {"username": ["There is no user 'nobody'."]}
    # removing: an evaluator, a participant (their results stay), never the last admin
    succeed(submit(phase, ann), {"dice": 0.5})
    r = org.delete(f"{path}?role=external_evaluators&username=eve")
    assert r.json()["external_evaluators"] == []
    assert org.delete(f"{path}?role=participants&username=ann").json()["participants"] == []
    assert Evaluation.objects.get().rank == 1
    assert zoe.delete(f"{path}?role=admins&username={user.username}").status_code == 200
    r = zoe.delete(f"{path}?role=admins&username=zoe")
    assert r.status_code == 400
    assert r.json() == {"username": ["A challenge keeps at least one admin."]}


def test_the_status_follows_the_visible_phases(user):  # type: ignore[no-untyped-def]
    challenge = make_challenge(user, hidden=False)
    now = timezone.now()

    def status() -> str:
        return client().get(API).json()["status"]  # type: ignore[no-any-return]

    assert status() == "Closed"  # no phase yet
    make_phase(
        challenge,
        title="Past",
        submissions_open_at=now - timedelta(days=9),
        submissions_close_at=now - timedelta(days=1),
    )
    assert status() == "Completed"
    make_phase(challenge, title="Next", submissions_open_at=now + timedelta(days=1))
    assert status() == "Opening soon"
    make_phase(challenge, title="Secret", public=False)  # hidden phases are never open
    assert status() == "Opening soon"
    make_phase(challenge, title="Now")
    assert status() == "Open"
    page = Client().get("/challenges/").content.decode()
    assert ">Open</span>" in page


def test_verified_users_are_let_in_at_once_and_others_wait(user):  # type: ignore[no-untyped-def]
    make_challenge(user, hidden=False, access_request_handling="ACCEPT_VERIFIED_USERS")
    vera, ulf = new_user(username="vera"), new_user(username="ulf")
    EmailAddress.objects.create(user=vera, email=vera.email, verified=True, primary=True)
    path = f"{API}registration-requests/"
    assert client(vera).post(path, {}, format="json").json()["status"] == "ACPT"
    ulfs = client(ulf).post(path, {}, format="json").json()
    assert ulfs["status"] == "PEND"
    members = client(user).get(f"{API}members/").json()
    assert members["participants"] == ["vera"]
    waiting = client(user).get(path, {"status": "PEND"}).json()["results"]
    assert [r["user"] for r in waiting] == ["ulf"]
    r = client(user).get(path, {"status": "waiting"})
    assert r.json() == {"status": ["'waiting' is not one of ['PEND', 'ACPT', 'RJCT']."]}
    r = client(user).patch(f"{path}{ulfs['pk']}/", {"status": "ACPT"}, format="json")
    assert r.json()["status"] == "ACPT"
    assert client(user).get(f"{API}members/").json()["participants"] == ["ulf", "vera"]
    # rejected after all: out again (as in GC)
    r = client(user).patch(f"{path}{ulfs['pk']}/", {"status": "RJCT"}, format="json")
    assert r.json()["status"] == "RJCT"
    assert client(user).get(f"{API}members/").json()["participants"] == ["vera"]
