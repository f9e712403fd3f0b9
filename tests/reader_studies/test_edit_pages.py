"""Editors build a study through the pages: create it, add questions of several answer
types, add readers, import ground truth from the example CSV; refusals name the question."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from reader_studies import ground_truth, services
from reader_studies.models import Answer, ReaderStudy
from tests.archives.helpers import login
from tests.reader_studies.helpers import new_user, study_with_case

pytestmark = pytest.mark.django_db


def test_a_creator_creates_a_study_from_the_pages(client):
    user = new_user()
    login(client, user)
    page = client.get("/reader-studies/").content.decode()
    assert "Request creator rights" in page
    assert client.get("/reader-studies/create/").status_code == 403

    Group.objects.get(name="reader study creators").user_set.add(user)
    assert "Create a reader study" in client.get("/reader-studies/").content.decode()
    settings = {"access_request_handling": "MANUAL_REVIEW", "roll_over_answers_for_n_cases": 0}
    refused = client.post(
        "/reader-studies/create/", {"title": "Lungs", "instant_verification": "on", **settings}
    )
    assert "Instant verification is only for educational reader studies." in (
        refused.content.decode()
    )
    assert not ReaderStudy.objects.filter(title="Lungs").exists()

    response = client.post(
        "/reader-studies/create/",
        {"title": "Lungs", "allow_case_navigation": "on", **settings},
    )
    study = ReaderStudy.objects.get(title="Lungs")
    assert response["Location"] == f"/reader-studies/{study.slug}/questions/"
    assert study.editors_group and study.editors_group.user_set.filter(pk=user.pk).exists()
    detail = client.get(f"/reader-studies/{study.slug}/").content.decode()
    for link in ("Settings", "Questions", "Add cases", "Readers and editors", "Ground truth"):
        assert link in detail

    form = client.get(f"/reader-studies/{study.slug}/settings/").content.decode()
    assert 'value="Lungs"' in form
    refused = client.post(
        f"/reader-studies/{study.slug}/settings/",
        {"title": "Lungs", "enable_autosaving": "on", **settings},
    )
    assert "Autosaving needs answer modification to be allowed." in refused.content.decode()
    client.post(
        f"/reader-studies/{study.slug}/settings/",
        {
            "title": "Lungs II",
            "enable_autosaving": "on",
            "allow_answer_modification": "on",
            **settings,
        },
    )
    study.refresh_from_db()
    assert study.title == "Lungs II" and study.enable_autosaving


def _question(client, slug, **fields):
    data = {"order": 100, "score_tolerance_mm": 1.0, "answer_type": "TEXT", **fields}
    return client.post(f"/reader-studies/{slug}/questions/", data)


def test_questions_of_several_types_and_refusals_naming_them(client):
    editor = new_user()
    study, case = study_with_case(editor)
    login(client, editor)
    slug = study.slug

    assert (
        _question(
            client, slug, question_text="Finding", answer_type="CHOI", options="Nodule *\nMass"
        ).status_code
        == 302
    )
    assert (
        _question(
            client,
            slug,
            question_text="Size",
            answer_type="NUMB",
            answer_min_value=0,
            answer_max_value=50,
            answer_step_size="0.5",
        ).status_code
        == 302
    )
    assert (
        _question(client, slug, question_text="Code", answer_match_pattern="^[A-Z]{3}$").status_code
        == 302
    )
    assert (
        _question(
            client,
            slug,
            question_text="Lesion mask",
            answer_type="MASK",
            image_port="M",
            required="",
            overlay_segments='[{"name": "lesion", "voxel_value": 1, "visible": true}]',
        ).status_code
        == 302
    )

    page = client.get(f"/reader-studies/{slug}/questions/").content.decode()
    assert "Nodule (default), Mass" in page
    assert "from 0 to 50" in page
    assert "step 0.5" in page
    assert "^[A-Z]{3}$" in page
    assert "lesion = 1" in page

    refused = _question(client, slug, question_text="Extent", answer_type="2DBB").content.decode()
    assert "Question &#x27;Extent&#x27;: An annotation question needs an image port." in refused
    refused = _question(
        client,
        slug,
        question_text="Grade",
        answer_type="CHOI",
        widget="RADIO_SELECT",
        options="A *\nB *",
    ).content.decode()
    assert "At most one option is the default." in refused
    assert study.questions.count() == 4

    size = study.questions.get(question_text="Size")
    services.answer_create(creator=editor, question=size, display_set=case, answer=2.5)
    refused = client.post(
        f"/reader-studies/{slug}/questions/", {"action": "delete", "question": size.pk}
    )
    assert (
        "Question &#x27;Size&#x27; has answers and cannot be deleted."
        in client.get(refused["Location"]).content.decode()
    )
    code = study.questions.get(question_text="Code")
    client.post(f"/reader-studies/{slug}/questions/", {"action": "delete", "question": code.pk})
    assert study.questions.count() == 3


def test_readers_are_added_and_ground_truth_imported_from_the_example_csv(client):
    editor, reader = new_user(), new_user()
    study, case = study_with_case(editor)
    services.question_create(
        reader_study=study,
        question_text="Finding",
        answer_type="CHOI",
        widget="RADIO_SELECT",
        options=[{"title": "Nodule"}, {"title": "Mass"}],
    )
    login(client, editor)
    slug = study.slug

    refused = client.post(
        f"/reader-studies/{slug}/members/",
        {"action": "add", "username": "nobody-here", "role": "readers"},
    )
    assert "There is no active user" in refused.content.decode()
    client.post(
        f"/reader-studies/{slug}/members/",
        {"action": "add", "username": reader.username, "role": "readers"},
    )
    assert study.readers_group and study.readers_group.user_set.filter(pk=reader.pk).exists()
    assert reader.username in client.get(f"/reader-studies/{slug}/members/").content.decode()

    example = client.get(f"/reader-studies/{slug}/ground-truth/example.csv")
    assert example["Content-Disposition"].startswith("attachment")
    text = b"".join(example.streaming_content if example.streaming else [example.content])
    assert text.decode() == ground_truth.example_csv(reader_study=study)
    assert str(case.pk) in text.decode()

    bad = text.decode().replace("'\"Nodule\"'", "'\"Cyst\"'")
    page = client.post(
        f"/reader-studies/{slug}/ground-truth/",
        {"ground_truth": SimpleUploadedFile("gt.csv", bad.encode())},
    ).content.decode()
    assert "Finding" in page and "Cyst" in page
    assert not Answer.objects.filter(is_ground_truth=True).exists()

    client.post(
        f"/reader-studies/{slug}/ground-truth/",
        {"ground_truth": SimpleUploadedFile("gt.csv", text)},
    )
    nodule = study.questions.get().options.get(title="Nodule")
    assert Answer.objects.get(is_ground_truth=True).answer == nodule.pk
    assert (
        "This study has ground truth"
        in client.get(f"/reader-studies/{slug}/ground-truth/").content.decode()
    )

    refused = client.post(f"/reader-studies/{slug}/ground-truth/", {"action": "from-my-answers"})
    assert refused.status_code == 302
    assert "already has ground truth" in client.get(refused["Location"]).content.decode()
    client.post(f"/reader-studies/{slug}/ground-truth/", {"action": "delete"})
    assert not Answer.objects.filter(is_ground_truth=True).exists()
    page = client.get(f"/reader-studies/{slug}/ground-truth/").content.decode()
    assert "Ground truth deleted: 1 answers." in page
    client.post(f"/reader-studies/{slug}/ground-truth/", {"action": "from-my-answers"})
    assert (
        "has not answered every question"
        in client.get(f"/reader-studies/{slug}/ground-truth/").content.decode()
    )

    login(client, reader)
    for page in ("questions/", "members/", "ground-truth/", "ground-truth/example.csv"):
        assert client.get(f"/reader-studies/{slug}/{page}").status_code == 404
