"""The challenge site as its users see it: list, tabs, pages by permission level,
registration with questions, submitting, one's own submissions, and the admin pages."""

import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from algorithms.models import AlgorithmImage, AlgorithmInterface
from app.permissions import add_creator
from challenges import services
from challenges.models import ChallengePage, Evaluation, Method, Phase, RegistrationRequest
from tests.algorithms.factories import make_algorithm
from tests.archives.helpers import login, new_user
from tests.cases.helpers import completed_upload
from tests.challenges.helpers import (
    hidden_archive,
    make_challenge,
    make_phase,
    participant,
    predictions,
    submit,
    succeed,
    valid_algorithm_image,
    with_valid_method,
)

pytestmark = pytest.mark.django_db


def _client(user=None) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    if user is not None:
        login(c, user)
    return c


def _text(html: bytes) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode()))


def _api_url(upload) -> str:  # type: ignore[no-untyped-def]
    return f"http://testserver/api/v1/uploads/{upload.pk}/"


def test_the_list_shows_public_and_own_challenges_with_their_status(user):
    public = make_challenge(user, "open-one", hidden=False)
    make_phase(public)
    make_challenge(user, "secret-one")  # hidden
    other = new_user(username="eve")
    text = _text(_client(other).get("/challenges/").content)
    assert "Open-One" in text and "Open" in text
    assert "Secret-One" not in text
    assert "Request creator rights" in text and "Create challenge" not in text
    mine = _text(_client(user).get("/challenges/").content)
    assert "Secret-One" in mine and "Taking part" in mine
    anonymous = _text(_client().get("/challenges/").content)
    assert "Open-One" in anonymous and "Request creator rights" not in anonymous


def test_a_creator_creates_a_challenge_and_lands_on_its_first_phase(user):
    creator = new_user(username="org")
    add_creator(group=Group.objects.get(name="challenge creators"), user=creator)
    c = _client(creator)
    r = c.post(
        "/challenges/create/",
        {"slug": "bad_slug", "title": "X", "access_request_handling": "ACCEPT_ALL"},
    )
    assert "slug: Use lower-case letters" in _text(r.content)
    r = c.post("/challenges/create/", {"slug": "create", "access_request_handling": "ACCEPT_ALL"})
    assert "slug: &#x27;create&#x27; is taken by a page of the site" in r.content.decode()
    r = c.post(
        "/challenges/create/",
        {"slug": "liver-2027", "title": "Liver", "access_request_handling": "ACCEPT_ALL"},
    )
    assert r.status_code == 302 and r["Location"] == "/challenges/liver-2027/admin/phases/create/"
    r = c.post(
        "/challenges/liver-2027/admin/phases/create/",
        {
            "title": "Final",
            "submission_kind": "1",
            "score_title": "Dice",
            "score_jsonpath": "aggregates.dice",
            "score_default_sort": "asc",
            "score_decimal_places": "3",
            "extra_results_columns": '[{"title": "HD", "path": "hd", "order": "wrong"}]',
            "scoring_method_choice": "avg",
            "result_display_choice": "bst",
            "submissions_limit_per_user_per_period": "0",
            "submission_limit_period": "1",
            "public": "on",
            "evaluation_time_limit": "3600",
            "evaluation_requires_memory_gb": "8",
            "algorithm_time_limit": "1200",
            "algorithm_maximum_settable_memory_gb": "32",
        },
    )
    assert "extra_results_columns: 0/order: &#x27;wrong&#x27; is not one of" in r.content.decode()
    assert not Phase.objects.exists()


def test_the_phase_form_saves_every_leaderboard_setting(user):
    challenge = make_challenge(user)
    form = {
        "title": "Final",
        "submission_kind": "1",
        "score_title": "Dice",
        "score_jsonpath": "aggregates.dice",
        "score_error_jsonpath": "aggregates.dice_std",
        "score_default_sort": "asc",
        "score_decimal_places": "3",
        "extra_results_columns": '[{"title": "HD", "path": "hd", "order": "asc"}]',
        "scoring_method_choice": "avg",
        "result_display_choice": "bst",
        "submissions_limit_per_user_per_period": "0",
        "submission_limit_period": "7",
        "public": "on",
        "evaluation_time_limit": "3600",
        "evaluation_requires_memory_gb": "8",
        "algorithm_time_limit": "1200",
        "algorithm_maximum_settable_memory_gb": "32",
    }
    r = _client(user).post(f"/challenges/{challenge.slug}/admin/phases/create/", form)
    assert r.status_code == 302, _text(r.content)
    phase = Phase.objects.get()
    assert (
        phase.slug,
        phase.score_default_sort,
        phase.scoring_method_choice,
        phase.result_display_choice,
        phase.score_decimal_places,
        phase.extra_results_columns,
        phase.auto_publish_new_results,
        phase.submission_limit_period,
    ) == (
        "final",
        "asc",
        "avg",
        "bst",
        3,
        [{"title": "HD", "path": "hd", "order": "asc"}],
        False,
        7,
    )
    # opening it before an evaluation method exists is refused on the limit field
    form["submissions_limit_per_user_per_period"] = "5"
    r = _client(user).post(f"/challenges/{challenge.slug}/phases/final/settings/", form)
    assert "submissions_limit_per_user_per_period: Upload a valid evaluation method" in _text(
        r.content
    )


