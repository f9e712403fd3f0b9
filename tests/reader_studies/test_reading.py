"""The reading page: who may open it, the form per answer type, saving all-or-none, and
each reading setting (navigation, modification, roll-over, shuffle, pre-fill from the
case, educational verification, end of study, autosave, viewing as a reader)."""

import datetime
import json

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from app.access_requests import access_request_create, access_request_decide
from app.permissions import CREATOR_GROUPS
from components.kinds import Kind
from components.services import socket_create, socket_value_create
from reader_studies import selectors, services
from reader_studies.models import Answer
from tests.archives.helpers import login
from tests.reader_studies.helpers import (
    BOX,
    geometry_image,
    new_user,
    question_for,
    study_with_case,
)

pytestmark = pytest.mark.django_db


def add_cases(study, n):
    from components.models import ComponentInterface

    socket = ComponentInterface.objects.get(slug="generic-medical-image")
    image = geometry_image("more")
    cases = []
    first = study.display_sets.count() + 1
    for i in range(n):
        case = services.display_set_create(reader_study=study, title=f"case {first + i}")
        case.values.add(socket_value_create(socket=socket, image=image))
        cases.append(case)
    return cases


def reading_study(**settings):
    editor, reader = new_user(), new_user()
    study, case = study_with_case(editor, **settings)
    services.reader_study_member_add(reader_study=study, role="readers", user=reader, actor=editor)
    return editor, reader, study, case


def url(study, case=None, **query):
    base = f"/reader-studies/{study.slug}/read/" + (f"{case.pk}/" if case else "")
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_only_readers_read_and_others_may_request_access(client):
    editor, _reader, study, case = reading_study(public=True, description="Open to ask")
    outsider = new_user()
    assert client.get(url(study)).status_code == 302  # to sign in
    login(client, outsider)
    page = client.get(url(study, case))
    assert page.status_code == 403
    text = page.content.decode()
    assert f'href="/reader-studies/{study.slug}/#access-request">Request access</a>' in text
    assert "the study&#x27;s editors decide" in text
    private, private_case = study_with_case(editor, title="Private")
    assert client.get(url(private, private_case)).status_code == 404


def test_a_reader_answers_every_widget_and_moves_on(client):
    _editor, reader, study, case = reading_study()
    second = add_cases(study, 1)[0]
    choice = question_for(study, "CHOI", question_text="Lesion?", order=1)
    number = question_for(
        study,
        "NUMB",
        question_text="Size",
        widget="NUMBER_INPUT",
        answer_min_value=0,
        answer_max_value=50,
        answer_step_size="0.5",
        order=2,
    )
    text = question_for(
        study, "TEXT", question_text="Note", answer_match_pattern="^[a-z ]*$", order=3
    )
    flag = question_for(study, "BOOL", question_text="Urgent", order=4)
    multi = question_for(
        study, "MCHO", question_text="Where", widget="CHECKBOX_SELECT_MULTIPLE", order=5
    )
    box = question_for(study, "2DBB", question_text="Box it", order=6)
    mask = question_for(study, "MASK", question_text="Paint it", order=7, required=False)
    login(client, reader)

    response = client.get(url(study))
    assert response.status_code == 302 and response["Location"] == url(study, case)
    page = client.get(url(study, case)).content.decode()
    yes, no = choice.options.order_by("id")
    assert "Case 1 of 2" in page and "0 of 2 cases answered" in page
    assert f'type="radio" name="q-{choice.pk}" value="{yes.id}" checked' in page  # default option
    assert f'name="q-{number.pk}" value="" min="0" max="50" step="0.500"' in page
    assert 'pattern="^[a-z ]*$"' in page
    assert f'name="q-{flag.pk}" value="true"' in page
    here, there = multi.options.order_by("id")
    assert f'type="checkbox" name="q-{multi.pk}" value="{here.id}" checked' in page
    assert f'data-annotation="{box.pk}"' in page and "Draw (2D bounding box)" in page
    assert f'name="q-{mask.pk}" value="" data-mask="{mask.pk}"' in page  # painted in the viewer
    assert "Keyboard shortcuts" in page
    mask.delete()  # without the page's script no label map is posted: the case stays open

    post = {
        f"q-{choice.pk}": str(no.id),
        f"q-{number.pk}": "7.3",  # off the 0.5 step
        f"q-{text.pk}": "looks fine",
        f"q-{flag.pk}": "false",
        f"q-{multi.pk}": [str(here.id), str(there.id)],
        f"q-{box.pk}": json.dumps(BOX),
        "duration_ms": "4200",
    }
    refused = client.post(url(study, case), post)
    assert refused.status_code == 400
    assert "Question &#x27;Size&#x27;" in refused.content.decode()
    assert 'value="7.3"' in refused.content.decode()  # what the reader typed stays
    assert not Answer.objects.filter(creator=reader).exists()  # nothing half-written

    post[f"q-{number.pk}"] = "7.5"
    saved = client.post(url(study, case), post)
    assert saved.status_code == 302 and saved["Location"] == url(study, second)
    mine = {a.question_id: a for a in Answer.objects.filter(creator=reader)}
    assert mine[choice.pk].answer == no.id
    assert mine[number.pk].answer == 7.5
    assert mine[flag.pk].answer is False
    assert mine[multi.pk].answer == [here.id, there.id]
    assert mine[box.pk].answer == BOX
    assert mine[box.pk].total_edit_duration == datetime.timedelta(seconds=4.2)
    assert mask.pk not in mine
    assert "1 of 2 cases answered" in client.get(url(study, second)).content.decode()


