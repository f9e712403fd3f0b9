"""Reads for the reading page: a reader's order of cases, where they stand in it, and what
each question of a case starts with (own answer, rolled-over answer, the case's socket
value, the default option). A fixed number of queries whatever the study's size."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Q

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
    """Where a reader stands: the cases in their order and which of them are complete."""

    order: list[Any]  # display set pks in the reader's order
    complete: set[Any]
    started: set[Any]

    @property
    def total(self) -> int:
        return len(self.order)

    @property
    def done(self) -> int:
        return len(self.complete)

    def index(self, pk: Any) -> int:
        return self.order.index(pk)

    def next_unanswered(self, after: Any = None) -> Any:
        """The first incomplete case after `after` in the reader's order, wrapping round."""
        start = self.order.index(after) + 1 if after in self.order else 0
        for pk in self.order[start:] + self.order[:start]:
            if pk not in self.complete:
                return pk
        return None

    def neighbour(self, pk: Any, step: int) -> Any:
        i = self.order.index(pk) + step
        return self.order[i] if 0 <= i < len(self.order) else None


def position(
    *, reader_study: ReaderStudy, user: User, questions: list[Question] | None = None
) -> Position:
    """Two queries (three without the study's `questions`): the reader's order, and their
    answer count per case."""
    order = list(
        selectors.in_reading_order(
            reader_study.display_sets.all(), reader_study=reader_study, user=user
        ).values_list("pk", flat=True)
    )
    needed = (
        sum(1 for q in questions if q.is_answerable)
        if questions is not None
        else selectors.answerable_question_count(reader_study)
    )
    counts = (
        Answer.objects.filter(
            creator=user, is_ground_truth=False, question__reader_study=reader_study
        )
        .exclude(question__answer_type=AnswerType.HEADING)
        .values("display_set")
        .annotate(n=Count("pk"))
        .values_list("display_set", "n")
    )
    started = {pk for pk, _ in counts}
    complete = {pk for pk, n in counts if n >= needed} if needed else set(order)
    return Position(order=order, complete=complete, started=started)


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


def questions_of(reader_study: ReaderStudy) -> list[Question]:
    """The study's questions in order, with their options and socket (two queries)."""
    return list(reader_study.questions.select_related("interface").prefetch_related("options"))


def roll_over_source(position: Position, *, reader_study: ReaderStudy, pk: Any) -> Any:
    """GC's roll-over: with n > 0, cases k+1..k+n start from the answers of case k (the
    cases come in blocks of n + 1; the block's first case is k)."""
    n = reader_study.roll_over_answers_for_n_cases
    if not n or pk not in position.order:
        return None
    i = position.index(pk)
    head = i - i % (n + 1)
    return position.order[head] if head != i else None


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
    answers = Answer.objects.filter(
        creator=user, question__reader_study=reader_study, display_set_id__in=cases
    ).filter(Q(is_ground_truth=False))
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
            )
        )
    return states
