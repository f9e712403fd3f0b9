"""Reads for the results of a study (beyond GC's statistics): inter-reader agreement per
question, progress as counts, and every answer as export rows."""

import csv
import io
import json
from collections import defaultdict
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count

from reader_studies import agreement, geometry, scoring, selectors
from reader_studies.models import Answer, AnswerType, Question, ReaderStudy

CATEGORICAL = {AnswerType.BOOL, AnswerType.CHOICE, AnswerType.MULTIPLE_CHOICE}
IOU_TYPES = {"2DBB", "M2DB", "POLY", "MPOL", "ELLI", "MELL"}


def _category(value: Any) -> str:
    """A hashable category; a multiple choice is the set of options, in any order."""
    if isinstance(value, list):
        value = sorted(value, key=repr)
    return json.dumps(value, sort_keys=True)


def _statistic(question: Question, n_readers: int) -> str:
    kind = question.answer_type
    if kind in CATEGORICAL:
        return "Cohen's kappa" if n_readers == 2 else "Fleiss' kappa"
    if kind == AnswerType.NUMBER:
        return "ICC(2,1)"
    if kind == AnswerType.MASK:
        return "Mean pairwise Dice"
    if kind in IOU_TYPES:
        return "Mean pairwise IoU"
    if kind in geometry.PAIR_SCORES:
        return f"Mean pairwise fraction within {question.score_tolerance_mm:g} mm"
    return ""


def agreement_by_question(reader_study: ReaderStudy) -> list[dict[str, Any]]:
    """Per answerable question: the agreement statistic of its type over the cases every
    reader of that question answered (None where it is undefined: fewer than two readers
    or cases, no variance, a type without one such as text and angles)."""
    questions = list(
        reader_study.questions.exclude(answer_type=AnswerType.HEADING).order_by("order", "created")
    )
    answers = (
        Answer.objects.filter(question__reader_study=reader_study, is_ground_truth=False)
        .select_related("creator", "answer_image")
        .order_by("created")
    )
    by_question: dict[Any, dict[Any, dict[str, Any]]] = defaultdict(lambda: defaultdict(dict))
    mask_questions = {q.pk for q in questions if q.answer_type == AnswerType.MASK}
    for a in answers:
        # a mask is compared by its image, every other answer by its JSON
        value = a.answer_image if a.question_id in mask_questions else a.answer
        by_question[a.question_id][a.display_set_id][a.creator.username] = value
    masks: dict[Any, Any] = {}
    rows_out = []
    for question in questions:
        cases = by_question.get(question.pk, {})
        readers = sorted({r for by_reader in cases.values() for r in by_reader})
        rows = agreement.complete_cases(cases, readers)
        value = _value(question, rows, len(readers), masks) if len(readers) >= 2 else None
        rows_out.append(
            {
                "question": str(question.pk),
                "question_text": question.question_text,
                "statistic": _statistic(question, len(readers)) if len(readers) >= 2 else "",
                "value": value,
                "readers": len(readers),
                "cases": len(rows),
            }
        )
    return rows_out


def _value(question: Question, rows: list[list[Any]], n_readers: int, masks: dict) -> float | None:
    kind = question.answer_type
    if not rows:
        return None
    if kind in CATEGORICAL:
        cats = [[_category(v) for v in row] for row in rows]
        if n_readers == 2:
            return agreement.cohen_kappa([(a, b) for a, b in cats])
        return agreement.fleiss_kappa(agreement.category_counts(cats))
    if kind == AnswerType.NUMBER:
        numbers = [row for row in rows if all(isinstance(v, int | float) for v in row)]
        return agreement.icc_2_1(numbers)
    if kind == AnswerType.MASK:

        def dice(a: Any, b: Any) -> float | None:
            if a is None or b is None:
                return None
            return scoring.score(
                question, None, None, answer_image=a, ground_truth_image=b, masks=masks
            )

        return agreement.mean_pairwise(rows, dice)
    if kind in geometry.PAIR_SCORES:
        return agreement.mean_pairwise(
            rows,
            lambda a, b: geometry.annotation_score(
                kind, a, b, tolerance_mm=question.score_tolerance_mm
            ),
        )
    return None