def test_each_widget_shows_its_own_control(client):
    _editor, reader, study, case = reading_study()
    side = question_for(study, "CHOI", question_text="Side", widget="SELECT")
    sites = question_for(study, "MCHO", question_text="Sites", widget="SELECT_MULTIPLE")
    grade = question_for(
        study,
        "NUMB",
        question_text="Grade",
        widget="NUMBER_RANGE",
        answer_min_value=1,
        answer_max_value=5,
        answer_step_size="1",
    )
    notes = question_for(
        study, "TEXT", question_text="Notes", widget="TEXT_AREA", answer_max_length=200
    )
    question_for(study, "HEAD", question_text="Findings")
    login(client, reader)
    page = client.get(url(study, case)).content.decode()
    assert f'<select name="q-{side.pk}"><option value="">—</option>' in page
    assert f'<select name="q-{sites.pk}" multiple>' in page
    assert f'<input type="range" name="q-{grade.pk}" min="1" max="5" step="1.000" value="1"' in page
    assert f'<textarea name="q-{notes.pk}" rows="4" maxlength="200">' in page
    assert '<h3 class="question-heading">Findings</h3>' in page


def test_without_navigation_or_modification_the_reader_goes_forward_only(client):
    _editor, reader, study, case = reading_study()
    second = add_cases(study, 1)[0]
    number = question_for(study, "NUMB", question_text="Size", widget="NUMBER_INPUT")
    login(client, reader)
    assert client.get(url(study, second))["Location"] == url(study)
    page = client.get(url(study, case)).content.decode()
    assert "Previous case" not in page and "Next case (n)" not in page
    client.post(url(study, case), {f"q-{number.pk}": "3"})
    # the answered case is no longer reachable, the next is
    assert client.get(url(study, case))["Location"] == url(study)
    assert client.get(url(study, second)).status_code == 200
    # and an answer is never changed, whatever is posted
    services.reader_study_update(reader_study=study, allow_case_navigation=True)
    page = client.get(url(study, case)).content.decode()
    assert f'id="question-{number.pk}" data-type="NUMB" disabled' in page
    assert "does not allow changing answers" in page
    client.post(url(study, case), {f"q-{number.pk}": "4"})
    assert Answer.objects.get(creator=reader).answer == 3


def test_navigation_next_unanswered_and_modification(client):
    _editor, reader, study, case = reading_study(
        allow_case_navigation=True, allow_answer_modification=True
    )
    second, third = add_cases(study, 2)
    number = question_for(study, "NUMB", question_text="Size", widget="NUMBER_INPUT")
    login(client, reader)
    client.post(url(study, second), {f"q-{number.pk}": "2"})
    page = client.get(url(study, case)).content.decode()
    assert f'href="{url(study, second)}" rel="next"' in page
    assert f'href="{url(study, third)}">Next unanswered case' in page
    # saving goes to the next unanswered case, skipping the answered one
    assert client.post(url(study, case), {f"q-{number.pk}": "1"})["Location"] == url(study, third)
    assert client.post(url(study, second), {f"q-{number.pk}": "5"}).status_code == 302
    assert Answer.objects.get(creator=reader, display_set=second).answer == 5


def test_the_next_unanswered_case_wraps_round_and_the_progress_counts_complete_cases(client):
    _editor, reader, study, case = reading_study(allow_case_navigation=True)
    second, third = add_cases(study, 2)
    number = question_for(study, "NUMB", widget="NUMBER_INPUT")
    question_for(study, "HEAD", question_text="Findings")  # a heading needs no answer
    for done in (second, third):
        services.answer_create(creator=reader, question=number, display_set=done, answer=1)
    login(client, reader)
    assert client.get(url(study))["Location"] == url(study, case)
    page = client.get(url(study, third)).content.decode()
    assert "<h1>Case 3 of 3" in page
    assert "2 of 3 cases answered" in page
    assert f'href="{url(study, second)}" rel="prev"' in page
    assert 'rel="next"' not in page  # the last case
    assert f'href="{url(study, case)}">Next unanswered case' in page  # from the start again


