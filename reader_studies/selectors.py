"""Reads for reader studies: what a user may see and do."""

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Avg, CharField, Count, Q, QuerySet, Sum, Value
from django.db.models.functions import MD5, Cast, Concat

from app.permissions import can, visible_to
from cases.models import Image
from reader_studies.models import (
    Answer,
    AnswerType,
    CategoricalOption,
    DisplaySet,
    Question,
    ReaderStudy,
)

AnyUser = User | AnonymousUser


def reader_studies_visible_to(user: AnyUser) -> QuerySet[ReaderStudy]:
    """Studies user is a member of, and public ones (listed, not readable)."""
    member = visible_to(user, ReaderStudy.objects.all()).values("pk")
    return ReaderStudy.objects.filter(Q(pk__in=member) | Q(public=True))


def reader_studies_readable_by(user: AnyUser) -> QuerySet[ReaderStudy]:
    """Studies whose cases and questions user may see: readers and editors."""
    return visible_to(user, ReaderStudy.objects.all(), "read_readerstudy")


def reader_studies_edited_by(user: AnyUser) -> QuerySet[ReaderStudy]:
    return visible_to(user, ReaderStudy.objects.all(), "change_readerstudy")


def may_edit(user: AnyUser, reader_study: ReaderStudy) -> bool:
    return can(user, "change_readerstudy", reader_study)


def may_read(user: AnyUser, reader_study: ReaderStudy) -> bool:
    return can(user, "read_readerstudy", reader_study)


def questions_visible_to(user: AnyUser) -> QuerySet[Question]:
    return Question.objects.filter(reader_study__in=reader_studies_readable_by(user).values("pk"))


def display_sets_visible_to(user: AnyUser) -> QuerySet[DisplaySet]:
    return DisplaySet.objects.filter(reader_study__in=reader_studies_readable_by(user).values("pk"))


def answers_visible_to(user: AnyUser) -> QuerySet[Answer]:
    """Editors see every answer of their studies; everyone else only their own."""
    if not user.is_authenticated:
        return Answer.objects.none()
    edited = reader_studies_edited_by(user).values("pk")
    return Answer.objects.filter(Q(creator=user) | Q(question__reader_study__in=edited))


def answerable_question_count(reader_study: ReaderStudy) -> int:
    return reader_study.questions.exclude(answer_type=AnswerType.HEADING).count()


def display_sets_unanswered_by(
    *, reader_study: ReaderStudy, user: User, display_sets: QuerySet[DisplaySet]
) -> QuerySet[DisplaySet]:
    """GC: cases where user's own answers are fewer than the answerable questions. Only
    user's answers are counted (by the answer's creator index), never every case's."""
    needed = answerable_question_count(reader_study)
    if not needed:  # nothing to answer: no case is unanswered
        return display_sets.none()
    complete = (
        Answer.objects.filter(
            creator=user, is_ground_truth=False, question__reader_study=reader_study
        )
        .exclude(question__answer_type=AnswerType.HEADING)
        .values("display_set")
        .annotate(n=Count("pk"))
        .filter(n__gte=needed)
        .values("display_set")
    )
    return display_sets.filter(reader_study=reader_study).exclude(pk__in=complete)


def images_in_reader_studies_visible_to(user: User) -> QuerySet[Image]:
    """Registered with `cases.selectors.register_image_visibility`: readers and editors
    see the images of the study's cases."""
    return Image.objects.filter(
        componentinterfacevalue__display_sets__reader_study__in=reader_studies_readable_by(
            user
        ).values("pk")
    )


def participants(reader_study: ReaderStudy) -> list[User]:
    """Readers and editors of the study, by username."""
    groups = [g for g in (reader_study.readers_group, reader_study.editors_group) if g]
    return list(User.objects.filter(groups__in=groups).distinct().order_by("username"))


def has_ground_truth(reader_study: ReaderStudy) -> bool:
    return Answer.objects.filter(question__reader_study=reader_study, is_ground_truth=True).exists()


