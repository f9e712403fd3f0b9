"""Reads for reader studies: what a user may see and do."""

import copy
import threading
from collections import OrderedDict
from typing import Any

from django.contrib.auth.models import AnonymousUser, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connections
from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import MD5, Cast, Concat, RowNumber
from guardian.models import GroupObjectPermission, UserObjectPermission

from app.permissions import visible_to
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


def reader_studies_requestable_by(user: AnyUser) -> QuerySet[ReaderStudy]:
    """Studies a signed-in user may ask to read: any, private ones too, because an editor
    may share a private study's link; the user then sees its title and nothing else."""
    if not user.is_authenticated:
        return ReaderStudy.objects.none()
    return ReaderStudy.objects.all()


def reader_studies_readable_by(user: AnyUser) -> QuerySet[ReaderStudy]:
    """Studies whose cases and questions user may see: readers and editors."""
    return visible_to(user, ReaderStudy.objects.all(), "read_readerstudy")


def reader_studies_edited_by(user: AnyUser) -> QuerySet[ReaderStudy]:
    return visible_to(user, ReaderStudy.objects.all(), "change_readerstudy")


# Is a permission (content type, codename) on an object granted to a user through one of
# their groups, or to them directly: guardian's two tables, joined only where they must be.
_HOLDS_SQL = """
SELECT EXISTS (
    SELECT 1 FROM {group_grants} g JOIN {memberships} m ON m.group_id = g.group_id
    WHERE m.user_id = %s AND g.content_type_id = %s AND g.object_pk = %s
        AND g.permission_id = (
            SELECT id FROM {permissions} WHERE content_type_id = %s AND codename = %s
        )
) OR EXISTS (
    SELECT 1 FROM {user_grants} u
    WHERE u.user_id = %s AND u.content_type_id = %s AND u.object_pk = %s
        AND u.permission_id = (
            SELECT id FROM {permissions} WHERE content_type_id = %s AND codename = %s
        )
)
"""


def _holds(user: AnyUser, codename: str, reader_study: ReaderStudy) -> bool:
    """guardian's object permission check (superusers hold every one) in one small
    statement: the checker's queries with their joins cost the reading page more than
    the check itself."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    content_type = ContentType.objects.get_for_model(ReaderStudy).pk
    grant = (content_type, str(reader_study.pk), content_type, codename)
    sql = _HOLDS_SQL.format(  # table names from the models; every value is a parameter
        group_grants=GroupObjectPermission._meta.db_table,
        user_grants=UserObjectPermission._meta.db_table,
        memberships=User.groups.through._meta.db_table,
        permissions=Permission._meta.db_table,
    )
    with connections[ReaderStudy.objects.db].cursor() as cursor:
        cursor.execute(sql, (user.pk, *grant, user.pk, *grant))
        row = cursor.fetchone()
    return bool(row and row[0])


def may_edit(user: AnyUser, reader_study: ReaderStudy) -> bool:
    return _holds(user, "change_readerstudy", reader_study)


def may_read(user: AnyUser, reader_study: ReaderStudy) -> bool:
    return _holds(user, "read_readerstudy", reader_study)


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


# A study's questions and options, kept between cases by the study's `modified`, which
# every question write stamps (`services.questions_changed`): a new stamp is a new key,
# so a process never serves another's outdated copy. A few studies per process.
_QUESTIONS: "OrderedDict[tuple[Any, Any], list[Question]]" = OrderedDict()
_QUESTIONS_KEPT = 16
_QUESTIONS_LOCK = threading.Lock()


def questions_of(reader_study: ReaderStudy) -> list[Question]:
    """The study's questions in order, with their options (two queries, none while the
    study is unchanged). Copies: what a request attaches to them stays its own."""
    questions = [copy.copy(q) for q in _kept_questions(reader_study)]
    for question in questions:
        question.reader_study = reader_study
    return questions


def answerable_questions_of(reader_study: ReaderStudy) -> list[Any]:
    """The pks of the study's questions a reader answers (all but headings), kept."""
    return [q.pk for q in _kept_questions(reader_study) if q.is_answerable]