def test_shuffle_is_stable_per_reader(client):
    editor, reader, study, _case = reading_study(
        shuffle_hanging_list=True, allow_case_navigation=True
    )
    add_cases(study, 7)
    question_for(study, "NUMB", question_text="Size", widget="NUMBER_INPUT")
    other = new_user()
    services.reader_study_member_add(reader_study=study, role="readers", user=other, actor=editor)

    def order(user):
        cases = selectors.in_reading_order(study.display_sets.all(), reader_study=study, user=user)
        return list(cases.values_list("pk", flat=True))

    mine = order(reader)
    assert mine == order(reader)
    assert mine != order(other)
    assert sorted(mine) == sorted(order(other))
    login(client, reader)
    assert client.get(url(study))["Location"] == url(study).rstrip("/") + f"/{mine[0]}/"
    # the page numbers and links cases in the same order
    page = client.get(f"{url(study)}{mine[3]}/").content.decode()
    assert "<h1>Case 4 of 8" in page
    assert f'href="{url(study)}{mine[4]}/" rel="next"' in page


def test_roll_over_and_pre_fill_from_the_case(client):
    _editor, reader, study, case = reading_study(roll_over_answers_for_n_cases=1)
    second, third = add_cases(study, 2)
    socket = socket_create(title="Estimated size", kind=Kind.FLOAT, relative_path="size.json")
    case.values.add(socket_value_create(socket=socket, value=12.5))
    third.values.add(socket_value_create(socket=socket, value=8.0))
    estimate = question_for(
        study, "NUMB", question_text="Size", widget="NUMBER_INPUT", interface=socket, order=1
    )
    note = question_for(study, "TEXT", question_text="Note", required=False, order=2)
    login(client, reader)
    page = client.get(url(study, case)).content.decode()
    assert f'name="q-{estimate.pk}" value="12.5"' in page
    assert "Pre-filled from the case's Estimated size" in page
    client.post(url(study, case), {f"q-{estimate.pk}": "11", f"q-{note.pk}": "first"})
    page = client.get(url(study, second)).content.decode()  # rolls over from case 1
    assert f'name="q-{estimate.pk}" value="11"' in page
    assert f'name="q-{note.pk}" value="first"' in page
    assert "Started from your answer to an earlier case (roll-over)" in page
    client.post(url(study, second), {f"q-{estimate.pk}": "11", f"q-{note.pk}": "first"})
    page = client.get(url(study, third)).content.decode()  # a new block: the case's value
    assert f'name="q-{estimate.pk}" value="8.0"' in page


def test_educational_instant_verification_and_end_of_study(client):
    editor, reader, study, case = reading_study(
        is_educational=True,
        instant_verification=True,
        end_of_study_text_markdown="Thanks, **well done**.",
    )
    choice = question_for(study, "CHOI", question_text="Lesion?")
    yes, no = choice.options.order_by("id")
    services.answer_create(
        creator=editor, question=choice, display_set=case, answer=yes.id, is_ground_truth=True
    )
    Answer.objects.filter(is_ground_truth=True).update(explanation="It is bright.")
    login(client, reader)
    page = client.get(url(study, case)).content.decode()
    assert "Correct answer" not in page and "Save and verify" in page
    response = client.post(url(study, case), {f"q-{choice.pk}": str(no.id)})
    assert response["Location"] == url(study, case, verify="1")
    page = client.get(response["Location"]).content.decode()
    assert "Correct answer: <strong>yes</strong> · your score: <strong>0.00</strong>" in page
    assert "It is bright." in page
    done = client.get(url(study)).content.decode()
    assert "Thanks, <strong>well done</strong>." in done
    assert "1 of 1 case answered" in done