def progress_for(*, reader_study: ReaderStudy, user: User) -> dict[str, float]:
    """GC's `get_progress_for_user`: percentages of questions and cases user answered."""
    cases = reader_study.display_sets.count()
    questions = answerable_question_count(reader_study)
    expected = cases * questions
    if not expected:
        return {"questions": 0.0, "hangings": 0.0, "diff": 0.0}
    mine = Answer.objects.filter(
        creator=user, is_ground_truth=False, question__reader_study=reader_study
    ).exclude(question__answer_type=AnswerType.HEADING)
    done_cases = mine.values("display_set").annotate(n=Count("pk")).filter(n=questions).count()
    q = mine.count() / expected * 100
    h = done_cases / cases * 100
    return {"questions": q, "hangings": h, "diff": q - h}


def in_reading_order(
    display_sets: QuerySet[DisplaySet], *, reader_study: ReaderStudy, user: AnyUser
) -> QuerySet[DisplaySet]:
    """The study's order, or with `shuffle_hanging_list` a shuffle of its own for each
    reader: ordered by a hash of reader and case, so stable across requests and pages."""
    if reader_study.shuffle_hanging_list and user.is_authenticated:
        key = Concat(Value(f"{user.pk}:"), Cast("id", output_field=CharField()))
        return display_sets.annotate(reading_key=MD5(key)).order_by("reading_key", "pk")
    return display_sets.order_by("order", "created", "pk")


def reading_index(*, reader_study: ReaderStudy, user: AnyUser) -> dict:
    """display set pk -> its position for user (GC's `index`)."""
    ordered = in_reading_order(
        reader_study.display_sets.all(), reader_study=reader_study, user=user
    )
    return {pk: i for i, pk in enumerate(ordered.values_list("pk", flat=True))}


def _scored(reader_study: ReaderStudy) -> QuerySet[Answer]:
    """Non-ground-truth answers to questions that have ground truth (GC's scored answers)."""
    with_truth = Answer.objects.filter(
        question__reader_study=reader_study, is_ground_truth=True
    ).values("question_id")
    return Answer.objects.filter(
        question__reader_study=reader_study, is_ground_truth=False, question_id__in=with_truth
    )


def leaderboard(reader_study: ReaderStudy) -> dict:
    """GC's leaderboard: per reader the sum and mean of scores, best first."""
    rows = (
        _scored(reader_study)
        .values("creator__username")
        .annotate(score__sum=Sum("score"), score__avg=Avg("score"))
        .order_by("-score__sum", "creator__username")
    )
    return {
        "question_count": answerable_question_count(reader_study)
        * reader_study.display_sets.count(),
        "grouped_scores": list(rows),
    }


def statistics(reader_study: ReaderStudy) -> dict:
    """GC's statistics: scores by question and by case, and the ground truth per case."""
    scored = _scored(reader_study)
    users = scored.values("creator").distinct().count()
    by_question = (
        scored.values("question__question_text")
        .annotate(Sum("score"), Avg("score"))
        .order_by("-score__avg", "question__question_text")
    )
    by_case = (
        scored.values("display_set_id")
        .annotate(Sum("score"), Avg("score"))
        .order_by("score__avg", "display_set_id")
    )
    truths = Answer.objects.filter(
        question__reader_study=reader_study, is_ground_truth=True
    ).select_related("question")
    options = {
        o.id: o.title for o in CategoricalOption.objects.filter(question__reader_study=reader_study)
    }
    ground_truths: dict[str, dict[str, Any]] = {}
    for gt in truths:
        ground_truths.setdefault(str(gt.display_set_id), {})[gt.question.question_text] = (
            answer_text(gt.question, gt.answer, options)
        )
    gt_questions = (
        reader_study.questions.filter(pk__in=truths.values("question_id"))
        .order_by("order", "created")
        .values_list("question_text", flat=True)
    )
    return {
        "scores_by_question": list(by_question),
        "scores_by_case": list(by_case),
        "max_score_questions": reader_study.display_sets.count() * users,
        "max_score_cases": answerable_question_count(reader_study) * users,
        "ground_truths": ground_truths,
        "questions": list(gt_questions),
    }


def answer_text(question: Question, answer: Any, options: dict[int, str]) -> Any:
    """GC's human-readable answer: option titles for choices, else the answer itself."""
    if question.answer_type == AnswerType.CHOICE:
        return options.get(answer, "")
    if question.answer_type == AnswerType.MULTIPLE_CHOICE:
        return ", ".join(sorted(options.get(a, "") for a in answer or []))
    return answer
