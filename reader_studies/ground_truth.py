"""Ground truth writes (GC §A.5): the CSV import with GC's exact quoting and
`__explanation` columns, its example file, ground truth from a reader's answers, answers
from ground truth, and deleting it; scores follow every change."""

import csv
import io
import json
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from reader_studies import selectors
from reader_studies.models import (
    ANNOTATION_TYPES,
    Answer,
    AnswerType,
    DisplaySet,
    Question,
    ReaderStudy,
)
from reader_studies.services import answer_check, reader_study_rescore

EXAMPLES: dict[str, str] = {
    AnswerType.TEXT: "'\"answer\"'",
    AnswerType.NUMBER: "'1'",
    AnswerType.BOOL: "'true'",
}


def ground_truth_questions(reader_study: ReaderStudy) -> list[Question]:
    """GC: answerable questions that are not annotations (text, bool, number, choices)."""
    return [
        q
        for q in reader_study.questions.prefetch_related("options").order_by("order", "created")
        if q.is_answerable and q.answer_type not in ANNOTATION_TYPES
    ]


def example_csv(*, reader_study: ReaderStudy) -> str:
    """GC's example file: the header and one row per display set with example cells."""
    questions = ground_truth_questions(reader_study)
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_NONE, quotechar="`", escapechar="\\")
    writer.writerow(["case", *(q.question_text for q in questions)])
    for pk in reader_study.display_sets.order_by("order", "created").values_list("pk", flat=True):
        writer.writerow([str(pk), *(_example(q) for q in questions)])
    return out.getvalue()


def _example(question: Question) -> str:
    titles = [o.title for o in question.options.all()]
    if question.answer_type == AnswerType.CHOICE:
        return "'" + json.dumps(titles[0] if titles else "option") + "'"
    if question.answer_type == AnswerType.MULTIPLE_CHOICE:
        return "'" + json.dumps(titles[:2] or ["option1", "option2"]) + "'"
    return EXAMPLES[question.answer_type]


def ground_truth_from_csv(*, reader_study: ReaderStudy, creator: User, text: str) -> int:
    """Import ground truth from GC's CSV; all rows or none. Returns the answers written."""
    reader = csv.DictReader(
        io.StringIO(text), quotechar="'", escapechar="\\", quoting=csv.QUOTE_ALL
    )
    questions = {q.question_text: q for q in ground_truth_questions(reader_study)}
    header = [h for h in reader.fieldnames or [] if not h.endswith("__explanation")]
    wanted = ["case", *questions]
    if sorted(header) != sorted(wanted):
        missing = sorted(set(wanted) - set(header))
        unknown = sorted(set(header) - set(wanted))
        raise ValidationError(
            {
                "ground_truth": (
                    f"The header must be: {', '.join(wanted)} "
                    f"(missing: {', '.join(missing) or 'none'}; "
                    f"unknown: {', '.join(unknown) or 'none'})."
                )
            }
        )
    cases = {str(pk): pk for pk in reader_study.display_sets.values_list("pk", flat=True)}
    errors: list[str] = []
    written = 0
    with transaction.atomic():
        for number, row in enumerate(reader, start=2):
            case = (row.get("case") or "").strip()
            if case not in cases:
                errors.append(f"Row {number}: '{case}' is not a display set of this study.")
                continue
            for text_of, question in questions.items():
                try:
                    if _row_answer(
                        reader_study=reader_study,
                        creator=creator,
                        question=question,
                        display_set_pk=cases[case],
                        cell=row.get(text_of),
                        explanation=row.get(f"{text_of}__explanation"),
                    ):
                        written += 1
                except ValidationError as e:
                    errors.append(f"Row {number}: {' '.join(e.messages)}")
        if errors:
            transaction.set_rollback(True)
            raise ValidationError({"ground_truth": errors})
        reader_study_rescore(reader_study=reader_study)
    return written