def test_empty_answer_confirmation_and_autosave(client):
    _editor, reader, study, case = reading_study(
        allow_answer_modification=True, enable_autosaving=True
    )
    box = question_for(
        study,
        "2DBB",
        question_text="Box it",
        required=False,
        empty_answer_confirmation=True,
        empty_answer_confirmation_label="There is nothing to box",
    )
    size = question_for(study, "NUMB", question_text="Size", widget="NUMBER_INPUT", order=200)
    login(client, reader)
    refused = client.post(url(study, case), {f"q-{size.pk}": "2"})
    assert "confirm the empty answer (There is nothing to box)" in refused.content.decode()
    # autosave keeps what is filled in and leaves empty questions for later
    saved = client.post(
        url(study, case), {f"q-{size.pk}": "2", "autosave": "1"}, HTTP_ACCEPT="application/json"
    )
    assert saved.json() == {"saved": True}
    assert Answer.objects.get(creator=reader).answer == 2
    bad = client.post(
        url(study, case), {f"q-{size.pk}": "x", "autosave": "1"}, HTTP_ACCEPT="application/json"
    )
    assert bad.status_code == 400 and "Size" in json.dumps(bad.json())
    done = client.post(url(study, case), {f"q-{size.pk}": "3", f"q-{box.pk}-confirm-empty": "1"})
    assert done.status_code == 302
    assert {a.question_id: a.answer for a in Answer.objects.filter(creator=reader)} == {
        size.pk: 3,
        box.pk: None,
    }
    # without case navigation, the complete case still takes the page's last (auto)save
    again = client.post(
        url(study, case),
        {f"q-{size.pk}": "4", f"q-{box.pk}-confirm-empty": "1", "autosave": "1"},
        HTTP_ACCEPT="application/json",
    )
    assert again.json() == {"saved": True}
    assert Answer.objects.get(creator=reader, question=size).answer == 4
    assert client.get(url(study, case))["Location"] == url(study)  # but is not shown again


def test_editors_view_as_a_reader_read_only(client):
    editor, reader, study, case = reading_study()
    number = question_for(study, "NUMB", question_text="Size", widget="NUMBER_INPUT")
    services.answer_create(creator=reader, question=number, display_set=case, answer=4)
    login(client, editor)
    page = client.get(url(study, case, reader=reader.username)).content.decode()
    assert f"Viewing as {reader.username}" in page
    assert f'name="q-{number.pk}" value="4"' in page and "disabled" in page
    assert client.post(url(study, case, reader=reader.username), {}).status_code == 403
    login(client, reader)
    assert client.get(url(study, case, reader=editor.username)).status_code == 403
    detail = client.get(f"/reader-studies/{study.slug}/").content.decode()
    assert f'href="/reader-studies/{study.slug}/read/">Review your reading' in detail


def test_reading_page_queries_do_not_grow_with_the_study(client):
    _editor, reader, study, case = reading_study(allow_case_navigation=True)
    for t in ("NUMB", "CHOI", "2DBB"):
        question_for(study, t, **({"widget": "NUMBER_INPUT"} if t == "NUMB" else {}))
    login(client, reader)

    def count():
        client.get(url(study, case))  # caches (content types, permissions) warm alike
        with CaptureQueriesContext(connection) as q:
            assert client.get(url(study, case)).status_code == 200
        return len(q)

    def answer_new_cases(n: int) -> None:
        for other in add_cases(study, n):
            services.answer_create(
                creator=reader,
                question=study.questions.get(answer_type="NUMB"),
                display_set=other,
                answer=1,
            )

    answer_new_cases(2)  # a reader with some answers: the page's full set of queries
    before = count()
    answer_new_cases(6)
    assert count() == before
    assert selectors.may_read(reader, study)


def test_questions_changed_while_reading_show_on_the_next_page(client):
    """The page keeps a study's questions between cases; an edit, a new question or a
    deleted one shows at once."""
    _editor, reader, study, case = reading_study(allow_case_navigation=True)
    choice = question_for(study, "CHOI", question_text="Lesion?")
    yes, no = choice.options.order_by("id")
    login(client, reader)
    assert "Lesion?" in client.get(url(study, case)).content.decode()
    options = [{"id": yes.id, "title": "present"}, {"id": no.id, "title": "absent"}]
    services.question_update(question=choice, question_text="Nodule?", options=options)
    question_for(study, "NUMB", question_text="Size in mm", widget="NUMBER_INPUT")
    page = client.get(url(study, case)).content.decode()
    assert "Nodule?" in page and "Lesion?" not in page
    assert "present" in page and "Size in mm" in page
    choice.delete()
    assert "Nodule?" not in client.get(url(study, case)).content.decode()


def test_the_reading_page_leaves_an_access_decision_to_the_next_other_page(client):
    """Read case after case, the page spares the decision query; the notice waits."""
    _editor, reader, study, case = reading_study(allow_case_navigation=True)
    rights = Group.objects.get(name=CREATOR_GROUPS["archives.Archive"])
    asked = access_request_create(user=reader, target=rights, reason="to share cases")
    access_request_decide(access_request=asked, accept=True, actor=new_user(is_staff=True))
    login(client, reader)
    told = "Your request for archive creator rights was accepted."
    assert told not in client.get(url(study, case)).content.decode()
    assert told in client.get("/reader-studies/").content.decode()
    assert told not in client.get("/reader-studies/").content.decode()


