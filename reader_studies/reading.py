"""Reads for the reading page: a reader's order of cases, where they stand in it, and what
each question of a case starts with (own answer, rolled-over answer, the case's socket
value, the default option). A fixed number of queries whatever the study's size."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User

from app.markdown import md2html
from components.models import ComponentInterfaceValue
from reader_studies import selectors
from reader_studies.models import (
    Answer,
    AnswerType,
    CategoricalOption,
    DisplaySet,
    Question,
    ReaderStudy,
)


@dataclass
class Position:
    """Where a reader stands: how many cases and how many complete, and the cases the
    page links to (the first, the first unanswered, and around the open case `here`
    its neighbours, the next unanswered and its roll-over source), counted in the
    database instead of loading the whole order."""

    total: int
    done: int
    here: Any  # the open case's pk, if any
    started: set[Any]  # the open case, once the reader answered any of its questions
    first: Any
    first_open: Any
    around: dict[int, Any]  # 1-based number -> pk, near `here`
    number: int | None  # here's
    next_open: Any  # the first incomplete case after `here`

    def index(self, pk: Any) -> int:
        self._check(pk)
        return (self.number or 0) - 1

    def next_unanswered(self, after: Any = None) -> Any:
        """The first incomplete case after `after` in the reader's order, wrapping round."""
        if after is None or self.number is None:
            return self.first_open
        self._check(after)
        return self.next_open if self.next_open is not None else self.first_open

    def neighbour(self, pk: Any, step: int) -> Any:
        self._check(pk)
        return self.around.get(self.index(pk) + 1 + step)

    def _check(self, pk: Any) -> None:
        if pk != self.here:
            raise ValueError("A position answers only about the case it was read around.")


def position(
    *,
    reader_study: ReaderStudy,
    user: User,
    questions: list[Question] | None = None,
    here: Any = None,
) -> Position:
    """One query, whatever the study's size (and the study's questions, where not given
    and not kept, `selectors.answerable_questions_of`)."""
    answerable = (
        [q.pk for q in questions if q.is_answerable]
        if questions is not None
        else selectors.answerable_questions_of(reader_study)
    )
    needed = len(answerable)
    total, done, rows = selectors.reading_position(
        reader_study=reader_study,
        user=user,
        answerable=answerable,
        around=here,
        block=(reader_study.roll_over_answers_for_n_cases or 0) + 1,
    )
    number = next((n for _, n, _, marked in rows if marked), None)
    open_ = sorted((n, pk) for pk, n, answers, _ in rows if answers < needed)
    return Position(
        total=total,
        done=done,
        here=here if number is not None else None,
        started={pk for pk, _, answers, marked in rows if marked and answers},
        first=next((pk for pk, n, _, _ in rows if n == 1), None),
        first_open=open_[0][1] if open_ else None,
        around={n: pk for pk, n, _, _ in rows},
        number=number,
        next_open=next((pk for n, pk in open_ if number is not None and n > number), None),
    )


@dataclass
class QuestionState:
    """One question of the form as a case opens: its value and where it came from."""

    question: Question
    options: list[CategoricalOption]
    answer: Answer | None
    value: Any
    source: str  # "answer", "roll-over", "case", "default" or ""
    read_only: bool
    ground_truth: Answer | None = None
    case_value: Any = None  # the value of the question's socket in this case
    case_socket: str = ""  # that socket's title

    @property
    def findings(self) -> list[Any]:
        """Accept/reject: the findings of the case's value, to accept one by one."""
        return findings_of(self.case_value)

    @property
    def accepted(self) -> list[int]:
        """Indices of the case's findings the answer keeps (all, before answering)."""
        if self.source == "case":
            return list(range(len(self.findings)))
        kept = findings_of(self.value)
        return [i for i, finding in enumerate(self.findings) if finding in kept]


def case_of(*, slug: str, pk: Any) -> DisplaySet | None:
    """The case `pk` of the study `slug`, with its study (unchecked: callers check who
    may read it)."""
    return (
        DisplaySet.objects.select_related("reader_study")
        .filter(pk=pk, reader_study__slug=slug)
        .first()
    )