def test_hidden_challenges_are_not_found_for_outsiders(user):
    challenge = make_challenge(user)
    eve = _client(new_user(username="eve"))
    for path in ("", "phases/", "register/", "submissions/", "admin/", "admin/requests/"):
        assert eve.get(f"/challenges/{challenge.slug}/{path}").status_code == 404, path
    assert _client(user).get(f"/challenges/{challenge.slug}/").status_code == 200


def test_admin_pages_are_not_found_for_participants(user):
    challenge = make_challenge(user, hidden=False)
    phase = make_phase(challenge)
    ann = _client(participant(challenge, "ann"))
    for path in (
        "admin/",
        "admin/phases/create/",
        f"phases/{phase.slug}/settings/",
        f"phases/{phase.slug}/methods/",
        f"phases/{phase.slug}/ground-truths/",
        "admin/evaluations/",
        "admin/requests/",
        "admin/participants/",
        "admin/pages/",
        "admin/pages/create/",
        "admin/questions/",
    ):
        assert ann.get(f"/challenges/{challenge.slug}/{path}").status_code == 404, path


def test_pages_are_shown_by_permission_level_in_order(user):
    challenge = make_challenge(user, hidden=False)
    for title, level in (("Rules", "ALL"), ("Data", "REG"), ("Notes", "ADM")):
        services.page_save(
            challenge=challenge,
            actor=user,
            fields={
                "display_title": title,
                "permission_level": level,
                "content_markdown": f"# {title}\n<script>alert(1)</script>",
            },
        )
    ann = participant(challenge, "ann")

    def tabs(client: Client) -> list[str]:
        html = client.get(f"/challenges/{challenge.slug}/").content.decode()
        nav = html.split('aria-label="Challenge sections"', 1)[1].split("</nav>", 1)[0]
        return re.findall(r'/pages/([a-z-]+)/"', nav)

    assert tabs(_client()) == ["rules"]
    assert tabs(_client(ann)) == ["rules", "data"]
    assert tabs(_client(user)) == ["rules", "data", "notes"]
    assert _client().get(f"/challenges/{challenge.slug}/pages/data/").status_code == 404
    r = _client(ann).get(f"/challenges/{challenge.slug}/pages/data/")
    assert "<h1>Data</h1>" in r.content.decode() and "<script>" not in r.content.decode()
    # admins reorder: Notes up twice comes first
    notes = ChallengePage.objects.get(slug="notes")
    admin = _client(user)
    for _ in range(2):
        admin.post(f"/challenges/{challenge.slug}/admin/pages/", {"pk": notes.pk, "action": "up"})
    assert tabs(admin) == ["notes", "rules", "data"]
    admin.post(f"/challenges/{challenge.slug}/admin/pages/", {"pk": notes.pk, "action": "down"})
    assert tabs(admin) == ["rules", "notes", "data"]


def test_registration_questions_are_validated_by_their_schema(user):
    challenge = make_challenge(user, hidden=False)
    admin = _client(user)
    r = admin.post(
        f"/challenges/{challenge.slug}/admin/questions/",
        {
            "action": "add",
            "question_text": "Team size",
            "required": "on",
            "schema": '{"type": "integer", "minimum": 1}',
        },
    )
    assert r.status_code == 302
    r = admin.post(
        f"/challenges/{challenge.slug}/admin/questions/",
        {"action": "add", "question_text": "Bad", "schema": '{"type": 5}'},
    )
    assert "schema: Not a valid JSON schema" in _text(r.content)
    question = challenge.registration_questions.get()
    bob = new_user(username="bob")
    c = _client(bob)
    url = f"/challenges/{challenge.slug}/register/"
    r = c.post(url, {})
    assert f"question-{question.pk}: Answer “Team size”: it is required." in _text(r.content)
    r = c.post(url, {f"question-{question.pk}": "0"})
    assert "“Team size”: 0 is less than the minimum of 1" in _text(r.content)
    assert not RegistrationRequest.objects.exists()
    r = c.post(url, {f"question-{question.pk}": "3"})
    assert r.status_code == 302
    assert RegistrationRequest.objects.get().status == RegistrationRequest.Status.PENDING
    page = _text(admin.get(f"/challenges/{challenge.slug}/admin/requests/").content)
    assert "bob" in page and "Team size : 3" in page
    registration = RegistrationRequest.objects.get()
    admin.post(
        f"/challenges/{challenge.slug}/admin/requests/",
        {"pk": registration.pk, "decision": "accept"},
    )
    assert "bob" in _text(admin.get(f"/challenges/{challenge.slug}/admin/participants/").content)
    assert "My submissions" in _text(c.get(f"/challenges/{challenge.slug}/").content)