def _parse(question: Question, cell: str | None) -> Any:
    try:
        return json.loads(cell or "")
    except ValueError as e:
        raise ValidationError(
            f"Question '{question.question_text}': {cell!r} is not JSON ({e})."
        ) from e


def _row_answer(
    *,
    reader_study: ReaderStudy,
    creator: User,
    question: Question,
    display_set_pk: Any,
    cell: str | None,
    explanation: str | None,
) -> bool:
    value = _parse(question, cell)
    label = f"Question '{question.question_text}'"
    if value is None and not question.required:
        return False
    titles = {o.title: o.id for o in question.options.all()}
    if question.answer_type == AnswerType.CHOICE and value is not None:
        if value not in titles:
            raise ValidationError(f"{label}: {value!r} is not an option ({', '.join(titles)}).")
        value = titles[value]
    if question.answer_type == AnswerType.MULTIPLE_CHOICE and isinstance(value, list):
        value = [titles[t] for t in value if t in titles]  # GC drops unknown titles
    note = _parse(question, explanation) if explanation else ""
    if not isinstance(note, str):
        raise ValidationError(f"{label}: the explanation must be a JSON string.")
    display_set = reader_study.display_sets.get(pk=display_set_pk)
    answer_check(question=question, display_set=display_set, value=value, creator=creator)
    Answer.objects.update_or_create(
        question=question,
        display_set=display_set,
        is_ground_truth=True,
        defaults={"answer": value, "explanation": note, "creator": creator},
    )
    return True


def ground_truth_from_answers(
    *, reader_study: ReaderStudy, user: User, with_annotations: bool = False
) -> int:
    """GC: a reader who answered everything becomes the ground truth (study without one).
    Beyond GC, `with_annotations` takes their drawings too, to score drawings against."""
    if selectors.has_ground_truth(reader_study):
        raise ValidationError({"ground_truth": "This study already has ground truth."})
    if selectors.progress_for(reader_study=reader_study, user=user)["questions"] != 100:
        raise ValidationError(
            {"user": f"{user.username} has not answered every question of every case."}
        )
    questions = [q.pk for q in ground_truth_questions(reader_study)]
    if with_annotations:
        questions += [q.pk for q in reader_study.questions.all() if q.is_annotation]
    with transaction.atomic():
        n = Answer.objects.filter(
            creator=user, question_id__in=questions, is_ground_truth=False
        ).update(is_ground_truth=True, score=None)
        reader_study_rescore(reader_study=reader_study)
    return n


def answers_from_ground_truth(*, reader_study: ReaderStudy, user: User) -> int:
    """GC: the ground truth copied as user's own answers (only if user has none)."""
    mine = Answer.objects.filter(
        creator=user, question__reader_study=reader_study, is_ground_truth=False
    )
    if mine.exists():
        raise ValidationError({"user": f"{user.username} already has answers in this study."})
    truths = Answer.objects.filter(question__reader_study=reader_study, is_ground_truth=True)
    copies = [
        Answer(
            creator=user,
            question_id=gt.question_id,
            display_set_id=gt.display_set_id,
            answer=gt.answer,
            answer_image_id=gt.answer_image_id,
        )
        for gt in truths
    ]
    Answer.objects.bulk_create(copies)
    return len(copies)


def ground_truth_delete(*, reader_study: ReaderStudy) -> int:
    with transaction.atomic():
        n, _ = Answer.objects.filter(
            question__reader_study=reader_study, is_ground_truth=True
        ).delete()
        reader_study_rescore(reader_study=reader_study)
    return n


