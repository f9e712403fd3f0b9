"""Editors give ground truth for a drawing question from the ground-truth page: a JSON
file of {case title or id: annotation JSON}, each drawing checked as a reader's answer,
imported whole or not at all, refusals naming the case and the question; readers' drawings
are scored against it."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from reader_studies import services
from reader_studies.models import Answer
from tests.archives.helpers import login
from tests.reader_studies.helpers import BOX, new_user, question_for, study_with_case

pytestmark = pytest.mark.django_db

POINT = {"type": "Point", "version": {"major": 1, "minor": 0}, "point": [3, 4, 0.5]}


def _post(client, study, question, data):  # type: ignore[no-untyped-def]
    upload = SimpleUploadedFile("truth.json", json.dumps(data).encode())
    return client.post(
        f"/reader-studies/{study.slug}/ground-truth/",
        {"action": "drawn", "drawn-question": str(question.pk), "drawn-annotations": upload},
    )


def test_drawn_ground_truth_from_a_json_file(client):
    editor, reader = new_user(), new_user()
    study, case = study_with_case(editor)
    second = services.display_set_create(reader_study=study, title="case 2")
    second.values.set(case.values.all())
    lesion = question_for(study, "POIN", question_text="Lesion centre")
    question_for(study, "2DBB", question_text="Extent")
    services.reader_study_member_add(reader_study=study, role="readers", user=reader, actor=editor)
    services.answer_create(creator=reader, question=lesion, display_set=case, answer=POINT)
    login(client, editor)

    page = client.get(f"/reader-studies/{study.slug}/ground-truth/").content.decode()
    assert "Drawings from a JSON file" in page
    assert "Lesion centre (Point)" in page and "Extent (2D bounding box)" in page

    outside = {**POINT, "point": [300, 4, 0.5]}
    refused = _post(
        client,
        study,
        lesion,
        {"case 1": POINT, str(second.pk): outside, "case 9": POINT, "case 2": BOX},
    ).content.decode()
    assert "Case &#x27;" + str(second.pk) + "&#x27;: Question &#x27;Lesion centre&#x27;: " in (
        refused
    )
    assert "lies outside the image" in refused
    assert "Case &#x27;case 9&#x27;: no display set of this study has this title or id." in refused
    assert "Case &#x27;case 2&#x27;: Question &#x27;Lesion centre&#x27;: Not a valid Point" in (
        refused
    )
    assert not Answer.objects.filter(is_ground_truth=True).exists()  # all or nothing

    page = _post(client, study, lesion, "not an object")
    assert "Give {&quot;&lt;case title or id&gt;&quot;" in page.content.decode()
    bad = SimpleUploadedFile("truth.json", b"{oops")
    page = client.post(
        f"/reader-studies/{study.slug}/ground-truth/",
        {"action": "drawn", "drawn-question": str(lesion.pk), "drawn-annotations": bad},
    )
    assert "The file is not JSON" in page.content.decode()

    moved = {**POINT, "point": [20, 20, 0.5]}
    done = _post(client, study, lesion, {"case 1": POINT, str(second.pk): moved})
    assert done.status_code == 302
    assert "Ground truth of “Lesion centre” imported: 2 cases." in (
        client.get(done["Location"]).content.decode()
    )
    truths = {a.display_set_id: a.answer for a in Answer.objects.filter(is_ground_truth=True)}
    assert truths == {case.pk: POINT, second.pk: moved}
    assert Answer.objects.get(creator=reader).score == 1.0  # the reader's point is on it

    login(client, reader)
    assert _post(client, study, lesion, {"case 1": moved}).status_code == 404
    assert Answer.objects.get(is_ground_truth=True, display_set=case).answer == POINT