def test_join_is_immediate_when_everyone_is_accepted(user):
    challenge = make_challenge(user, hidden=False, access_request_handling="ACCEPT_ALL")
    c = _client(new_user(username="bob"))
    assert "Join" in _text(c.get(f"/challenges/{challenge.slug}/").content)
    r = c.post(f"/challenges/{challenge.slug}/register/", follow=True)
    assert "Welcome to" in _text(r.content)


def test_submitting_predictions_from_the_page(user):
    challenge = make_challenge(user, hidden=False)
    phase = make_phase(
        challenge, submissions_limit_per_user_per_period=1, submission_limit_period=None
    )
    ann = participant(challenge, "ann")
    c = _client(ann)
    url = f"/challenges/{challenge.slug}/phases/{phase.slug}/submit/"
    page = _text(c.get(url).content)
    assert "Submissions left 1 of 1 in total" in page
    upload = predictions(ann, "a,b\n1,2\n", "p.csv")
    r = c.post(url, {"user_upload": _api_url(upload), "comment": "first"})
    assert r.status_code == 302, _text(r.content)
    submission_url = r["Location"]
    detail = _text(c.get(submission_url).content)
    assert "Queued" in detail and "p.csv" in detail
    # the limit is used up: refused with a clear message, and the page says none is left
    r = c.post(url, {"user_upload": _api_url(predictions(ann, "a\n1\n", "q.csv"))})
    assert "You have an evaluation in progress" in _text(r.content) or "used all 1" in _text(
        r.content
    )
    succeed(phase.submissions.get(), {"dice": 0.75})
    r = c.post(url, {"user_upload": _api_url(predictions(ann, "a\n1\n", "q.csv"))})
    assert "You have used all 1 submissions of the phase" in _text(r.content)
    assert "No more are possible in this phase" in _text(
        c.get(url).content
    ) or "none possible" in _text(c.get(url).content)
    mine = _text(c.get(f"/challenges/{challenge.slug}/submissions/").content)
    assert "Succeeded" in mine and "first" in mine
    detail = _text(c.get(submission_url).content)
    assert "Rank 1" in detail and "0.75" in detail


def test_a_closed_phase_refuses_submissions_by_name(user):
    challenge = make_challenge(user, hidden=False)
    phase = make_phase(challenge, submissions_limit_per_user_per_period=0)
    ann = participant(challenge, "ann")
    r = _client(ann).post(
        f"/challenges/{challenge.slug}/phases/{phase.slug}/submit/",
        {"user_upload": _api_url(predictions(ann))},
    )
    assert "The phase 'Final' is not open for submissions." in _text(r.content).replace(
        "&#x27;", "'"
    )
    assert not phase.submissions.exists()


def test_a_wrong_file_type_names_the_file(user):
    challenge = make_challenge(user, hidden=False)
    phase = make_phase(challenge)
    ann = participant(challenge, "ann")
    upload = completed_upload(user=ann, filename="p.pdf", data=b"%PDF-1.4 ...")
    r = _client(ann).post(
        f"/challenges/{challenge.slug}/phases/{phase.slug}/submit/",
        {"user_upload": _api_url(upload)},
    )
    assert "user_upload: p.pdf: application/pdf files are not supported." in _text(r.content)


def test_others_submissions_are_not_found(user):
    challenge = make_challenge(user, hidden=False)
    phase = make_phase(challenge)
    ann, bob = participant(challenge, "ann"), participant(challenge, "bob")
    submission = submit(phase, ann)
    url = f"/challenges/{challenge.slug}/submissions/{submission.pk}/"
    assert _client(bob).get(url).status_code == 404
    assert _client(ann).get(url).status_code == 200
    assert "ann" not in _text(
        _client(bob).get(f"/challenges/{challenge.slug}/submissions/").content
    )