def _kept_questions(reader_study: ReaderStudy) -> list[Question]:
    key = (reader_study.pk, reader_study.modified)
    with _QUESTIONS_LOCK:
        kept = _QUESTIONS.get(key)
        if kept is not None:
            _QUESTIONS.move_to_end(key)
    if kept is None:
        kept = list(reader_study.questions.prefetch_related("options"))
        with _QUESTIONS_LOCK:
            _QUESTIONS[key] = kept
            while len(_QUESTIONS) > _QUESTIONS_KEPT:
                _QUESTIONS.popitem(last=False)
    return kept


def _answers_counted(
    *, reader_study: ReaderStudy, user: User, answerable: list[Any]
) -> QuerySet[Answer]:
    """user's own answers to the study's `answerable` questions (their pks), which
    count towards a complete case: by the question pks, so without a join."""
    answers = Answer.objects.filter(creator=user, is_ground_truth=False)
    if not answerable:  # no question to count: the study's (non-heading) answers, none
        return answers.filter(question__reader_study=reader_study).exclude(
            question__answer_type=AnswerType.HEADING
        )
    return answers.filter(question_id__in=answerable)


def display_sets_unanswered_by(
    *, reader_study: ReaderStudy, user: User, display_sets: QuerySet[DisplaySet]
) -> QuerySet[DisplaySet]:
    """GC: cases where user's own answers are fewer than the answerable questions (none
    without answerable questions). Only user's answers are counted (by the answer's
    creator index), never every case's; the questions are the kept ones
    (`questions_of`)."""
    answerable = answerable_questions_of(reader_study)
    if not answerable:
        return display_sets.none()
    complete = (
        _answers_counted(reader_study=reader_study, user=user, answerable=answerable)
        .values("display_set")
        .annotate(n=Count("pk"))
        .filter(n__gte=len(answerable))
        .values("display_set")
    )
    return display_sets.filter(reader_study=reader_study).exclude(pk__in=complete)


