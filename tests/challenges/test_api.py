"""The challenges API in GC's shape, driven as a script would, and who may do what."""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from challenges import services
from challenges.models import Challenge, Evaluation, Phase, RegistrationRequest, Submission
from tests.archives.helpers import new_user
from tests.cases.helpers import completed_upload
from tests.challenges.helpers import client, with_valid_method

pytestmark = pytest.mark.django_db

API = "/api/v1/"


def upload_url(user, text: str, filename: str = "predictions.csv") -> str:  # type: ignore[no-untyped-def]
    upload = completed_upload(user=user, filename=filename, data=text.encode())
    return "http://testserver" + reverse("api:upload-detail", kwargs={"pk": upload.pk})


def organiser() -> Any:
    user = new_user(username="org")
    Group.objects.get(name="challenge creators").user_set.add(user)
    return user


def set_up_challenge(org) -> tuple[Challenge, Phase, Phase]:  # type: ignore[no-untyped-def]
    c = client(org)
    r = c.post(
        f"{API}challenges/",
        {
            "title": "Lung 2026",
            "slug": "lung-2026",
            "description": "Find nodules.",
            "access_request_handling": "ACCEPT_ALL",
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    base = f"{API}challenges/lung-2026/phases/"
    r = c.post(
        base,
        {
            "title": "Debug",
            "submission_kind": "Predictions",
            "score_jsonpath": "aggregates.dice",
            "score_default_sort": "desc",
            "extra_results_columns": [{"title": "HD", "path": "aggregates.hd", "order": "asc"}],
            "scoring_method_choice": "avg",
            "result_display_choice": "all",
            "submission_limit_period": None,
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    assert r.json()["slug"] == "debug"
    r = c.post(
        base,
        {
            "title": "Final",
            "submission_kind": "Predictions",
            "score_jsonpath": "aggregates.dice",
            "parent": "debug",
            "scoring_method_choice": "abs",
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    debug, final = Phase.objects.get(slug="debug"), Phase.objects.get(slug="final")
    assert final.parent == debug
    for phase in (debug, final):
        with_valid_method(phase)  # validation with real images: test_method_and_ground_truth
        r = c.patch(
            f"{base}{phase.slug}/", {"submissions_limit_per_user_per_period": 3}, format="json"
        )
        assert r.status_code == 200, r.json()
        assert r.json()["open_for_submissions"] is True
    return Challenge.objects.get(), Phase.objects.get(slug="debug"), Phase.objects.get(slug="final")


def join(challenge_slug: str, user) -> None:  # type: ignore[no-untyped-def]
    r = client(user).post(
        f"{API}challenges/{challenge_slug}/registration-requests/", {}, format="json"
    )
    assert r.status_code == 201, r.json()
    assert r.json()["status"] == "ACPT"


def submit(phase: Phase, user, text: str = "case,x\n1,2\n") -> dict:  # type: ignore[no-untyped-def]
    r = client(user).post(
        f"{API}challenges/{phase.challenge.slug}/phases/{phase.slug}/submissions/",
        {"user_upload": upload_url(user, text)},
        format="json",
    )
    assert r.status_code == 201, r.json()
    return r.json()  # type: ignore[no-any-return]


def evaluate(submission: dict, metrics: Any) -> None:
    """What the evaluation runner does once the container has written metrics.json."""
    evaluation = Evaluation.objects.get(submission_id=submission["pk"])
    services.evaluation_succeed(evaluation=evaluation, metrics_json=json.dumps(metrics).encode())


def test_a_challenge_set_up_and_ranked_through_the_api():
    org = organiser()
    _, debug, final = set_up_challenge(org)
    ann, bob, cat = (new_user(username=n) for n in ("ann", "bob", "cat"))
    for user in (ann, bob, cat):
        join("lung-2026", user)
    # the final phase wants a success in debug first
    r = client(ann).post(
        f"{API}challenges/lung-2026/phases/final/submissions/",
        {"user_upload": upload_url(ann, "a,b\n")},
        format="json",
    )
    assert r.status_code == 400
    assert r.json() == {
        "non_field_errors": [
            "First you must be evaluated successfully in the phase 'Debug' "
            "before submitting to 'Final'."
        ]
    }
    # a tie on dice, a missing metric
    evaluate(submit(debug, ann), {"aggregates": {"dice": 0.9, "hd": 5}})
    evaluate(submit(debug, bob), {"aggregates": {"dice": 0.9, "hd": 3}})
    evaluate(submit(debug, cat), {"aggregates": {"dice": 0.8, "hd": 4}})
    evaluate(submit(debug, cat), {"aggregates": {"dice": 0.99}})
    r = client(ann).get(f"{API}evaluations/", {"submission__phase": str(debug.pk)})
    assert r.status_code == 200
    rows = sorted(
        (
            e["rank"],
            e["submission"]["creator"]["username"],
            e["rank_score"],
            e["rank_per_metric"],
            e["status"],
        )
        for e in r.json()["results"]
    )
    assert rows == [
        (0, "cat", 0.0, {}, "Succeeded"),
        (1, "bob", 1.0, {"aggregates.dice": 1, "aggregates.hd": 1}, "Succeeded"),
        (2, "ann", 2.0, {"aggregates.dice": 1, "aggregates.hd": 3}, "Succeeded"),
        (3, "cat", 2.5, {"aggregates.dice": 3, "aggregates.hd": 2}, "Succeeded"),
    ]
    first = r.json()["results"][0]
    assert first["title"] == f"#{first['rank']} {first['submission']['creator']['username']}"
    assert first["submission"]["phase"] == {
        "challenge": {"title": "Lung 2026", "short_name": "lung-2026"},
        "title": "Debug",
        "slug": "debug",
    }
    assert first["outputs"][0]["interface"]["slug"] == "metrics-json-file"
    assert first["outputs"][0]["value"] == first["metrics"]
    # median and best-per-user, switched by the organiser
    r = client(org).patch(
        f"{API}challenges/lung-2026/phases/debug/",
        {"scoring_method_choice": "med", "result_display_choice": "bst"},
        format="json",
    )
    assert r.status_code == 200, r.json()
    ranks = {
        (e.submission.creator.username, e.metrics["aggregates"].get("hd")): (e.rank, e.rank_score)  # type: ignore[union-attr,index]
        for e in Evaluation.objects.filter(submission__phase=debug)
    }
    assert ranks == {
        ("ann", 5): (2, 2.0),
        ("bob", 3): (1, 1.0),
        ("cat", 4): (3, 2.5),
        ("cat", None): (0, 0.0),
    }
    # the final phase, now allowed; absolute ranking on dice
    evaluate(submit(final, ann), {"aggregates": {"dice": 0.7}})
    evaluate(submit(final, bob), {"aggregates": {"dice": 0.75}})
    r = client(org).get(f"{API}evaluations/", {"submission__phase": str(final.pk)})
    assert [
        (e["submission"]["creator"]["username"], e["rank"], e["rank_score"])
        for e in r.json()["results"]
    ] == [
        ("bob", 1, 1.0),
        ("ann", 2, 2.0),
    ]
    # the phase tells each participant what is left
    r = client(ann).get(f"{API}challenges/lung-2026/phases/final/")
    assert (r.json()["remaining_submissions"], r.json()["next_submission_at"]) == (
        2,
        r.json()["next_submission_at"],
    )
    r = client(cat).get(f"{API}challenges/lung-2026/phases/debug/")
    assert r.json()["remaining_submissions"] == 1
    # the challenge in GC's shape
    r = client().get(f"{API}challenges/")
    assert r.json()["count"] == 0  # hidden by default
    r = client(ann).get(f"{API}challenges/lung-2026/")
    body = r.json()
    assert {
        k: body[k] for k in ("slug", "title", "public", "status", "submission_types", "end_date")
    } == {
        "slug": "lung-2026",
        "title": "Lung 2026",
        "public": False,
        "status": "Open",
        "submission_types": ["Predictions"],
        "end_date": None,
    }


def test_bad_set_up_values_are_named():
    org = organiser()
    set_up_challenge(org)
    r = client(org).post(
        f"{API}challenges/lung-2026/phases/",
        {"title": "X", "submission_kind": "ZIP", "score_default_sort": "up", "colour": "red"},
        format="json",
    )
    assert r.status_code == 400
    assert r.json() == {
        "submission_kind": ['"ZIP" is not a valid choice.'],
        "score_default_sort": ['"up" is not a valid choice.'],
        "colour": ["Unknown field."],
    }
    r = client(org).post(f"{API}challenges/", {"slug": "Bad_Slug", "title": "x"}, format="json")
    assert r.status_code == 400
    assert r.json() == {
        "slug": ["Use lower-case letters, digits and single hyphens (no underscores)."]
    }
    r = client(org).post(f"{API}challenges/", {"slug": "lung-2026"}, format="json")
    assert r.json() == {"slug": ["Challenge with this Slug already exists."]}
    assert Challenge.objects.count() == 1


def test_display_all_metrics_off_shows_only_ranking_metrics_to_non_admins():
    org = organiser()
    challenge, debug, _ = set_up_challenge(org)
    services.phase_save(
        challenge=challenge, actor=org, phase=debug, fields={"display_all_metrics": False}
    )
    ann = new_user(username="ann")
    join("lung-2026", ann)
    evaluate(
        submit(debug, ann), {"aggregates": {"dice": 0.9, "hd": 5, "secret": 1}, "cases": [1, 2]}
    )
    ann_view = client(ann).get(f"{API}evaluations/", {"submission__phase": str(debug.pk)}).json()
    org_view = client(org).get(f"{API}evaluations/", {"submission__phase": str(debug.pk)}).json()
    assert ann_view["results"][0]["metrics"] == {"aggregates": {"dice": 0.9, "hd": 5}}
    assert ann_view["results"][0]["outputs"][0]["value"] == {"aggregates": {"dice": 0.9, "hd": 5}}
    assert org_view["results"][0]["metrics"] == {
        "aggregates": {"dice": 0.9, "hd": 5, "secret": 1},
        "cases": [1, 2],
    }


# --- permission matrix -------------------------------------------------------------------


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    org = organiser()
    challenge, debug, _ = set_up_challenge(org)
    hidden = services.phase_save(
        challenge=challenge, actor=org, fields={"title": "Secret", "public": False}
    )
    ann, bob = new_user(username="ann"), new_user(username="bob")
    join("lung-2026", ann)
    join("lung-2026", bob)
    outsider = new_user(username="eve")
    evaluate(submit(debug, ann), {"aggregates": {"dice": 0.9, "hd": 1}})
    bob_submission = submit(debug, bob)
    evaluate(bob_submission, {"aggregates": {"dice": 0.8, "hd": 2}})
    services.evaluation_publish(
        evaluation=Evaluation.objects.get(submission_id=bob_submission["pk"]),
        published=False,
        actor=org,
    )
    return {
        "org": org,
        "ann": ann,
        "bob": bob,
        "eve": outsider,
        "anon": None,
        "debug": debug,
        "hidden": hidden,
    }


ACTORS = ("anon", "eve", "ann", "bob", "org")


def statuses(world, method: str, path: str, data: Any = None) -> dict[str, int]:  # type: ignore[no-untyped-def]
    out = {}
    for actor in ACTORS:
        c = client(world[actor])
        response = (
            getattr(c, method)(path, data, format="json")
            if data is not None
            else getattr(c, method)(path)
        )
        out[actor] = response.status_code
    return out


def test_reads_of_a_hidden_challenge(world):
    base = f"{API}challenges/lung-2026/"
    assert statuses(world, "get", base) == {
        "anon": 404,
        "eve": 404,
        "ann": 200,
        "bob": 200,
        "org": 200,
    }
    assert statuses(world, "get", f"{base}phases/") == {
        "anon": 404,
        "eve": 404,
        "ann": 200,
        "bob": 200,
        "org": 200,
    }
    assert statuses(world, "get", f"{base}phases/secret/") == {
        "anon": 404,
        "eve": 404,
        "ann": 404,
        "bob": 404,
        "org": 200,
    }
    assert statuses(world, "get", f"{base}phases/debug/methods/") == {
        "anon": 401,
        "eve": 404,
        "ann": 403,
        "bob": 403,
        "org": 200,
    }
    assert statuses(world, "get", f"{base}phases/debug/ground-truths/") == {
        "anon": 401,
        "eve": 404,
        "ann": 403,
        "bob": 403,
        "org": 200,
    }
    listed = {a: client(world[a]).get(f"{API}challenges/").json()["count"] for a in ACTORS}
    assert listed == {"anon": 0, "eve": 0, "ann": 1, "bob": 1, "org": 1}
    phases = {
        a: [p["slug"] for p in client(world[a]).get(f"{base}phases/").json()["results"]]
        for a in ("ann", "org")
    }
    assert phases == {"ann": ["debug", "final"], "org": ["debug", "final", "secret"]}


def test_who_sees_which_submissions_and_evaluations(world):
    path = f"{API}challenges/lung-2026/phases/debug/submissions/"
    assert statuses(world, "get", path) == {
        "anon": 401,
        "eve": 404,
        "ann": 200,
        "bob": 200,
        "org": 200,
    }
    seen = {
        a: sorted(s["creator"]["username"] for s in client(world[a]).get(path).json()["results"])
        for a in ("ann", "bob", "org")
    }
    assert seen == {"ann": ["ann"], "bob": ["bob"], "org": ["ann", "bob"]}
    # bob's result is unpublished: bob sees its status but not its scores; admins see all
    bob_row = client(world["bob"]).get(path).json()["results"][0]["evaluations"][0]
    assert (bob_row["status"], bob_row["metrics"], bob_row["rank"]) == ("Succeeded", None, None)
    assert client(world["bob"]).get(path).json()["results"][0]["jobs"] == {
        "total": 0,
        "by_status": {},
    }
    evaluations = {
        a: sorted(
            e["submission"]["creator"]["username"]
            for e in client(world[a]).get(f"{API}evaluations/").json()["results"]
        )
        for a in ACTORS
    }
    assert evaluations == {
        "anon": [],
        "eve": [],
        "ann": ["ann"],
        "bob": ["ann"],
        "org": ["ann", "bob"],
    }


def test_evaluation_logs_are_the_admins(world):
    ann_eval = Evaluation.objects.get(submission__creator=world["ann"])
    Evaluation.objects.filter(pk=ann_eval.pk).update(
        stdout="case_001: dice 0.9 against mask_001", stderr="warning: spacing"
    )
    detail = f"{API}evaluations/{ann_eval.pk}/"
    submissions = f"{API}challenges/lung-2026/phases/debug/submissions/"
    seen = {}
    for actor in ("anon", "eve", "ann", "bob", "org"):
        c = client(world[actor])
        r = c.get(detail)
        rows = c.get(submissions).json()["results"] if actor in ("ann", "org") else []
        evaluation_rows = [e for s in rows for e in s["evaluations"] if e["pk"] == str(ann_eval.pk)]
        seen[actor] = (
            r.status_code,
            r.json().get("stdout") if r.status_code == 200 else None,
            [e.get("stderr") for e in evaluation_rows],
        )
    # ann's result is published: everyone who sees the challenge reads it, not its logs
    assert seen == {
        "anon": (404, None, []),
        "eve": (404, None, []),
        "ann": (200, None, [None]),
        "bob": (200, None, []),
        "org": (200, "case_001: dice 0.9 against mask_001", ["warning: spacing"]),
    }


def test_who_may_change_things(world):
    base = f"{API}challenges/lung-2026/"
    assert statuses(world, "post", f"{base}phases/", {"title": "New"}) == {
        "anon": 404,
        "eve": 404,
        "ann": 403,
        "bob": 403,
        "org": 201,
    }
    assert statuses(world, "patch", f"{base}phases/final/", {"score_title": "Dice"}) == {
        "anon": 404,
        "eve": 404,
        "ann": 403,
        "bob": 403,
        "org": 200,
    }
    ann_eval = Evaluation.objects.get(submission__creator=world["ann"])
    assert statuses(world, "patch", f"{API}evaluations/{ann_eval.pk}/", {"published": True}) == {
        "anon": 404,
        "eve": 404,
        "ann": 403,
        "bob": 403,
        "org": 200,
    }
    assert statuses(world, "post", f"{API}challenges/", {"slug": "other"}) == {
        "anon": 403,
        "eve": 403,
        "ann": 403,
        "bob": 403,
        "org": 201,
    }
    # an outsider cannot submit to a challenge it cannot see; nothing is created
    before = Submission.objects.count()
    r = client(world["eve"]).post(
        f"{base}phases/debug/submissions/",
        {"user_upload": upload_url(world["eve"], "a\n")},
        format="json",
    )
    assert r.status_code == 404
    assert Submission.objects.count() == before
    # someone else's upload is refused by name
    upload_url_of_ann = upload_url(world["ann"], "a\n")
    r = client(world["bob"]).post(
        f"{base}phases/final/submissions/",
        {"user_upload": upload_url_of_ann},
        format="json",
    )
    assert r.status_code == 400
    assert r.json() == {"user_upload": [f"No upload of yours at {upload_url_of_ann!r}."]}


def test_bad_submissions_by_script_are_named_and_leave_nothing(world):
    ann, debug = world["ann"], world["debug"]
    path = f"{API}challenges/lung-2026/phases/debug/submissions/"
    before = (Submission.objects.count(), Evaluation.objects.count())
    pdf = upload_url(ann, "%PDF-1.7 not a table", filename="p.pdf")
    r = client(ann).post(path, {"user_upload": pdf}, format="json")
    assert r.status_code == 400
    assert r.json() == {"user_upload": ["p.pdf: application/pdf files are not supported."]}
    closed_at = timezone.now() - timedelta(hours=1)
    services.phase_save(
        challenge=debug.challenge,
        actor=world["org"],
        phase=debug,
        fields={
            "submissions_open_at": closed_at - timedelta(days=1),
            "submissions_close_at": closed_at,
        },
    )
    r = client(ann).post(path, {"user_upload": upload_url(ann, "case,x\n")}, format="json")
    assert r.status_code == 400
    assert r.json() == {
        "non_field_errors": [
            f"The phase 'Debug' is not open for submissions. It closed at {closed_at.isoformat()}."
        ]
    }
    assert (Submission.objects.count(), Evaluation.objects.count()) == before


def test_registration_requests_are_seen_by_their_user_and_the_admins(world):
    path = f"{API}challenges/lung-2026/registration-requests/"
    seen = {
        a: sorted(r["user"] for r in client(world[a]).get(path).json()["results"])
        for a in ("ann", "org")
    }
    assert seen == {"ann": ["ann"], "org": ["ann", "bob"]}
    assert client().get(path).status_code == 401


def test_admins_rerun_an_evaluation_with_the_new_method(world):
    debug = world["debug"]
    submission = Submission.objects.get(phase=debug, creator=world["ann"])
    old_method = debug.methods.get()
    services_method = with_valid_method_version(debug)
    path = f"{API}challenges/lung-2026/phases/debug/submissions/{submission.pk}/rerun/"
    assert statuses(world, "post", path, {}) == {
        "anon": 401,
        "eve": 404,
        "ann": 403,
        "bob": 404,
        "org": 201,
    }
    latest = submission.evaluations.order_by("-created").first()
    assert latest is not None
    assert (latest.status, latest.method) == (Evaluation.Status.PENDING, services_method)
    # the earlier result stays on the board
    assert submission.evaluations.filter(method=old_method, rank=1).exists()


def with_valid_method_version(phase: Phase):  # type: ignore[no-untyped-def]
    from challenges.models import Method

    Method.objects.filter(phase=phase).update(is_active=False)
    return Method.objects.create(
        phase=phase, status=Method.Status.VALID, is_active=True, sha256="sha256:new"
    )


def test_the_leaderboard_as_json_and_csv(world):
    org, debug = world["org"], world["debug"]
    services.phase_save(
        challenge=debug.challenge,
        actor=org,
        phase=debug,
        fields={
            "score_title": "Dice",
            "score_decimal_places": 2,
            "score_error_jsonpath": "aggregates.std",
        },
    )
    path = f"{API}challenges/lung-2026/phases/debug/leaderboard/"
    assert statuses(world, "get", path) == {
        "anon": 404,
        "eve": 404,
        "ann": 200,
        "bob": 200,
        "org": 200,
    }
    body = client(world["ann"]).get(path).json()
    assert body["columns"] == ["Dice", "HD"]
    # bob's result is unpublished: not on the board for anyone
    assert [(r["rank"], r["user"], r["algorithm"], r["values"]) for r in body["results"]] == [
        (1, "ann", None, ["0.90", "1.00"])
    ]
    r = client(world["org"]).get(path, {"export": "csv"})
    assert r["Content-Type"] == "text/csv"
    lines = r.content.decode().splitlines()
    # the columns the page shows: no Algorithm column in a predictions phase
    assert lines[0] == "#,User,Created,Dice,HD"
    assert lines[1].startswith("1,ann,") and lines[1].endswith(",0.90,1.00")
    assert len(lines) == 2


def test_who_reaches_the_site_and_roles_by_script(world):
    base = f"{API}challenges/lung-2026/"
    admin_only_read = {"anon": 401, "eve": 404, "ann": 403, "bob": 403, "org": 200}
    # a hidden challenge: 404 to outsiders, 403 to its participants
    admin_only = {"anon": 404, "eve": 404, "ann": 403, "bob": 403, "org": 200}
    signed_in_admin = {"anon": 401, "eve": 403, "ann": 403, "bob": 403}
    assert statuses(world, "get", f"{base}members/") == admin_only_read
    evaluator = {"role": "external_evaluators", "username": "eve"}
    assert statuses(world, "post", f"{base}members/", evaluator) == admin_only_read
    assert statuses(world, "patch", base, {"title": "Lung"}) == admin_only
    # pages: read by permission level in a challenge one sees; written by admins
    services.page_save(
        challenge=world["debug"].challenge,
        actor=world["org"],
        fields={"display_title": "Notes", "permission_level": "ADM"},
    )
    page = {"display_title": "Rules", "permission_level": "REG"}
    assert statuses(world, "post", f"{base}pages/", page) == {**admin_only, "org": 201}
    site = {"anon": 404, "eve": 404, "ann": 200, "bob": 200, "org": 200}
    assert statuses(world, "get", f"{base}pages/rules/") == site
    assert statuses(world, "get", f"{base}pages/notes/") == {**site, "ann": 404, "bob": 404}
    assert statuses(world, "patch", f"{base}pages/rules/", {"hidden": True}) == admin_only
    # registration questions: like asking to join, for anyone signed in who knows the slug
    question = {"question_text": "Institute?"}
    assert statuses(world, "post", f"{base}registration-questions/", question) == {
        **signed_in_admin,
        "org": 201,
    }
    signed_in = {"anon": 401, "eve": 200, "ann": 200, "bob": 200, "org": 200}
    assert statuses(world, "get", f"{base}registration-questions/") == signed_in
    [pk] = world["debug"].challenge.registration_questions.values_list("pk", flat=True)
    assert statuses(world, "delete", f"{base}registration-questions/{pk}/") == {
        **signed_in_admin,
        "org": 204,
    }
    # what the refused ones tried left nothing behind; the admin's changes are there
    challenge = Challenge.objects.get()
    assert challenge.title == "Lung"
    evaluators = challenge.external_evaluators_group.user_set  # type: ignore[union-attr]
    assert list(evaluators.values_list("username", flat=True)) == ["eve"]
    assert list(challenge.pages.values_list("slug", "hidden")) == [
        ("notes", False),
        ("rules", True),
    ]
    remove = f"{base}members/?role=participants&username=bob"
    assert statuses(world, "delete", remove) == admin_only_read
    participants = challenge.participants_group.user_set  # type: ignore[union-attr]
    assert list(participants.values_list("username", flat=True)) == ["ann"]


def test_admin_writes_are_refused_to_everyone_else(world):
    base = f"{API}challenges/lung-2026/"
    for kind in ("methods", "ground-truths"):
        # org's reaches the check of the (missing) upload; the others stop before it
        assert statuses(world, "post", f"{base}phases/debug/{kind}/", {"comment": "v9"}) == {
            "anon": 401,
            "eve": 404,
            "ann": 403,
            "bob": 403,
            "org": 400,
        }
    assert not world["debug"].methods.filter(comment="v9").exists()
    assert not world["debug"].ground_truths.exists()
    requests = {r.user.username: r.pk for r in RegistrationRequest.objects.all()}
    path = f"{base}registration-requests/{requests['bob']}/"
    # a request is its user's and the admins'; only admins decide
    assert statuses(world, "get", path) == {
        "anon": 401,
        "eve": 404,
        "ann": 404,
        "bob": 200,
        "org": 200,
    }
    assert statuses(world, "patch", path, {"status": "ACPT"}) == {
        "anon": 401,
        "eve": 404,
        "ann": 404,
        "bob": 403,
        "org": 200,
    }
