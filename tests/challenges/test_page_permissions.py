"""Who reaches which page of a hidden challenge's site: anonymous, a signed-in
non-participant, a participant, another participant and an admin. Hidden challenges are
404 to outsiders, admin pages 404 to everyone but admins, a submission only to its
submitter and the admins; signed-out visitors of pages that need an account are sent to
sign in."""

import pytest
from django.test import Client

from challenges import combined_services
from challenges.models import CombinedLeaderboard
from tests.archives.helpers import login, new_user
from tests.challenges.helpers import make_challenge, make_phase, participant, submit, succeed

pytestmark = pytest.mark.django_db

ACTORS = ("anon", "eve", "ann", "bob", "org")


@pytest.fixture
def world(user):  # type: ignore[no-untyped-def]
    challenge = make_challenge(user)  # hidden
    phase = make_phase(challenge, title="Debug")
    ann, bob = participant(challenge, "ann"), participant(challenge, "bob")
    anns = submit(phase, ann)
    succeed(anns, {"dice": 0.5})
    combined_services.combined_leaderboard_save(
        challenge=challenge, actor=user, fields={"title": "Overall"}, phases=[phase]
    )
    return {
        "anon": None,
        "eve": new_user(username="eve"),
        "ann": ann,
        "bob": bob,
        "org": user,
        "anns_submission": anns,
    }


def statuses(world, path: str, method: str = "get", data=None, actors=ACTORS) -> dict[str, int]:  # type: ignore[no-untyped-def]
    out = {}
    for actor in actors:
        c = Client()
        if world[actor] is not None:
            login(c, world[actor])
        out[actor] = getattr(c, method)(path, data or {}).status_code
    return out


SITE = {"anon": 404, "eve": 404, "ann": 200, "bob": 200, "org": 200}
SIGNED_IN_SITE = {"anon": 302, "eve": 404, "ann": 200, "bob": 200, "org": 200}
ADMIN = {"anon": 302, "eve": 404, "ann": 404, "bob": 404, "org": 200}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("", SITE),
        ("phases/", SITE),
        ("phases/debug/leaderboard/", SITE),
        ("phases/debug/leaderboard/?format=csv", SITE),
        ("combined-leaderboards/overall/", SITE),
        ("submissions/", SIGNED_IN_SITE),
        ("phases/debug/submit/", SIGNED_IN_SITE),
        ("teams/", SIGNED_IN_SITE),
        ("admin/", ADMIN),
        ("admin/combined-leaderboards/", ADMIN),
        ("admin/combined-leaderboards/create/", ADMIN),
        ("admin/combined-leaderboards/overall/", ADMIN),
        ("admin/evaluations/", ADMIN),
        ("admin/participants/", ADMIN),
        ("phases/debug/settings/", ADMIN),
    ],
)
def test_pages_of_a_hidden_challenge(world, path, expected):  # type: ignore[no-untyped-def]
    assert statuses(world, f"/challenges/lung-2026/{path}") == expected


def test_a_submission_page_is_its_submitters_and_the_admins(world):  # type: ignore[no-untyped-def]
    path = f"/challenges/lung-2026/submissions/{world['anns_submission'].pk}/"
    assert statuses(world, path) == {"anon": 302, "eve": 404, "ann": 200, "bob": 404, "org": 200}


def test_only_admins_change_or_delete_a_combined_leaderboard(world):  # type: ignore[no-untyped-def]
    path = "/challenges/lung-2026/admin/combined-leaderboards/overall/"
    posted = statuses(world, path, "post", {"action": "delete"}, actors=ACTORS[:-1])
    assert posted == {"anon": 302, "eve": 404, "ann": 404, "bob": 404}
    assert CombinedLeaderboard.objects.count() == 1
    create = statuses(
        world,
        "/challenges/lung-2026/admin/combined-leaderboards/create/",
        "post",
        {"title": "Other", "combination_method": "MEAN"},
    )
    assert create == {"anon": 302, "eve": 404, "ann": 404, "bob": 404, "org": 200}
    assert CombinedLeaderboard.objects.count() == 1  # org's lacked phases: field error, 200
    assert statuses(world, path, "post", {"action": "delete"}, actors=["org"]) == {"org": 302}
    assert not CombinedLeaderboard.objects.exists()