def ground_truth_for_case(
    *,
    reader_study: ReaderStudy,
    display_set: DisplaySet,
    creator: User,
    answers: dict[str, Any],
) -> int:
    """Beyond GC: the ground truth of one case as JSON, drawings included,
    `{"<question pk>": {"answer": <answer JSON>, "explanation": "..."}}` (the shape of the
    educational ground-truth endpoint). All answers or none; scores follow."""
    if display_set.reader_study_id != reader_study.pk:
        raise ValidationError({"display_set": "The case belongs to another reader study."})
    if not isinstance(answers, dict) or not answers:
        raise ValidationError(
            {"ground_truth": 'Give {"<question pk>": {"answer": ..., "explanation": ...}}.'}
        )
    questions = {str(q.pk): q for q in reader_study.questions.all()}
    errors: dict[str, str] = {}
    checked: list[tuple[Question, DisplaySet, Any, Any, str]] = []
    for key, entry in answers.items():
        question = questions.get(str(key))
        if question is None:
            errors[str(key)] = f"{key} is not a question of this reader study."
            continue
        label = f"Question '{question.question_text}'"
        if not question.is_answerable:
            errors[str(key)] = f"{label}: headings are not answerable."
            continue
        if not isinstance(entry, dict) or "answer" not in entry:
            errors[str(key)] = f'{label}: give {{"answer": ..., "explanation": ...}}.'
            continue
        note = entry.get("explanation") or ""
        if not isinstance(note, str):
            errors[str(key)] = f"{label}: the explanation must be a string."
            continue
        try:
            mask = answer_check(
                question=question, display_set=display_set, value=entry["answer"], creator=creator
            )
        except ValidationError as e:
            errors[str(key)] = " ".join(e.messages)
            continue
        checked.append((question, display_set, entry["answer"], mask, note))
    if errors:
        raise ValidationError(errors)
    _checked_save(
        reader_study=reader_study,
        creator=creator,
        checked=checked,
    )
    return len(checked)


def _checked_save(
    *,
    reader_study: ReaderStudy,
    creator: User,
    checked: list[tuple[Question, DisplaySet, Any, Any, str]],
) -> None:
    """Write checked ground truth (question, case, answer, mask image, explanation),
    replacing what the pairs had, then rescore the study."""
    with transaction.atomic():
        for question, display_set, value, mask, note in checked:
            Answer.objects.update_or_create(
                question=question,
                display_set=display_set,
                is_ground_truth=True,
                defaults={
                    "answer": value,
                    "answer_image": mask,
                    "explanation": note,
                    "creator": creator,
                },
            )
        reader_study_rescore(reader_study=reader_study)


def ground_truth_drawn_from_json(
    *, reader_study: ReaderStudy, question: Question, creator: User, text: str
) -> int:
    """Beyond GC: the ground truth of one annotation question for many cases, as JSON
    `{"<case title or display set id>": <annotation JSON>}`, each drawing checked as a
    reader's answer (schema, points inside the case's image). All cases or none; every
    refusal names the case and the question."""
    label = f"Question '{question.question_text}'"
    if question.reader_study_id != reader_study.pk or not question.is_annotation:
        raise ValidationError({"question": f"{label} is no annotation question of this study."})
    try:
        data = json.loads(text)
    except ValueError as e:
        raise ValidationError({"annotations": f"The file is not JSON ({e})."}) from e
    if not isinstance(data, dict) or not data:
        raise ValidationError(
            {"annotations": 'Give {"<case title or id>": <annotation JSON>, ...}.'}
        )
    cases: dict[str, DisplaySet] = {}
    for each in reader_study.display_sets.all():
        cases[str(each.pk)] = each
        if each.title:
            cases.setdefault(each.title, each)
    errors: list[str] = []
    checked: list[tuple[Question, DisplaySet, Any, Any, str]] = []
    for key, value in data.items():
        case = cases.get(key)
        if case is None:
            errors.append(f"Case '{key}': no display set of this study has this title or id.")
            continue
        if value is None:
            errors.append(f"Case '{key}': {label}: give a drawing, not null.")
            continue
        try:
            mask = answer_check(question=question, display_set=case, value=value, creator=creator)
        except ValidationError as e:
            errors.append(f"Case '{key}': {' '.join(e.messages)}")
            continue
        checked.append((question, case, value, mask, ""))
    if errors:
        raise ValidationError({"annotations": errors})
    _checked_save(reader_study=reader_study, creator=creator, checked=checked)
    return len(checked)