def test_admins_publish_unpublish_and_rerun(user):
    challenge = make_challenge(user, hidden=False)
    phase = make_phase(challenge)
    ann = participant(challenge, "ann")
    submission = submit(phase, ann)
    evaluation = succeed(submission, {"dice": 0.5})
    admin = _client(user)
    base = f"/challenges/{challenge.slug}/admin/"
    admin.post(f"{base}evaluations/{evaluation.pk}/publish/", {"published": "false"})
    evaluation.refresh_from_db()
    assert (evaluation.published, evaluation.rank) == (False, 0)
    assert "not published" in _text(
        _client(ann).get(f"/challenges/{challenge.slug}/submissions/{submission.pk}/").content
    )
    admin.post(f"{base}evaluations/{evaluation.pk}/publish/", {"published": "true"})
    evaluation.refresh_from_db()
    assert (evaluation.published, evaluation.rank) == (True, 1)
    admin.post(f"{base}submissions/{submission.pk}/rerun/")
    assert submission.evaluations.count() == 2
    newest = submission.evaluations.order_by("-created")[0]
    assert newest.status == Evaluation.Status.PENDING
    # participants cannot
    assert _client(ann).post(f"{base}submissions/{submission.pk}/rerun/").status_code == 404
    # the evaluation's logs are the admins' (even with nothing on stderr)
    Evaluation.objects.filter(pk=evaluation.pk).update(stdout="scored 3 cases", stderr="")
    detail = f"/challenges/{challenge.slug}/submissions/{submission.pk}/"
    assert "scored 3 cases" in _text(admin.get(detail).content)
    assert "scored 3 cases" not in _text(_client(ann).get(detail).content)
    # the admin's tab is current on someone else's submission, "My submissions" on one's own
    assert 'aria-current="page">Admin</a>' in admin.get(detail).content.decode()
    assert 'aria-current="page">My submissions</a>' in _client(ann).get(detail).content.decode()


def test_admins_add_and_remove_admins_and_external_evaluators(user):
    challenge = make_challenge(user, hidden=False)
    ann, eve = participant(challenge, "ann"), new_user(username="eve")
    admin = _client(user)
    path = f"/challenges/{challenge.slug}/admin/participants/"
    r = admin.post(path, {"action": "add", "username": "eve", "role": "external_evaluators"})
    assert r.status_code == 302
    assert challenge.external_evaluators_group.user_set.get() == eve  # type: ignore[union-attr]
    assert "eve is now an external evaluator." in _text(admin.get(path).content)
    # a name no one has: the field says so and nothing changes
    r = admin.post(path, {"action": "add", "username": "nobody", "role": "admins"})
    assert "username: No active user is called &#x27;nobody&#x27;." in r.content.decode()
    assert challenge.admins_group.user_set.count() == 1  # type: ignore[union-attr]
    # the last admin stays
    r = admin.post(path, {"user": user.pk, "role": "admins"}, follow=True)
    assert "A challenge keeps at least one admin." in _text(r.content)
    assert challenge.admins_group.user_set.filter(pk=user.pk).exists()  # type: ignore[union-attr]
    admin.post(path, {"action": "add", "username": "ann", "role": "admins"})
    assert "ann" in _text(_client(ann).get(f"/challenges/{challenge.slug}/admin/").content)
    admin.post(path, {"user": eve.pk, "role": "external_evaluators"})
    assert not challenge.external_evaluators_group.user_set.exists()  # type: ignore[union-attr]
    # someone who is not an admin reaches none of it
    eve_client = _client(eve)
    r = eve_client.post(path, {"action": "add", "username": "eve", "role": "admins"})
    assert r.status_code == 404
    assert not challenge.admins_group.user_set.filter(pk=eve.pk).exists()  # type: ignore[union-attr]


def _algorithm_phase(user):  # type: ignore[no-untyped-def]
    challenge = make_challenge(user, hidden=False)
    ann = participant(challenge, "ann")
    algorithm = make_algorithm(creator=ann, title="Ann's nodules")
    interface = AlgorithmInterface.objects.get(algorithm=algorithm)
    phase = services.phase_save(
        challenge=challenge,
        actor=user,
        fields={
            "title": "Algo",
            "submission_kind": Phase.SubmissionKind.ALGORITHM,
            "archive": hidden_archive(user, cases=2),
            "score_jsonpath": "dice",
        },
        algorithm_interfaces=[interface],
    )
    with_valid_method(phase)
    phase = services.phase_save(
        challenge=challenge,
        actor=user,
        phase=phase,
        fields={"submissions_limit_per_user_per_period": 3},
    )
    return challenge, phase, ann, algorithm


