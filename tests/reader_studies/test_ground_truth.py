"""Ground truth from GC's CSV (exact quoting, explanations), from a reader's answers,
answers from ground truth; scores, progress, leaderboard and statistics by hand."""

import pytest
from django.core.exceptions import ValidationError

from reader_studies import ground_truth, selectors, services
from reader_studies.models import Answer
from tests.reader_studies.helpers import new_user, question_for, study_with_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def study():
    editor = new_user(username="editor")
    study, first = study_with_case(editor, is_educational=True)
    second = services.display_set_create(reader_study=study, title="case 2")
    question_for(study, "TEXT", question_text="Finding")
    question_for(study, "NUMB", question_text="Size, mm")
    question_for(study, "BOOL", question_text="Urgent")
    question_for(study, "CHOI", question_text="Malignant?")
    question_for(
        study,
        "MCHO",
        question_text="Lobes",
        options=[{"title": t} for t in ("upper", "lower")],
        required=False,
    )
    question_for(study, "2DBB", question_text="Box")  # annotations take no CSV ground truth
    study.first, study.second, study.editor = first, second, editor  # type: ignore[attr-defined]
    return study


def test_example_csv_has_gc_header_and_cells(study):
    text = ground_truth.example_csv(reader_study=study)
    assert text.splitlines() == [
        "case,Finding,Size\\, mm,Urgent,Malignant?,Lobes",
        f"{study.first.pk},'\"answer\"','1','true','\"yes\"','[\"upper\"\\, \"lower\"]'",
        f"{study.second.pk},'\"answer\"','1','true','\"yes\"','[\"upper\"\\, \"lower\"]'",
    ]
    # GC's example file imports as it is
    assert (
        ground_truth.ground_truth_from_csv(reader_study=study, creator=study.editor, text=text)
        == 10
    )