def progress_table(reader_study: ReaderStudy) -> list[dict[str, Any]]:
    """Per reader and editor: cases complete (n of N, percent) and answers given, in two
    queries whatever the number of people."""
    people = selectors.participants(reader_study)
    n_cases = reader_study.display_sets.count()
    n_questions = selectors.answerable_question_count(reader_study)
    answered = (
        Answer.objects.filter(
            question__reader_study=reader_study, is_ground_truth=False, creator__in=people
        )
        .exclude(question__answer_type=AnswerType.HEADING)
        .values("creator_id", "display_set_id")
        .annotate(n=Count("pk"))
    )
    answers: dict[int, int] = defaultdict(int)
    complete: dict[int, int] = defaultdict(int)
    for row in answered:
        answers[row["creator_id"]] += row["n"]
        complete[row["creator_id"]] += row["n"] == n_questions
    expected = n_cases * n_questions
    return [
        {
            "user": u.username,
            "cases_complete": complete[u.pk],
            "cases": n_cases,
            "percent": 100 * complete[u.pk] / n_cases if n_cases else 0.0,
            "answers": answers[u.pk],
            "answers_expected": expected,
        }
        for u in people
    ]


def scores_by_case(reader_study: ReaderStudy) -> list[dict[str, Any]]:
    """GC's scores by case, with the case's title for people."""
    stats = selectors.statistics(reader_study)
    titles = {
        ds.pk: str(ds)
        for ds in reader_study.display_sets.filter(
            pk__in=[r["display_set_id"] for r in stats["scores_by_case"]]
        )
    }
    return [
        {**row, "title": titles.get(row["display_set_id"], "")} for row in stats["scores_by_case"]
    ]


EXPORT_FIELDS = (
    "answer_pk",
    "reader_study",
    "display_set",
    "display_set_title",
    "question",
    "question_text",
    "answer_type",
    "creator",
    "is_ground_truth",
    "answer",
    "answer_image",
    "score",
    "created",
    "modified",
    "last_edit_duration",
    "total_edit_duration",
)


def export_rows(reader_study: ReaderStudy, *, user: User) -> list[dict[str, Any]]:
    """One row per answer user may see (editors: all), in case then question order;
    the answer as its JSON value."""
    visible = selectors.answers_visible_to(user).filter(question__reader_study=reader_study)
    answers = visible.select_related("question", "display_set", "creator").order_by(
        "display_set__order",
        "display_set__created",
        "question__order",
        "question__created",
        "creator__username",
        "is_ground_truth",
    )
    return [
        {
            "answer_pk": str(a.pk),
            "reader_study": reader_study.slug,
            "display_set": str(a.display_set_id),
            "display_set_title": a.display_set.title,
            "question": str(a.question_id),
            "question_text": a.question.question_text,
            "answer_type": a.question.answer_type,
            "creator": a.creator.username,
            "is_ground_truth": a.is_ground_truth,
            "answer": a.answer,
            "answer_image": str(a.answer_image_id) if a.answer_image_id else None,
            "score": a.score,
            "created": a.created.isoformat(),
            "modified": a.modified.isoformat(),
            "last_edit_duration": _seconds(a.last_edit_duration),
            "total_edit_duration": _seconds(a.total_edit_duration),
        }
        for a in answers
    ]


def _seconds(duration: Any) -> float | None:
    return None if duration is None else duration.total_seconds()


def export_csv(rows: list[dict[str, Any]]) -> str:
    """The rows as CSV: the answer cell holds its JSON text (drawings stay whole)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                **row,
                "answer": json.dumps(row["answer"]),
                "is_ground_truth": str(row["is_ground_truth"]).lower(),
            }
        )
    return out.getvalue()
