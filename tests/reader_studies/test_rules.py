"""GC's rules for reader studies, questions and answers: each refusal names the question
(or setting) and what is wrong; nothing is written when refused."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from cases.models import Image
from reader_studies import services
from reader_studies.models import Answer, DisplaySet, Question
from tests.reader_studies.helpers import (
    ANSWERS,
    BOX,
    mask_session,
    new_user,
    question_for,
    study_with_case,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("settings", "field", "message"),
    [
        (
            {"roll_over_answers_for_n_cases": 1, "allow_case_navigation": True},
            "allow_case_navigation",
            "Rolling over answers cannot go with case navigation.",
        ),
        (
            {"roll_over_answers_for_n_cases": 2, "shuffle_hanging_list": True},
            "shuffle_hanging_list",
            "Rolling over answers cannot go with a shuffled hanging list.",
        ),
        ({"public": True}, "description", "A public reader study needs a description."),
        (
            {"instant_verification": True},
            "instant_verification",
            "Instant verification is only for educational reader studies.",
        ),
        (
            {"leaderboard_accessible_to_readers": True},
            "leaderboard_accessible_to_readers",
            "Only educational reader studies show readers the leaderboard.",
        ),
        (
            {"enable_autosaving": True},
            "enable_autosaving",
            "Autosaving needs answer modification to be allowed.",
        ),
    ],
)
def test_reading_settings_rules(settings, field, message):
    editor = new_user()
    with pytest.raises(ValidationError) as e:
        services.reader_study_create(creator=editor, title="S", **settings)
    assert e.value.message_dict == {field: [message]}
    assert not Question.objects.exists()


def test_valid_settings_and_roles():
    editor = new_user()
    study = services.reader_study_create(
        creator=editor,
        title="Edu",
        is_educational=True,
        instant_verification=True,
        leaderboard_accessible_to_readers=True,
        allow_answer_modification=True,
        enable_autosaving=True,
        roll_over_answers_for_n_cases=1,
    )
    assert study.slug == "edu"
    assert editor.has_perm("reader_studies.change_readerstudy", study)
    reader = new_user()
    services.reader_study_member_add(reader_study=study, role="readers", user=reader, actor=editor)
    reader = type(reader).objects.get(pk=reader.pk)  # fresh permission cache
    assert reader.has_perm("reader_studies.read_readerstudy", study)
    assert reader.has_perm("reader_studies.view_leaderboard", study)
    assert not reader.has_perm("reader_studies.change_readerstudy", study)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"answer_type": "BOOL", "required": True},
            "required",
            "Bool questions cannot be required.",
        ),
        ({"answer_type": "2DBB"}, "image_port", "An annotation question needs an image port."),
        (
            {"answer_type": "NUMB", "image_port": "M"},
            "image_port",
            "Only annotation questions have an image port.",
        ),
        (
            {"answer_type": "CHOI", "options": [{"title": "a"}]},
            "widget",
            "Choice questions need a widget.",
        ),
        (
            {"answer_type": "CHOI", "widget": "RADIO_SELECT"},
            "options",
            "A choice question needs at least one option.",
        ),
        (
            {"answer_type": "NUMB", "widget": "TEXT_INPUT"},
            "widget",
            "Widget 'Text Input' does not go with Number questions.",
        ),
        (
            {"answer_type": "NUMB", "widget": "NUMBER_RANGE", "answer_min_value": 0},
            "answer_step_size",
            "A number range needs a minimum, a maximum and a step.",
        ),
        (
            {
                "answer_type": "NUMB",
                "widget": "NUMBER_INPUT",
                "answer_min_value": 5,
                "answer_max_value": 5,
            },
            "answer_max_value",
            "The maximum must be greater than the minimum.",
        ),
        (
            {"answer_type": "NUMB", "answer_min_value": 1},
            "answer_min_value",
            "Minimum, maximum and step are only for number questions with a number widget.",
        ),
        (
            {"answer_type": "NUMB", "answer_min_length": 1},
            "answer_min_length",
            "Length and pattern are only for text questions.",
        ),
        (
            {"answer_type": "TEXT", "widget": "TEXT_AREA", "empty_answer_confirmation": True},
            "empty_answer_confirmation",
            "Confirming an empty answer makes no sense for a required question.",
        ),
        (
            {"answer_type": "NUMB", "default_annotation_color": "#ff0000"},
            "default_annotation_color",
            "Only annotation questions have an annotation colour.",
        ),
        (
            {"answer_type": "M2DB", "image_port": "M", "widget": "ACCEPT_REJECT"},
            "widget",
            "Accept/Reject Findings needs a socket with the findings (interface).",
        ),
        (
            {"answer_type": "NUMB", "interface": "generic-medical-image"},
            "interface",
            "A Number question cannot take its default answer from socket "
            "'generic-medical-image' (Image).",
        ),
    ],
)
def test_question_rules(fields, field, message):
    from components.models import ComponentInterface

    editor = new_user()
    study, _ = study_with_case(editor)
    if "interface" in fields:
        fields["interface"] = ComponentInterface.objects.get(slug=fields["interface"])
    with pytest.raises(ValidationError) as e:
        services.question_create(reader_study=study, question_text="Lesion?", **fields)
    assert e.value.message_dict[field] == [f"Question 'Lesion?': {message}"]
    assert not Question.objects.exists()


def _answer(user, question, case, value, **kw):
    return services.answer_create(
        creator=user, question=question, display_set=case, answer=value, **kw
    )


def test_every_answer_type_is_accepted_and_stored_as_given():
    editor = new_user()
    study, case = study_with_case(editor)
    for code, value in ANSWERS.items():
        question = question_for(study, code)
        if code == "CHOI":
            value = question.options.get(title="no").id
        if code == "MCHO":
            value = sorted(question.options.values_list("id", flat=True))
        answer = _answer(editor, question, case, value)
        assert Answer.objects.get(pk=answer.pk).answer == value


@pytest.mark.parametrize(
    ("code", "fields", "value", "message"),
    [
        (
            "2DBB",
            {},
            {**BOX, "corners": [[0, 0, 0.5], [45, 0, 0.5], [45, 8, 0.5], [0, 8, 0.5]]},
            "The point [45, 0, 0.5] lies outside the image 'slice' (-0.5..39.5 x -0.5..29.5 mm).",
        ),
        ("CHOI", {}, 999, "999 is not one of the options"),
        (
            "NUMB",
            {
                "widget": "NUMBER_INPUT",
                "answer_min_value": 1,
                "answer_max_value": 10,
                "answer_step_size": "0.5",
            },
            2.25,
            "2.25 is not a multiple of the step 0.5 counted from 1.",
        ),
        (
            "NUMB",
            {"widget": "NUMBER_INPUT", "answer_min_value": 1, "answer_max_value": 10},
            11,
            "11 is above the maximum 10.",
        ),
        (
            "TEXT",
            {"answer_match_pattern": r"[A-Z]{3}", "answer_max_length": 5},
            "abc",
            "Enter a valid answer that matches with the requested format ([A-Z]{3}).",
        ),
        ("TEXT", {}, "", "An answer is required."),
        ("MCHO", {}, [1, "x"], "Not a valid Multiple choice answer"),
        ("POIN", {}, {"type": "Point", "point": [1, 2, 0.5]}, "Not a valid Point answer"),
        ("HEAD", {}, None, "Headings are not answerable."),
    ],
)
def test_answer_rules(code, fields, value, message):
    editor = new_user()
    study, case = study_with_case(editor)
    question = question_for(study, code, question_text="Finding?", **fields)
    if code == "CHOI":
        ids = sorted(question.options.values_list("id", flat=True))
        message = f"{message} ({', '.join(map(str, ids))})."
    with pytest.raises(ValidationError) as e:
        _answer(editor, question, case, value)
    (text,) = e.value.message_dict["answer"]
    assert text.startswith(f"Question 'Finding?': {message}")
    assert not Answer.objects.exists()


def test_second_answer_and_modification_and_locked_case():
    editor = new_user()
    study, case = study_with_case(editor)
    question = question_for(study, "NUMB", question_text="Size?")
    first = _answer(editor, question, case, 3, last_edit_duration=datetime.timedelta(seconds=5))
    with pytest.raises(ValidationError) as e:
        _answer(editor, question, case, 4)
    assert e.value.messages == ["Question 'Size?': you already answered it for this display set."]
    with pytest.raises(ValidationError) as e:
        services.answer_update(answer=first, value=4)
    assert e.value.messages == [
        "Question 'Size?': this reader study does not allow changing answers."
    ]
    with pytest.raises(ValidationError) as e:
        services.display_set_update(display_set=case, creator=editor, title="new")
    assert e.value.messages == [
        "This display set cannot be changed, as answers for it already exist."
    ]
    assert DisplaySet.objects.get(pk=case.pk).title == "case 1"
    with pytest.raises(ValidationError) as e:
        services.question_update(question=question, question_text="Diameter?")
    assert e.value.message_dict == {
        "question_text": ["Question 'Size?' has answers: its question_text cannot change."]
    }


def test_edit_durations_accumulate_where_modification_is_allowed():
    editor = new_user()
    study, case = study_with_case(editor, allow_answer_modification=True)
    question = question_for(study, "NUMB")
    answer = _answer(editor, question, case, 3, last_edit_duration=datetime.timedelta(seconds=5))
    answer = services.answer_update(
        answer=answer, value=4, last_edit_duration=datetime.timedelta(seconds=7)
    )
    assert (answer.answer, answer.last_edit_duration, answer.total_edit_duration) == (
        4,
        datetime.timedelta(seconds=7),
        datetime.timedelta(seconds=12),
    )


def test_display_set_order_and_unique_title():
    editor = new_user()
    study, case = study_with_case(editor)
    assert case.order == 10
    second = services.display_set_create(reader_study=study, order=25)
    third = services.display_set_create(reader_study=study)
    assert (second.order, third.order) == (25, 30)
    with pytest.raises(ValidationError) as e:
        services.display_set_create(reader_study=study, title="case 1")
    assert e.value.message_dict == {
        "title": ["The reader study already has a display set titled 'case 1'."]
    }


def test_scores_follow_gc_accuracy_rules_and_rescore_on_ground_truth():
    editor, reader = new_user(), new_user()
    study, case = study_with_case(editor)
    services.reader_study_member_add(reader_study=study, role="readers", user=reader, actor=editor)
    mcho = question_for(study, "MCHO", options=[{"title": t} for t in "abc"])
    a, b, c = mcho.options.values_list("id", flat=True)
    numb = question_for(study, "NUMB")
    mine_m = _answer(reader, mcho, case, [a])
    mine_n = _answer(reader, numb, case, 2)
    assert (mine_m.score, mine_n.score) == (None, None)  # no ground truth yet
    _answer(editor, mcho, case, [a, b], is_ground_truth=True)
    _answer(editor, numb, case, 2.0, is_ground_truth=True)
    mine_m.refresh_from_db()
    mine_n.refresh_from_db()
    assert (mine_m.score, mine_n.score) == (0.5, 1.0)  # [a] vs [a, b]: 1 of 2 positions
    other = services.display_set_create(reader_study=study)
    _answer(editor, mcho, other, [b, a], is_ground_truth=True)
    assert _answer(reader, mcho, other, [a, b]).score == 0.0  # positions, not sets
    assert services.calculate_score(mcho, [], []) == 1.0
    assert services.calculate_score(mcho, [a, b, c], [a]) == pytest.approx(1 / 3)


def test_masks_come_from_the_readers_upload_session_and_fit_the_image():
    editor, stranger = new_user(), new_user()
    study, case = study_with_case(editor)
    segments = [{"name": "nodule", "voxel_value": 1, "visible": True}]
    question = question_for(study, "MASK", question_text="Segment", overlay_segments=segments)
    cases = {
        "wrong size": (
            mask_session(editor, shape=(20, 30)),
            "The mask has 30x20 voxels but the image 'slice' has 30x40.",
        ),
        "unknown label": (
            mask_session(editor, segments=[0, 1, 3]),
            "The mask holds voxel values [3] that are not among the question's overlay "
            "segments [1].",
        ),
        "not a label map": (
            mask_session(editor, segments=None),
            None,  # filled below
        ),
        "someone else's": (mask_session(stranger), None),
    }
    not_label = cases["not a label map"][0]
    Image.objects.filter(origin=not_label).update(segments=None)
    cases["not a label map"] = (
        not_label,
        "The mask is not a label map (a single-channel integer image).",
    )
    theirs = cases["someone else's"][0]
    cases["someone else's"] = (theirs, f"{theirs.pk} is not an upload session of yours.")
    # the same shape on another grid: every voxel would cover another part of the image
    stretched = mask_session(editor)
    Image.objects.filter(origin=stretched).update(voxel_width_mm=1.0, voxel_height_mm=0.5)
    cases["other spacing"] = (
        stretched,
        "The mask's voxel spacing (1, 0.5) mm differs from that of the image 'slice', (1, 1) mm.",
    )
    moved = mask_session(editor)
    Image.objects.filter(origin=moved).update(origin_mm=[0.0, 12.5])
    cases["other origin"] = (
        moved,
        "The mask's origin (0, 12.5) differs from that of the image 'slice', (0, 0).",
    )
    for name, (session, message) in cases.items():
        with pytest.raises(ValidationError) as e:
            _answer(editor, question, case, {"upload_session_pk": str(session.pk)})
        assert e.value.message_dict == {"answer": [f"Question 'Segment': {message}"]}, name
    good = mask_session(editor)
    answer = _answer(editor, question, case, {"upload_session_pk": str(good.pk)})
    assert answer.answer_image == Image.objects.get(origin=good)


def test_answers_to_another_studys_case_or_by_outsiders_are_refused():
    editor, outsider = new_user(), new_user()
    study, _ = study_with_case(editor)
    _, other_case = study_with_case(editor, title="Other")
    question = question_for(study, "NUMB", question_text="Size?")
    with pytest.raises(ValidationError) as e:
        _answer(editor, question, other_case, 1)
    assert e.value.message_dict == {
        "display_set": ["Question 'Size?': the display set belongs to another reader study."]
    }
    with pytest.raises(ValidationError) as e:
        _answer(outsider, question, study.display_sets.get(), 1)
    assert e.value.message_dict == {
        "question": ["Question 'Size?': you are not a reader or editor of its reader study."]
    }
    assert not Answer.objects.exists()