def roll_over_source(position: Position, *, reader_study: ReaderStudy, pk: Any) -> Any:
    """GC's roll-over: with n > 0, cases k+1..k+n start from the answers of case k (the
    cases come in blocks of n + 1; the block's first case is k)."""
    n = reader_study.roll_over_answers_for_n_cases
    if not n or pk != position.here or position.number is None:
        return None
    i = position.index(pk)
    head = i - i % (n + 1)
    return position.around[head + 1] if head != i else None


def _multiple_items(value: Any) -> tuple[str, list[Any]] | None:
    """The list key and the findings of a "Multiple ..." annotation value."""
    if not isinstance(value, dict):
        return None
    for key in ("boxes", "lines", "points", "polygons", "angles", "ellipses"):
        if isinstance(value.get(key), list):
            return key, value[key]
    return None


def findings_of(value: Any) -> list[Any]:
    found = _multiple_items(value)
    return found[1] if found else []


def accepted_findings(value: Any, accepted: set[int]) -> Any:
    """The case's findings value keeping only the accepted ones (accept/reject widget)."""
    found = _multiple_items(value)
    if found is None:
        return None
    key, items = found
    return {**value, key: [item for i, item in enumerate(items) if i in accepted]}


def case_values(display_set: DisplaySet) -> list[ComponentInterfaceValue]:
    return list(
        display_set.values.select_related("interface", "image").prefetch_related("image__files")
    )


def case_descriptions(reader_study: ReaderStudy, values: list[ComponentInterfaceValue]) -> dict:
    """GC's `descriptions_map_safe`: {image name: HTML of the study's case text}, first
    per name."""
    texts = reader_study.case_text or {}
    found: dict[str, str] = {}
    for civ in values:
        name = civ.image.name if civ.image_id and civ.image else None
        if name and name in texts and name not in found:
            found[name] = md2html(texts[name])
    return found


def question_states(
    *,
    reader_study: ReaderStudy,
    display_set: DisplaySet,
    values: list[ComponentInterfaceValue],
    user: User,
    position: Position,
    questions: list[Question],
    read_only: bool,
) -> list[QuestionState]:
    """Each question with the value the form starts from."""
    rolled_from = roll_over_source(position, reader_study=reader_study, pk=display_set.pk)
    cases = [display_set.pk] + ([rolled_from] if rolled_from else [])
    # the cases are the study's: their answers need no join to the questions
    answers = Answer.objects.filter(creator=user, display_set_id__in=cases, is_ground_truth=False)
    own = {a.question_id: a for a in answers if a.display_set_id == display_set.pk}
    rolled = {a.question_id: a for a in answers if a.display_set_id == rolled_from}
    by_socket = {civ.interface_id: civ for civ in values}
    show_truth = reader_study.is_educational
    truths = (
        {
            a.question_id: a
            for a in Answer.objects.filter(display_set=display_set, is_ground_truth=True)
        }
        if show_truth
        else {}
    )
    states = []
    for question in questions:
        options = list(question.options.all())
        answer = own.get(question.pk)
        case_value = by_socket.get(question.interface_id) if question.interface_id else None
        if answer is not None:
            value, source = answer.answer, "answer"
        elif question.pk in rolled:
            value, source = rolled[question.pk].answer, "roll-over"
        elif case_value is not None and case_value.value is not None:
            value, source = case_value.value, "case"
        elif question.answer_type == AnswerType.CHOICE and any(o.default for o in options):
            value, source = next(o.id for o in options if o.default), "default"
        elif question.answer_type == AnswerType.MULTIPLE_CHOICE and any(o.default for o in options):
            value, source = [o.id for o in options if o.default], "default"
        else:
            value, source = question.empty_answer, ""
        locked = read_only or (answer is not None and not reader_study.allow_answer_modification)
        states.append(
            QuestionState(
                question=question,
                options=options,
                answer=answer,
                value=value,
                source=source,
                read_only=locked,
                # GC: readers see the ground truth of a case once they answered it
                ground_truth=truths.get(question.pk) if answer is not None else None,
                case_value=case_value.value if case_value else None,
                case_socket=case_value.interface.title if case_value else "",
            )
        )
    return states
