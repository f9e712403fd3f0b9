"""The reading page's form: the posted fields of each question turned into GC answer
JSON, with a message naming the question when a field cannot be read."""

import json
import math
from collections.abc import Sequence
from typing import Any

from django.http import QueryDict

from reader_studies.models import AnswerType, Widget
from reader_studies.reading import QuestionState, accepted_findings
from reader_studies.validation import is_empty

SKIPPED = frozenset({AnswerType.HEADING})  # nothing to post


def field_name(state: QuestionState) -> str:
    return f"q-{state.question.pk}"


def _number(text: str) -> float | int:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is not a finite number")
    return int(number) if number.is_integer() and "." not in text else number


def _value(state: QuestionState, data: QueryDict) -> Any:
    q, name = state.question, field_name(state)
    kind = q.answer_type
    if kind == AnswerType.MULTIPLE_CHOICE:
        return [int(v) for v in data.getlist(name)]
    if q.widget == Widget.ACCEPT_REJECT:
        accepted = {int(i) for i in data.getlist(f"{name}-accept")}
        return accepted_findings(state.case_value, accepted)
    raw = data.get(name, "")
    if kind == AnswerType.TEXT:
        return raw  # the reader's text as typed
    text = raw.strip()
    if text == "":
        return None
    if kind == AnswerType.CHOICE:
        return int(text)
    if kind == AnswerType.NUMBER:
        return _number(text)
    if kind == AnswerType.BOOL:
        return {"true": True, "false": False}[text]
    return json.loads(text)  # annotations: the viewer's JSON (or typed in)


def _second_answer(state: QuestionState, data: QueryDict) -> bool:
    """Whether the post gives a locked, answered question another answer (the page posts
    no field for it: its fieldset is disabled)."""
    name = field_name(state)
    if state.answer is None or not (name in data or f"{name}-accept" in data):
        return False
    try:
        return bool(_value(state, data) != state.answer.answer)
    except (ValueError, KeyError, TypeError):
        return True


def parse(
    states: Sequence[QuestionState], data: QueryDict, *, skip_empty: bool = False
) -> tuple[list[tuple[Any, Any]], dict[str, list[str]]]:
    """(question, value) for each question the reader may answer now, and the problems.

    An empty answer to a question that asks for confirmation needs its confirmation box;
    `skip_empty` (autosave) leaves empty questions out instead of saving them empty."""
    answers: list[tuple[Any, Any]] = []
    errors: dict[str, list[str]] = {}
    for state in states:
        q = state.question
        if q.answer_type in SKIPPED:
            continue
        if state.read_only:
            if _second_answer(state, data):
                errors[str(q.pk)] = [
                    f"Question '{q.question_text}': you already answered it for this case, "
                    "and this reader study does not allow changing answers."
                ]
            continue
        try:
            value = _value(state, data)
        except (ValueError, KeyError, TypeError) as e:
            label = AnswerType(q.answer_type).label.lower()
            errors[str(q.pk)] = [f"Question '{q.question_text}': not a valid {label} ({e})."]
            continue
        if q.answer_type == AnswerType.MASK and value is None:
            continue  # no label map uploaded with this save (the page uploads it first)
        empty = is_empty(q, value)
        if empty and skip_empty:
            continue
        if (
            empty
            and q.empty_answer_confirmation
            and not data.get(f"{field_name(state)}-confirm-empty")
        ):
            label = q.empty_answer_confirmation_label or "Leave this question empty"
            errors[str(q.pk)] = [
                f"Question '{q.question_text}': confirm the empty answer ({label})."
            ]
            continue
        answers.append((q, value))
    return answers, errors