def images_in_reader_studies_visible_to(user: User) -> QuerySet[Image]:
    """Registered with `cases.selectors.register_image_visibility`: readers and editors
    see the images of the study's cases and, in educational studies, the ground-truth
    mask of each question they have answered for a case (GC shows it once answered)."""
    readable = reader_studies_readable_by(user).values("pk")
    answered = Answer.objects.filter(
        creator=user,
        is_ground_truth=False,
        question=OuterRef("question"),
        display_set=OuterRef("display_set"),
    )
    truths = Answer.objects.filter(
        Exists(answered),
        is_ground_truth=True,
        answer_image__isnull=False,
        question__reader_study__is_educational=True,
        question__reader_study__in=readable,
    )
    return Image.objects.filter(
        Q(componentinterfacevalue__display_sets__reader_study__in=readable)
        | Q(pk__in=truths.values("answer_image"))
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


def _reading_order(*, reader_study: ReaderStudy, user: AnyUser) -> tuple[dict[str, Any], list[str]]:
    """The annotations and ordering of user's order of the study's cases."""
    if reader_study.shuffle_hanging_list and user.is_authenticated:
        key = Concat(Value(f"{user.pk}:"), Cast("id", output_field=CharField()))
        return {"reading_key": MD5(key)}, ["reading_key", "pk"]
    return {}, ["order", "created", "pk"]


def in_reading_order(
    display_sets: QuerySet[DisplaySet], *, reader_study: ReaderStudy, user: AnyUser
) -> QuerySet[DisplaySet]:
    """The study's order, or with `shuffle_hanging_list` a shuffle of its own for each
    reader: ordered by a hash of reader and case, so stable across requests and pages."""
    annotations, ordering = _reading_order(reader_study=reader_study, user=user)
    return display_sets.annotate(**annotations).order_by(*ordering)


def _numbered(
    *, reader_study: ReaderStudy, user: AnyUser, marked: list[Any]
) -> QuerySet[DisplaySet, dict[str, Any]]:
    """The study's cases with their 1-based `number` in user's order (a window, counted
    in the database) and `marked` 1 for the cases asked about."""
    annotations, ordering = _reading_order(reader_study=reader_study, user=user)
    return (
        reader_study.display_sets.annotate(**annotations)
        .annotate(
            case_id=F("pk"),
            number=Window(RowNumber(), order_by=ordering),
            marked=Case(When(pk__in=marked, then=Value(1)), default=Value(0))
            if marked
            else Value(0, output_field=IntegerField()),
        )
        .order_by()
        .values("case_id", "number", "marked")
    )


def _sql(queryset: QuerySet[Any]) -> tuple[str, tuple[Any, ...]]:
    return queryset.query.get_compiler(using=queryset.db).as_sql()  # type: ignore[no-any-return]


def _rows(queryset: QuerySet[Any], sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def reading_numbers(*, reader_study: ReaderStudy, user: AnyUser, pks: list[Any]) -> dict:
    """display set pk -> its 0-based position for user (GC's `index`), for the given
    cases only: one query that numbers the study's cases in the database."""
    if not pks:
        return {}
    numbered = _numbered(reader_study=reader_study, user=user, marked=pks)
    inner, params = _sql(numbered)
    # the inner query is the ORM's, its values passed as parameters
    sql = f"SELECT case_id, number FROM ({inner}) numbered WHERE marked = 1"  # noqa: S608
    to_pk = DisplaySet._meta.pk.to_python  # type: ignore[union-attr]
    return {to_pk(pk): number - 1 for pk, number in _rows(numbered, sql, params)}


# The cases a reading page links to, out of the numbered cases joined with the reader's
# answer counts: the first, the first unanswered, and around the open case (`marked`)
# itself, its neighbours, its roll-over block's first case and the next unanswered after
# it; with the study's totals on each row.
_POSITION_SQL = """
WITH numbered AS ({numbered}), answered AS ({answered}),
cases AS (
    SELECT numbered.case_id, numbered.number, numbered.marked, COALESCE(answered.n, 0) AS n
    FROM numbered LEFT JOIN answered ON answered.answered_case = numbered.case_id
),
here AS (SELECT number FROM cases WHERE marked = 1)
SELECT case_id, number, n, marked,
    (SELECT COUNT(*) FROM cases), (SELECT COUNT(*) FROM cases WHERE n >= %s)
FROM cases
WHERE number = 1 OR marked = 1
    OR number IN (SELECT number - 1 FROM here)
    OR number IN (SELECT number + 1 FROM here)
    OR number IN (SELECT number - ((number - 1) %% %s) FROM here)
    OR number = (SELECT MIN(number) FROM cases WHERE n < %s)
    OR number = (
        SELECT MIN(number) FROM cases WHERE n < %s AND number > (SELECT number FROM here)
    )
"""


def reading_position(
    *,
    reader_study: ReaderStudy,
    user: User,
    answerable: list[Any],
    around: Any = None,
    block: int = 1,
) -> tuple[int, int, list[tuple[Any, int, int, bool]]]:
    """(cases, complete cases, rows) of user's reading in one query, whatever the
    study's size: rows are (pk, 1-based number, user's answers, is `around`) of the cases
    a reading page needs (see `_POSITION_SQL`); `block` is the roll-over block length. A
    case is complete with an answer to each `answerable` question (their pks)."""
    needed = len(answerable)
    numbered = _numbered(
        reader_study=reader_study, user=user, marked=[around] if around is not None else []
    )
    answered = (
        _answers_counted(reader_study=reader_study, user=user, answerable=answerable)
        .values(answered_case=F("display_set_id"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    numbered_sql, numbered_params = _sql(numbered)
    answered_sql, answered_params = _sql(answered)
    sql = _POSITION_SQL.format(numbered=numbered_sql, answered=answered_sql)
    params = (*numbered_params, *answered_params, needed, block, needed, needed)
    rows = _rows(numbered, sql, params)
    if not rows:
        return 0, 0, []
    to_pk = DisplaySet._meta.pk.to_python  # type: ignore[union-attr]
    cases = [(to_pk(pk), number, n, bool(marked)) for pk, number, n, marked, _, _ in rows]
    return rows[0][4], rows[0][5], cases


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