def test_an_algorithm_phase_takes_an_image_and_shows_only_job_counts(user):
    challenge, phase, ann, algorithm = _algorithm_phase(user)
    image = valid_algorithm_image(algorithm, "sha256:" + "d" * 64)
    AlgorithmImage.objects.create(algorithm=algorithm, status="Invalid", image_sha256="x")
    c = _client(ann)
    url = f"/challenges/{challenge.slug}/phases/{phase.slug}/submit/"
    page = c.get(url).content.decode()
    # only valid images of algorithms ann edits are offered; the interfaces are listed
    assert len(re.findall(r'<option value="[0-9a-f-]{36}"', page)) == 1
    assert "<code>ct-image</code>" in page
    r = c.post(url, {"algorithm_image": str(image.pk)})
    assert r.status_code == 302, _text(r.content)
    mine = _text(c.get(f"/challenges/{challenge.slug}/submissions/").content)
    assert "0 of 2 cases done; 2 queued" in mine
    detail = c.get(r["Location"]).content.decode()
    assert "Jobs (admins only)" not in detail and "case 1" not in detail
    admin_detail = _client(user).get(r["Location"]).content.decode()
    assert "Jobs (admins only)" in admin_detail and "case 1" in admin_detail
    # the same image again is refused on its field
    Evaluation.objects.update(status=Evaluation.Status.FAILURE)
    r = c.post(url, {"algorithm_image": str(image.pk)})
    text = _text(r.content)
    assert "algorithm_image: This image (sha256:ddd" in text and "was already submitted" in text


def test_a_method_is_uploaded_from_the_page(user):
    challenge = make_challenge(user)
    phase = make_phase(challenge)
    upload = completed_upload(user=user, filename="eval.tar.gz", data=b"not a tarball")
    r = _client(user).post(
        f"/challenges/{challenge.slug}/phases/{phase.slug}/methods/",
        {"user_upload": _api_url(upload), "comment": "v2"},
    )
    assert r.status_code == 302
    assert phase.methods.filter(comment="v2", status="Queued").exists()
    # someone else's upload reads as not found, on the field
    other = completed_upload(user=new_user(), filename="x.tar.gz", data=b"x")
    r = _client(user).post(
        f"/challenges/{challenge.slug}/phases/{phase.slug}/ground-truths/",
        {"user_upload": _api_url(other)},
    )
    assert "was not found" in _text(r.content)
    assert not phase.ground_truths.exists()


def test_scripts_answer_registration_questions_through_the_api(user, api_client):
    challenge = make_challenge(user, hidden=False, access_request_handling="ACCEPT_ALL")
    question = services.registration_question_create(
        challenge=challenge,
        actor=user,
        question_text="Role",
        schema={"enum": ["student", "researcher"]},
    )
    api_client.force_authenticate(new_user(username="bob"))
    url = f"/api/v1/challenges/{challenge.slug}/registration-requests/"
    r = api_client.post(url, {}, format="json")
    assert r.status_code == 400
    assert r.json() == {f"question-{question.pk}": ["Answer “Role”: it is required."]}
    r = api_client.post(url, {"answers": {str(question.pk): "pilot"}}, format="json")
    assert r.json() == {
        f"question-{question.pk}": ["“Role”: 'pilot' is not one of ['student', 'researcher']"]
    }
    r = api_client.post(url, {"answers": {str(question.pk): "student"}}, format="json")
    assert r.status_code == 201, r.json()
    assert (r.json()["status"], r.json()["answers"]) == (
        "ACPT",
        [{"question": question.pk, "question_text": "Role", "answer": "student"}],
    )


def test_admins_roll_back_to_an_older_valid_method(user):
    challenge = make_challenge(user)
    phase = make_phase(challenge)
    current = phase.methods.get(is_active=True)
    older = Method.objects.create(phase=phase, status=Method.Status.VALID, sha256="sha256:old")
    broken = Method.objects.create(phase=phase, status=Method.Status.INVALID, status_reason="root")
    url = f"/challenges/{challenge.slug}/phases/{phase.slug}/methods/"
    admin = _client(user)
    page = _text(admin.get(url).content)
    assert page.count("Make active") == 1 and "Invalid: root" in page
    admin.post(url, {"activate": str(older.pk)})
    assert phase.methods.get(is_active=True) == older
    r = admin.post(url, {"activate": str(broken.pk)}, follow=True)
    assert "Only a valid version can be active; this one is Invalid." in _text(r.content)
    assert phase.methods.get(is_active=True) == older
    assert current.pk != older.pk
