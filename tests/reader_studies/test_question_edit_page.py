"""Editors edit a question from the pages: every field the services take, options kept by
title; once answered, a change to what answers depend on is refused naming the field,
while the editable parts still change. Non-editors get 404."""

import pytest

from components.services import socket_create
from reader_studies import services
from reader_studies.models import Question
from reader_studies.services import QUESTION_FIELDS
from tests.archives.helpers import login
from tests.reader_studies.helpers import new_user, question_for, study_with_case

pytestmark = pytest.mark.django_db


def _form(question: Question, **changes: object) -> dict[str, object]:
    """What the edit page posts: the question's current values, then changes."""
    unposted = ("interface", "overlay_segments", "required", "empty_answer_confirmation")
    data: dict[str, object] = {
        name: "" if getattr(question, name) is None else getattr(question, name)
        for name in QUESTION_FIELDS
        if name not in unposted
    }
    data["interface"] = question.interface_id or ""
    data["overlay_segments"] = "[]"
    data |= {
        "options": "\n".join(
            o.title + (" *" if o.default else "") for o in question.options.order_by("id")
        ),
    }
    if question.required:
        data["required"] = "on"
    if question.empty_answer_confirmation:
        data["empty_answer_confirmation"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _url(question: Question) -> str:
    return f"/reader-studies/{question.reader_study.slug}/questions/{question.pk}/"


def test_every_field_of_an_unanswered_question_changes_from_its_page(client):
    editor = new_user()
    study, _case = study_with_case(editor)
    size = question_for(study, "NUMB", question_text="Size")
    measured = socket_create(title="Measured size", kind="Float", relative_path="size.json")
    login(client, editor)

    page = client.get(f"/reader-studies/{study.slug}/questions/").content.decode()
    assert f'href="{_url(size)}"' in page
    form = client.get(_url(size)).content.decode()
    assert "Edit the question “Size”" in form
    for label in (
        "Socket that pre-fills the answer",
        "Default annotation colour",
        "Ask the reader to confirm an empty answer",
        "Confirmation text",
        "Form direction",
        "Overlay segments",
        "Image port",
        "Widget",
    ):
        assert label in form

    response = client.post(
        _url(size),
        _form(
            size,
            question_text="Longest diameter",
            help_text="In mm",
            required=None,
            widget="NUMBER_RANGE",
            answer_min_value=0,
            answer_max_value=80,
            answer_step_size="0.5",
            direction="V",
            order=7,
            interface=measured.pk,
            empty_answer_confirmation="on",
            empty_answer_confirmation_label="No lesion seen",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == f"/reader-studies/{study.slug}/questions/"
    size.refresh_from_db()
    assert (size.question_text, size.help_text) == ("Longest diameter", "In mm")
    assert not size.required
    assert (size.widget, size.answer_min_value, size.answer_max_value) == ("NUMBER_RANGE", 0, 80)
    assert float(size.answer_step_size or 0) == 0.5
    assert (size.direction, size.order, size.interface_id) == ("V", 7, measured.pk)
    assert size.empty_answer_confirmation
    assert size.empty_answer_confirmation_label == "No lesion seen"
    assert "Question “Longest diameter” saved." in client.get(response["Location"]).content.decode()

    # a mask question: overlay segments, colour and port; a bad colour is named
    mask = question_for(study, "MASK", question_text="Outline", required=False)
    segments = '[{"name": "lesion", "voxel_value": 1, "visible": true}]'
    refused = client.post(
        _url(mask), _form(mask, overlay_segments=segments, default_annotation_color="red")
    )
    assert refused.status_code == 200
    assert "Use a colour like #ff0000." in refused.content.decode()
    client.post(
        _url(mask),
        _form(mask, overlay_segments=segments, default_annotation_color="#00ff00", image_port="S"),
    )
    mask.refresh_from_db()
    assert mask.overlay_segments == [{"name": "lesion", "voxel_value": 1, "visible": True}]
    assert (mask.default_annotation_color, mask.image_port) == ("#00ff00", "S")
    refused = client.post(
        _url(mask), _form(mask, overlay_segments='[{"name": "lesion", "voxel_value": 1}]')
    ).content.decode()
    assert "Invalid overlay segments: &#x27;visible&#x27; is a required property" in refused


def test_an_answered_question_keeps_what_answers_depend_on(client):
    editor = new_user()
    study, case = study_with_case(editor)
    finding = question_for(study, "CHOI", question_text="Finding")
    yes = finding.options.get(title="yes")
    services.answer_create(creator=editor, question=finding, display_set=case, answer=yes.pk)
    login(client, editor)

    form = client.get(_url(finding)).content.decode()
    assert "This question has answers" in form
    assert "Locked: the question has answers." in form

    refused = client.post(_url(finding), _form(finding, widget="SELECT", help_text="Pick one"))
    assert refused.status_code == 200
    assert "Question &#x27;Finding&#x27; has answers: its widget cannot change." in (
        refused.content.decode()
    )
    refused = client.post(_url(finding), _form(finding, options="yes *")).content.decode()
    assert "its options cannot be removed" in refused
    finding.refresh_from_db()
    assert (finding.widget, finding.help_text) == ("RADIO_SELECT", "")  # nothing half-written
    assert finding.options.count() == 2

    # help text, order and options (a rename keeps the option, a new line adds one) may change
    response = client.post(
        _url(finding),
        _form(finding, help_text="Pick one", order=5, options="yes *\nnone\nmaybe"),
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert (finding.help_text, finding.order) == ("Pick one", 5)
    titles = {o.id: o.title for o in finding.options.all()}
    assert titles[yes.pk] == "yes" and sorted(titles.values()) == ["maybe", "none", "yes"]


def test_only_editors_reach_the_edit_page(client):
    editor, reader, stranger = new_user(), new_user(), new_user()
    study, _case = study_with_case(editor)
    services.reader_study_member_add(reader_study=study, role="readers", user=reader, actor=editor)
    question = question_for(study, "TEXT", question_text="Notes")
    for user in (reader, stranger):
        login(client, user)
        assert client.get(_url(question)).status_code == 404
        assert client.post(_url(question), _form(question, question_text="x")).status_code == 404
    question.refresh_from_db()
    assert question.question_text == "Notes"
    client.logout()
    assert client.get(_url(question)).status_code == 302  # to the sign-in page
    other, _ = study_with_case(editor, title="Other study")
    login(client, editor)
    wrong = f"/reader-studies/{other.slug}/questions/{question.pk}/"
    assert client.get(wrong).status_code == 404  # the question is not the other study's