def test_csv_import_scores_and_explanations(study):
    reader = new_user(username="reader")
    services.reader_study_member_add(
        reader_study=study, role="readers", user=reader, actor=study.editor
    )
    q = {question.question_text: question for question in study.questions.all()}
    yes, no = q["Malignant?"].options.values_list("id", flat=True)
    upper, lower = q["Lobes"].options.values_list("id", flat=True)
    mine = {
        "Finding": "nodule",
        "Size, mm": 4,
        "Urgent": False,
        "Malignant?": no,
        "Lobes": [upper],
    }
    for text, value in mine.items():
        services.answer_create(
            creator=reader, question=q[text], display_set=study.first, answer=value
        )
    csv_text = (
        "case,Finding,'Size, mm',Urgent,Malignant?,Lobes,Malignant?__explanation\n"
        f'{study.first.pk},\'"nodule"\',4,false,\'"yes"\',\'["upper", "lower", "left"]\','
        "'\"Spiculated margin\"'\n"
        f"{study.second.pk},'\"none\"',7,true,'\"no\"','[]',\n"
    )
    written = ground_truth.ground_truth_from_csv(
        reader_study=study, creator=study.editor, text=csv_text
    )
    assert written == 10
    truth = Answer.objects.get(
        question=q["Malignant?"], display_set=study.first, is_ground_truth=True
    )
    assert (truth.answer, truth.explanation) == (yes, "Spiculated margin")
    assert Answer.objects.get(
        question=q["Lobes"], display_set=study.first, is_ground_truth=True
    ).answer == [upper, lower]  # the unknown title "left" is dropped, as in GC
    scores = {
        a.question.question_text: a.score
        for a in Answer.objects.filter(creator=reader).select_related("question")
    }
    # Lobes: [upper] vs [upper, lower] -> 1 of 2 positions
    assert scores == {
        "Finding": 1.0,
        "Size, mm": 1.0,
        "Urgent": 1.0,
        "Malignant?": 0.0,
        "Lobes": 0.5,
    }
    assert selectors.leaderboard(study) == {
        "question_count": 12,  # 6 answerable questions x 2 cases
        "grouped_scores": [{"creator__username": "reader", "score__sum": 3.5, "score__avg": 0.7}],
    }
    stats = selectors.statistics(study)
    assert stats["max_score_questions"] == 2
    assert stats["max_score_cases"] == 6
    assert stats["ground_truths"][str(study.first.pk)] == {
        "Finding": "nodule",
        "Size, mm": 4,
        "Urgent": False,
        "Malignant?": "yes",
        "Lobes": "lower, upper",
    }
    assert stats["questions"] == ["Finding", "Size, mm", "Urgent", "Malignant?", "Lobes"]
    assert stats["scores_by_question"][-1] == {
        "question__question_text": "Malignant?",
        "score__sum": 0.0,
        "score__avg": 0.0,
    }
    assert selectors.progress_for(reader_study=study, user=reader) == {
        "questions": 5 / 12 * 100,
        "hangings": 0.0,
        "diff": 5 / 12 * 100,
    }
    ground_truth.ground_truth_delete(reader_study=study)
    assert set(Answer.objects.values_list("score", flat=True)) == {None}


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            "case,Finding,Urgent\n",
            "The header must be: case, Finding, Size, mm, Urgent, Malignant?, Lobes "
            "(missing: Lobes, Malignant?, Size, mm; unknown: none).",
        ),
        (
            "case,Finding,'Size, mm',Urgent,Malignant?,Lobes\n"
            "{first},'\"x\"',1,true,'\"maybe\"','[]'\n",
            "Row 2: Question 'Malignant?': 'maybe' is not an option (yes, no).",
        ),
        (
            "case,Finding,'Size, mm',Urgent,Malignant?,Lobes\n"
            "{first},'\"x\"',1,true,'\"yes\"','[]'\n"
            "not-a-case,'\"x\"',1,true,'\"yes\"','[]'\n",
            "Row 3: 'not-a-case' is not a display set of this study.",
        ),
        (
            "case,Finding,'Size, mm',Urgent,Malignant?,Lobes\n"
            "{first},'\"x\"','\"big\"',true,'\"yes\"','[]'\n",
            "Row 2: Question 'Size, mm': Not a valid Number answer: 'big' is not of type 'number'",
        ),
    ],
)
def test_csv_import_refuses_whole_file(study, rows, message):
    with pytest.raises(ValidationError) as e:
        ground_truth.ground_truth_from_csv(
            reader_study=study, creator=study.editor, text=rows.format(first=study.first.pk)
        )
    assert e.value.message_dict == {"ground_truth": [message]}
    assert not Answer.objects.exists()


def test_ground_truth_from_a_complete_reader_and_answers_from_it(study):
    q = {question.question_text: question for question in study.questions.all()}
    values = {"Finding": "x", "Size, mm": 2, "Urgent": True, "Malignant?": None, "Lobes": []}
    yes = q["Malignant?"].options.first().id
    with pytest.raises(ValidationError):
        ground_truth.ground_truth_from_answers(reader_study=study, user=study.editor)
    for case in (study.first, study.second):
        for text, value in {**values, "Malignant?": yes}.items():
            services.answer_create(
                creator=study.editor, question=q[text], display_set=case, answer=value
            )
        services.answer_create(
            creator=study.editor,
            question=q["Box"],
            display_set=case,
            answer={
                "type": "2D bounding box",
                "version": {"major": 1, "minor": 0},
                "corners": [[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]],
            },
        )
    assert ground_truth.ground_truth_from_answers(reader_study=study, user=study.editor) == 10
    assert Answer.objects.filter(is_ground_truth=False).count() == 2  # the boxes stay answers
    newcomer = new_user()
    assert ground_truth.answers_from_ground_truth(reader_study=study, user=newcomer) == 10
    assert Answer.objects.filter(creator=newcomer, score__isnull=True).count() == 10


