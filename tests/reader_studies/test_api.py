"""The reader-study API in GC's shape: create-then-PATCH display sets, questions by
script, answers, and who sees what."""

import hashlib
import io
from functools import partial

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as Picture

from components.models import ComponentInterface
from components.services import socket_value_create
from reader_studies import services
from reader_studies.models import Answer
from tests.reader_studies.helpers import BOX, new_user, question_for, study_with_case

pytestmark = pytest.mark.django_db
API = "/api/v1/reader-studies/"


def as_user(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def test_only_creators_create_studies_and_become_editors(api_client, user):
    client = as_user(api_client, user)
    response = client.post(API, {"title": "Lung nodules"}, format="json")
    assert response.status_code == 403
    Group.objects.get(name="reader study creators").user_set.add(user)
    response = client.post(
        API, {"title": "Lung nodules", "instant_verification": True}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "instant_verification": ["Instant verification is only for educational reader studies."]
    }
    response = client.post(
        API,
        {
            "title": "Lung nodules",
            "help_text_markdown": "**Look** <script>alert(1)</script>",
            "allow_answer_modification": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["slug"] == "lung-nodules"
    assert data["help_text_safe"] == "<p><strong>Look</strong> </p>"
    assert data["allow_answer_modification"] is True
    assert data["questions"] == []
    assert data["has_ground_truth"] is False


def test_questions_by_script_with_labels_and_rules(api_client, user):
    study, _ = study_with_case(user)
    client = as_user(api_client, user)
    response = client.post(
        f"{API}questions/",
        {
            "reader_study": study.slug,
            "question_text": "Malignant?",
            "answer_type": "Choice",
            "widget": "Radio Select",
            "options": [{"title": "yes"}, {"title": "no", "default": True}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    q = response.json()
    assert (q["answer_type"], q["widget"], q["image_port"], q["form_direction"]) == (
        "Choice",
        "Radio Select",
        "",
        "Horizontal",
    )
    assert [(o["title"], o["default"]) for o in q["options"]] == [("yes", False), ("no", True)]
    assert (q["algorithms"], q["interactive_algorithms"], q["look_up_table"]) == ([], [], None)
    response = client.post(
        f"{API}questions/",
        {"reader_study": study.slug, "question_text": "Box it", "answer_type": "2DBB"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "image_port": ["Question 'Box it': An annotation question needs an image port."]
    }
    response = client.patch(
        f"{API}questions/{q['pk']}/", {"question_text": "Malignant lesion?"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["question_text_safe"] == "<p>Malignant lesion?</p>"


def test_display_set_create_then_patch_put_and_lock(api_client, user):
    study, _ = study_with_case(user)
    client = as_user(api_client, user)
    response = client.post(
        f"{API}display-sets/",
        {"reader_study": study.slug, "values": [{"interface": "probability", "value": 0.3}]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"values": ["Values can only be added via update."]}
    response = client.post(
        f"{API}display-sets/", {"reader_study": study.slug, "title": "case 2"}, format="json"
    )
    assert response.status_code == 201
    ds = response.json()
    assert (ds["reader_study"], ds["order"], ds["values"], ds["index"]) == (
        study.slug,
        20,
        [],
        1,
    )
    image = study.display_sets.get(title="case 1").values.get().image
    assert image is not None
    nulls = dict.fromkeys(
        ["file", "image", "upload_session", "user_upload", "user_uploads", "image_name"]
    )
    values = [
        {**nulls, "interface": "probability", "value": 0.3},
        {
            **nulls,
            "interface": "generic-medical-image",
            "value": None,
            "image": f"http://testserver/api/v1/cases/images/{image.pk}/",
        },
    ]
    response = client.patch(f"{API}display-sets/{ds['pk']}/", {"values": values}, format="json")
    assert response.status_code == 200, response.json()
    got = {v["interface"]: (v["value"], v["image"]) for v in response.json()["values"]}
    assert got == {
        "probability": (0.3, None),
        "generic-medical-image": (None, f"http://testserver/api/v1/cases/images/{image.pk}/"),
    }
    response = client.patch(
        f"{API}display-sets/{ds['pk']}/",
        {"values": [{**nulls, "interface": "probability", "value": "high"}]},
        format="json",
    )
    assert response.status_code == 400
    assert "probability" in response.json()
    response = client.put(
        f"{API}display-sets/{ds['pk']}/",
        {"values": [{**nulls, "interface": "probability", "value": 0.7}]},
        format="json",
    )
    assert response.status_code == 200
    assert [(v["interface"], v["value"]) for v in response.json()["values"]] == [
        ("probability", 0.7)
    ]
    detail = client.get(f"{API}display-sets/{ds['pk']}/").json()
    assert detail["values"][0]["socket"]["slug"] == "probability"
    assert detail["values"][0]["interface"] == detail["values"][0]["socket"]
    assert detail["descriptions_map_safe"] == {}

    question = question_for(study, "NUMB")
    services.answer_create(
        creator=user,
        question=question,
        display_set=study.display_sets.get(pk=ds["pk"]),
        answer=1,
    )
    response = client.patch(
        f"{API}display-sets/{ds['pk']}/",
        {"values": [{**nulls, "interface": "probability", "value": 0.9}]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["This display set cannot be changed, as answers for it already exist."]
    }


def test_case_text_becomes_descriptions_map_safe(api_client, user):
    _study, case = study_with_case(user, case_text={"slice": "**My Help Text**"})
    data = as_user(api_client, user).get(f"{API}display-sets/{case.pk}/").json()
    assert data["descriptions_map_safe"] == {"slice": "<p><strong>My Help Text</strong></p>"}
    assert data["description"] == "<p><strong>My Help Text</strong></p>"


def test_answers_through_the_api_and_unanswered_filter(api_client, user):
    study, case = study_with_case(user)
    second = services.display_set_create(reader_study=study)
    box = question_for(study, "2DBB", question_text="Box")
    client = as_user(api_client, user)
    url = f"http://testserver{API}"
    body = {
        "question": f"{url}questions/{box.pk}/",
        "display_set": f"{url}display-sets/{case.pk}/",
        "answer": BOX,
        "last_edit_duration": "P0DT00H00M12S",
    }
    response = client.post(f"{API}answers/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["answer"], data["creator"], data["score"], data["last_edit_duration"]) == (
        BOX,
        user.username,
        None,
        "P0DT00H00M12S",
    )
    assert data["total_edit_duration"] == "P0DT00H00M12S"
    response = client.post(f"{API}answers/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["Question 'Box': you already answered it for this display set."]
    }
    response = client.patch(f"{API}answers/{data['pk']}/", {"answer": BOX}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "answer": ["Question 'Box': this reader study does not allow changing answers."]
    }
    unanswered = client.get(
        f"{API}display-sets/", {"reader_study": str(study.pk), "unanswered_by_user": "true"}
    ).json()
    assert [d["pk"] for d in unanswered["results"]] == [str(second.pk)]
    assert client.get(f"{API}answers/mine/").json()["count"] == 1


def test_permission_matrix(api_client):
    editor, reader, other_reader, outsider = new_user(), new_user(), new_user(), new_user()
    study, case = study_with_case(editor)
    for r in (reader, other_reader):
        services.reader_study_member_add(reader_study=study, role="readers", user=r, actor=editor)
    question = question_for(study, "NUMB")
    answers = {
        u.username: services.answer_create(creator=u, question=question, display_set=case, answer=n)
        for n, u in enumerate([editor, reader, other_reader])
    }

    def listed(user, path):
        data = as_user(api_client, user).get(f"{API}{path}").json()
        return sorted(str(r["pk"]) for r in data["results"])

    every = sorted(str(a.pk) for a in answers.values())
    assert listed(editor, "answers/") == every
    assert listed(reader, "answers/") == [str(answers[reader.username].pk)]
    assert listed(reader, "answers/mine/") == [str(answers[reader.username].pk)]
    assert listed(outsider, "answers/") == []
    for path in ("", "questions/", "display-sets/"):
        assert listed(reader, path) != []
        assert listed(outsider, path) == []
    client = as_user(api_client, outsider)
    for path in (
        f"{study.pk}/",
        f"questions/{question.pk}/",
        f"display-sets/{case.pk}/",
        f"answers/{answers[reader.username].pk}/",
    ):
        assert client.get(f"{API}{path}").status_code == 404, path
    client = as_user(api_client, reader)
    assert client.get(f"{API}answers/{answers[other_reader.username].pk}/").status_code == 404
    response = client.patch(f"{API}display-sets/{case.pk}/", {"title": "x"}, format="json")
    assert response.status_code == 403
    response = client.post(
        f"{API}questions/",
        {"reader_study": study.slug, "question_text": "x", "answer_type": "Number"},
        format="json",
    )
    assert response.status_code == 403
    api_client.force_authenticate(None)
    assert api_client.get(f"{API}answers/").status_code in (401, 403)


def test_educational_ground_truth_endpoint(api_client):
    editor, reader = new_user(), new_user()
    study, case = study_with_case(editor, is_educational=True)
    services.reader_study_member_add(reader_study=study, role="readers", user=reader, actor=editor)
    choice = question_for(study, "CHOI", question_text="Malignant?")
    yes, no = choice.options.values_list("id", flat=True)
    path = f"{API}{study.pk}/ground-truth/{case.pk}/"
    assert as_user(api_client, reader).get(path).status_code == 404  # no ground truth yet
    services.answer_create(
        creator=editor, question=choice, display_set=case, answer=no, is_ground_truth=True
    )
    mine = services.answer_create(creator=reader, question=choice, display_set=case, answer=yes)
    assert Answer.objects.get(pk=mine.pk).score == 0.0
    assert as_user(api_client, reader).get(path).json() == {
        str(choice.pk): {
            "answer": no,
            "answer_text": "no",
            "question_text": "Malignant?",
            "options": {str(yes): "yes", str(no): "no"},
            "explanation": "",
        }
    }
    assert as_user(api_client, new_user()).get(path).status_code == 404
    # readers never list the editor's ground-truth answers
    data = as_user(api_client, reader).get(f"{API}answers/").json()
    assert [a["is_ground_truth"] for a in data["results"]] == [False]


def test_values_of_a_study_take_only_visible_images(api_client, user):
    _study, case = study_with_case(user)
    _stranger_study, stranger_case = study_with_case(new_user(), title="Other")
    foreign = stranger_case.values.get().image
    assert foreign is not None
    response = as_user(api_client, user).patch(
        f"{API}display-sets/{case.pk}/",
        {
            "values": [
                {
                    "interface": "generic-medical-image",
                    "image": f"http://testserver/api/v1/cases/images/{foreign.pk}/",
                }
            ]
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["generic-medical-image"] == [
        f"'http://testserver/api/v1/cases/images/{foreign.pk}/' is not an image you may see."
    ]
    socket = ComponentInterface.objects.get(slug="generic-medical-image")
    assert case.values.get().interface == socket


def reading_key(user_pk: int, display_set_pk: str) -> str:
    return hashlib.md5(f"{user_pk}:{display_set_pk}".encode(), usedforsecurity=False).hexdigest()


def test_shuffled_hanging_list_is_stable_and_own_to_each_reader(api_client):
    editor, reader = new_user(), new_user()
    study, first = study_with_case(editor, shuffle_hanging_list=True)
    services.reader_study_member_add(reader_study=study, role="readers", user=reader, actor=editor)
    cases = [first] + [services.display_set_create(reader_study=study) for _ in range(7)]
    for user in (editor, reader):
        expected = sorted((str(c.pk) for c in cases), key=partial(reading_key, user.pk))
        client = as_user(api_client, user)
        for _ in range(2):
            data = client.get(f"{API}display-sets/", {"reader_study": str(study.pk)}).json()
            assert [d["pk"] for d in data["results"]] == expected
            assert [d["index"] for d in data["results"]] == list(range(8))
        detail = client.get(f"{API}display-sets/{expected[3]}/").json()
        assert detail["index"] == 3
        # a later page counts from the start of the reader's order, not of the page
        params = {"reader_study": str(study.pk), "limit": 3, "offset": 2}
        page = client.get(f"{API}display-sets/", params).json()["results"]
        assert [(d["pk"], d["index"]) for d in page] == [(expected[i], i) for i in (2, 3, 4)]


def test_one_case_index_follows_order_then_creation(api_client, user):
    # cases sharing an order read in the order they were made
    study, first = study_with_case(user)
    later = [services.display_set_create(reader_study=study, order=5) for _ in range(3)]
    client = as_user(api_client, user)
    for expected, case in enumerate([*later, first]):
        assert client.get(f"{API}display-sets/{case.pk}/").json()["index"] == expected
    one = client.get(f"{API}display-sets/", {"reader_study": str(study.pk), "limit": 1})
    assert one.json()["results"][0]["index"] == 0


def _queries(client, path, params):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params)
    assert response.status_code == 200
    return len(queries), response.json()["count"]


def test_query_count_does_not_grow_with_the_number_of_cases(api_client):
    """The lists a reader's viewer calls on every case stay at a fixed number of queries."""
    editor = new_user()
    study, _ = study_with_case(editor, shuffle_hanging_list=True)
    questions = [question_for(study, "NUMB", question_text=f"Q{i}") for i in range(3)]
    socket = ComponentInterface.objects.get(slug="probability")
    client = as_user(api_client, editor)
    # warm the per-process caches: permissions, and the study's questions kept between cases
    unanswered = f"display-sets/?reader_study={study.pk}&unanswered_by_user=true"
    for path in ("answers/", "display-sets/", unanswered):
        client.get(f"{API}{path}")
    counts = []
    for target in (4, 16):
        while study.display_sets.count() < target:
            ds = services.display_set_create(reader_study=study)
            services.display_set_value_set(
                display_set=ds, value=socket_value_create(socket=socket, value=0.5)
            )
            for q in questions[:2]:
                services.answer_create(creator=editor, question=q, display_set=ds, answer=1)
        params = {"reader_study": str(study.pk)}
        counts.append(
            (
                _queries(client, f"{API}display-sets/", params),
                _queries(client, f"{API}display-sets/", {**params, "unanswered_by_user": "true"}),
                _queries(client, f"{API}answers/", {"question__reader_study": str(study.pk)}),
            )
        )
    (small, large) = counts
    assert [c for c, _ in small] == [c for c, _ in large]
    assert [n for _, n in large] == [16, 16, 30]


def test_editors_manage_members_by_script(api_client):
    editor, reader = new_user(username="ed"), new_user(username="rd")
    study, _ = study_with_case(editor)
    path = f"{API}{study.pk}/members/"
    client = as_user(api_client, editor)
    response = client.post(path, {"role": "readers", "username": "rd"}, format="json")
    assert response.json() == {"editors": ["ed"], "readers": ["rd"]}
    response = client.post(path, {"role": "owners", "username": "rd"}, format="json")
    assert response.json() == {"role": ["Role must be one of editors, readers."]}
    response = client.post(path, {"role": "readers", "username": "nobody"}, format="json")
    assert response.json() == {"username": ["There is no user 'nobody'."]}
    response = client.delete(f"{path}?role=editors&username=ed")
    assert response.json() == {"user": ["A reader study keeps at least one editor."]}
    assert as_user(api_client, reader).get(path).status_code == 403
    client = as_user(api_client, editor)
    assert client.delete(f"{path}?role=readers&username=rd").json()["readers"] == []
    assert as_user(api_client, reader).get(path).status_code == 404


def test_unanswered_for_another_reader_and_answer_edits(api_client):
    editor, reader = new_user(username="ed2"), new_user(username="rd2")
    study, case = study_with_case(editor, allow_answer_modification=True)
    services.reader_study_member_add(reader_study=study, role="readers", user=reader, actor=editor)
    second = services.display_set_create(reader_study=study)
    question = question_for(study, "NUMB")
    answer = services.answer_create(creator=reader, question=question, display_set=case, answer=1)
    params = {"reader_study": str(study.pk), "unanswered_by_user": "true", "user": "rd2"}
    data = as_user(api_client, editor).get(f"{API}display-sets/", params).json()
    assert [d["pk"] for d in data["results"]] == [str(second.pk)]
    response = as_user(api_client, reader).get(f"{API}display-sets/", {**params, "user": "ed2"})
    assert response.status_code == 403
    response = api_client.get(f"{API}display-sets/", {"user": "ed2"})
    assert response.json() == {"user": ["`user` goes only with `unanswered_by_user=true`."]}

    client = as_user(api_client, reader)
    path = f"{API}answers/{answer.pk}/"
    response = client.patch(path, {"answer": 2, "last_edit_duration": "00:00:04"}, format="json")
    assert response.status_code == 200
    assert (response.json()["answer"], response.json()["total_edit_duration"]) == (2, None)
    response = client.patch(path, {"question": "x", "answer": 3}, format="json")
    assert response.json() == {
        "non_field_errors": ["Only the answer and last_edit_duration field can be modified."]
    }
    response = as_user(api_client, editor).patch(path, {"answer": 5}, format="json")
    assert response.status_code == 403


def test_the_logo_field_is_the_permission_checked_logo_page(api_client, client):
    editor = new_user()
    study, _case = study_with_case(editor, title="Lungs")
    out = io.BytesIO()
    Picture.new("RGB", (8, 8), (0, 90, 200)).save(out, format="PNG")
    logo = SimpleUploadedFile("logo.png", out.getvalue())
    services.reader_study_update(reader_study=study, logo=logo)

    data = as_user(api_client, editor).get(f"{API}{study.pk}/").json()
    assert data["logo"] == f"http://testserver/reader-studies/{study.slug}/logo"
    # the bucket's own address would show a private study's logo to anyone
    assert "Signature" not in data["logo"] and study.logo.name not in data["logo"]
    path = data["logo"].removeprefix("http://testserver")
    assert client.get(path).status_code == 404  # signed out: the study is private
    client.force_login(editor)
    assert client.get(path).status_code == 302