def test_a_painted_mask_is_saved_with_the_cases_answers_all_or_none(client):
    """The page posts the upload session its label map was built by; the mask is checked
    as the API checks it, and a bad mask keeps every answer of the case from being saved."""
    from tests.reader_studies.helpers import mask_session

    _editor, reader, study, case = reading_study(allow_answer_modification=True)
    segments = [{"name": "lesion", "voxel_value": 1, "visible": True}]
    mask = question_for(study, "MASK", question_text="Paint it", overlay_segments=segments)
    size = question_for(study, "NUMB", question_text="Size", widget="NUMBER_INPUT", order=200)
    login(client, reader)
    page = client.get(url(study, case)).content.decode()
    block = f'id="q-{mask.pk}-layer" type="application/json">'
    config = json.loads(page.split(block)[1].split("<")[0])
    assert config["segments"] == [{"name": "lesion", "voxel_value": 1}]
    assert config["geometry"] == {
        "size": [40, 30],
        "spacing": [1.0, 1.0],
        "origin": [0.0, 0.0],
        "direction": [1.0, 0.0, 0.0, 1.0],
    }
    assert config["saved"] is None and config["socket"] == "generic-medical-image"

    wrong = mask_session(reader, segments=[0, 1, 7])
    refused = client.post(
        url(study, case),
        {f"q-{mask.pk}": json.dumps({"upload_session_pk": str(wrong.pk)}), f"q-{size.pk}": "3"},
    )
    assert refused.status_code == 400
    problem = "Question &#x27;Paint it&#x27;: The mask holds voxel values [7]"
    assert problem in refused.content.decode()
    assert not Answer.objects.filter(creator=reader).exists()  # nothing half-written

    good = mask_session(reader)
    saved = client.post(
        url(study, case),
        {f"q-{mask.pk}": json.dumps({"upload_session_pk": str(good.pk)}), f"q-{size.pk}": "3"},
    )
    assert saved.status_code == 302
    answer = Answer.objects.get(creator=reader, question=mask)
    assert answer.answer == {"upload_session_pk": str(good.pk)}
    assert answer.answer_image is not None and answer.answer_image.origin_id == good.pk
    # a save without a new label map keeps the saved mask
    client.post(url(study, case), {f"q-{mask.pk}": "", f"q-{size.pk}": "4"})
    kept = Answer.objects.get(creator=reader, question=mask)
    assert kept.answer_image_id == answer.answer_image_id
    assert Answer.objects.get(creator=reader, question=size).answer == 4


def test_show_all_toggle_and_drawn_ground_truth_only_where_the_study_says(client):
    editor, reader, study, case = reading_study(is_educational=True, allow_case_navigation=True)
    box = question_for(study, "2DBB", question_text="Box it")
    truth = dict(BOX, corners=[[1, 1, 0.5], [9, 1, 0.5], [9, 7, 0.5], [1, 7, 0.5]])
    services.answer_create(
        creator=editor, question=box, display_set=case, answer=truth, is_ground_truth=True
    )
    login(client, reader)
    block = f'id="q-{box.pk}-layer" type="application/json">'

    def layer() -> dict:
        page = client.get(url(study, case)).content.decode()
        assert ("Show all annotations" in page) == study.allow_show_all_annotations
        return json.loads(page.split(block)[1].split("<")[0])

    assert layer()["truth"] is None  # not before the reader answered
    services.answer_create(creator=reader, question=box, display_set=case, answer=BOX)
    assert layer()["truth"] == truth  # drawn beside the reader's box
    services.reader_study_update(reader_study=study, allow_show_all_annotations=True)
    study.refresh_from_db()
    layer()


@pytest.mark.parametrize(
    ("kind", "value", "problem"),
    [
        ("CHOI", "999999", "999999 is not one of the options"),
        (
            "2DBB",
            json.dumps({**BOX, "corners": [[5000, 0, 0]] * 4}),
            "outside",
        ),
    ],
)
def test_the_reading_page_refuses_a_bad_answer_naming_the_question(client, kind, value, problem):
    _editor, reader, study, case = reading_study()
    question = question_for(study, kind, question_text="The one in question")
    login(client, reader)
    refused = client.post(url(study, case), {f"q-{question.pk}": value})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Question &#x27;The one in question&#x27;" in page
    assert problem in page
    assert not Answer.objects.filter(creator=reader).exists()