def test_results_and_ground_truth_csv_through_the_api(api_client, study):
    reader, outsider = new_user(username="reader"), new_user(username="outsider")
    services.reader_study_member_add(
        reader_study=study, role="readers", user=reader, actor=study.editor
    )
    finding = study.questions.get(question_text="Finding")
    services.answer_create(
        creator=reader, question=finding, display_set=study.first, answer="nodule"
    )
    base = f"/api/v1/reader-studies/{study.pk}/"
    api_client.force_authenticate(study.editor)
    response = api_client.get(f"{base}ground-truth/csv/")
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == (
        f'attachment; filename="ground-truth-{study.slug}.csv"'
    )
    example = response.content.decode()
    response = api_client.post(f"{base}ground-truth/csv/", {"csv": example}, format="json")
    assert response.json() == {"answers": 10}
    assert api_client.get(f"{base}progress/").json() == [
        {
            "user": "editor",
            "questions": 0.0,
            "hangings": 0.0,
            "diff": 0.0,
            "cases_complete": 0,
            "cases": 2,
        },
        {
            "user": "reader",
            "questions": 1 / 12 * 100,
            "hangings": 0.0,
            "diff": 1 / 12 * 100,
            "cases_complete": 0,
            "cases": 2,
        },
    ]
    board = api_client.get(f"{base}leaderboard/").json()
    assert board["grouped_scores"] == [
        {"creator__username": "reader", "score__sum": 0.0, "score__avg": 0.0}
    ]  # "nodule" vs the example's "answer"
    assert api_client.get(f"{base}statistics/").json()["max_score_cases"] == 6
    api_client.force_authenticate(reader)
    assert [p["user"] for p in api_client.get(f"{base}progress/").json()] == ["reader"]
    assert api_client.get(f"{base}leaderboard/").status_code == 404  # not opened to readers
    assert api_client.get(f"{base}statistics/").status_code == 403
    assert (
        api_client.post(f"{base}ground-truth/csv/", {"csv": ""}, format="json").status_code == 403
    )
    api_client.force_authenticate(outsider)
    for path in ("progress/", "leaderboard/", "statistics/", "ground-truth/csv/"):
        assert api_client.get(f"{base}{path}").status_code == 404, path


def test_the_correct_mask_is_served_to_a_reader_once_they_answered(client):
    """The reading page shows an educational study's correct mask after the reader's
    answer; its file is theirs to load only then, and never in a study that is not
    educational or to someone who does not read the study."""
    from django.urls import reverse

    from tests.archives.helpers import login
    from tests.reader_studies.helpers import mask_session

    editor, reader, outsider = new_user(), new_user(), new_user()
    segments = [{"name": "lesion", "voxel_value": 1, "visible": True}]
    files = {}
    studies = {}
    for educational in (True, False):
        study, case = study_with_case(
            editor, title=f"Masks {educational}", is_educational=educational
        )
        services.reader_study_member_add(
            reader_study=study, role="readers", user=reader, actor=editor
        )
        question = question_for(study, "MASK", question_text="Paint it", overlay_segments=segments)
        truth = services.answer_create(
            creator=editor,
            question=question,
            display_set=case,
            answer={"upload_session_pk": str(mask_session(editor).pk)},
            is_ground_truth=True,
        )
        image = truth.answer_image
        assert image is not None
        f = image.files.get()
        files[educational] = reverse("cases:image-file", args=[image.pk, f.pk, f.extension])
        studies[educational] = (question, case)

    def status(user, educational: bool) -> int:  # type: ignore[no-untyped-def]
        login(client, user)
        return client.get(files[educational]).status_code

    assert status(reader, True) == 404  # not answered yet: the truth stays hidden
    for question, case in studies.values():
        services.answer_create(
            creator=reader,
            question=question,
            display_set=case,
            answer={"upload_session_pk": str(mask_session(reader).pk)},
        )
    assert status(reader, True) == 302  # answered: a signed URL for the viewer
    assert status(reader, False) == 404  # not an educational study
    assert status(outsider, True) == 404
