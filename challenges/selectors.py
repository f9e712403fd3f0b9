"""Reads for challenges: who sees what, and how many submissions a user has left."""

from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from app.permissions import AnyUser
from challenges import ranking
from challenges.algorithm_jobs import case_of
from challenges.deadlines import stuck_pks
from challenges.models import (
    Challenge,
    ChallengePage,
    CombinedLeaderboard,
    Evaluation,
    Phase,
    Submission,
    Team,
    TeamInvitation,
)


def _signed_in(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active)


def is_admin(user: AnyUser, challenge: Challenge) -> bool:
    if not _signed_in(user):
        return False
    if user.is_superuser:
        return True
    return bool(
        challenge.admins_group and challenge.admins_group.user_set.filter(pk=user.pk or 0).exists()
    )


def is_participant(user: AnyUser, challenge: Challenge) -> bool:
    if not _signed_in(user):
        return False
    if user.is_superuser:
        return True
    group = challenge.participants_group
    return bool(group and group.user_set.filter(pk=user.pk or 0).exists())


def may_submit(user: AnyUser, challenge: Challenge) -> bool:
    return is_admin(user, challenge) or is_participant(user, challenge)


def _member_of(user: AnyUser, prefix: str, *roles: str) -> Q:
    q = Q()
    for role in roles:
        q |= Q(**{f"{prefix}{role}_group__user": user})
    return q


def challenges_visible_to(user: AnyUser) -> QuerySet[Challenge]:
    """Public challenges for everyone; hidden ones for their admins and participants."""
    challenges = Challenge.objects.all()
    if not _signed_in(user):
        return challenges.filter(hidden=False)
    if user.is_superuser:
        return challenges
    ids = challenges.filter(
        Q(hidden=False) | _member_of(user, "", "admins", "participants")
    ).values("pk")
    return challenges.filter(pk__in=ids)


def challenges_taken_part_in(user: AnyUser) -> QuerySet[Challenge]:
    """Challenges the user administers or participates in (superusers: only those)."""
    if not _signed_in(user):
        return Challenge.objects.none()
    ids = Challenge.objects.filter(_member_of(user, "", "admins", "participants")).values("pk")
    return Challenge.objects.filter(pk__in=ids)


def challenges_administered_by(user: AnyUser) -> QuerySet[Challenge]:
    if not _signed_in(user):
        return Challenge.objects.none()
    if user.is_superuser:
        return Challenge.objects.all()
    return Challenge.objects.filter(admins_group__user__pk=user.pk or 0)


def phases_visible_to(user: AnyUser) -> QuerySet[Phase]:
    """Public phases of visible challenges; every phase for the challenge's admins."""
    visible = Phase.objects.filter(challenge__in=challenges_visible_to(user))
    return visible.filter(
        Q(public=True) | Q(challenge__in=challenges_administered_by(user))
    ).select_related("challenge")


def _own_or_teams(user: AnyUser) -> Q:
    """One's own submissions and, where the challenge uses teams, those made for a team
    one is in now (members share the limit and the leaderboard row, so they see them)."""
    teams = Team.objects.filter(members__user_id=user.pk or 0).values("pk")
    return Q(creator_id=user.pk or 0) | Q(team__in=teams, phase__challenge__use_teams=True)


def submissions_of(user: AnyUser) -> QuerySet[Submission]:
    """What "My submissions" lists: one's own and one's team's."""
    if not _signed_in(user):
        return Submission.objects.none()
    return Submission.objects.filter(_own_or_teams(user)).select_related(
        "phase__challenge", "creator", "team", "algorithm_image"
    )


def submissions_visible_to(user: AnyUser) -> QuerySet[Submission]:
    """One's own and one's team's submissions, and every submission for the challenge's
    admins."""
    if not _signed_in(user):
        return Submission.objects.none()
    return Submission.objects.filter(
        _own_or_teams(user) | Q(phase__challenge__in=challenges_administered_by(user))
    ).select_related("phase__challenge", "creator", "team", "algorithm_image")


def evaluations_visible_to(user: AnyUser) -> QuerySet[Evaluation]:
    """GC's rule: admins see all; published results of public phases are seen by everyone
    (public challenge) or by participants (hidden challenge); external evaluators see those
    of the externally evaluated phases, which they claim and report on."""
    shown = Q(published=True, submission__phase__public=True)
    q = shown & Q(submission__phase__challenge__hidden=False)
    if _signed_in(user):
        q |= Q(submission__phase__challenge__in=challenges_administered_by(user))
        q |= shown & Q(submission__phase__challenge__participants_group__user=user)
        q |= Q(
            submission__phase__external_evaluation=True,
            submission__phase__challenge__external_evaluators_group__user=user,
        )
    ids = Evaluation.objects.filter(q).values("pk")
    return Evaluation.objects.filter(pk__in=ids).select_related(
        "submission__phase__challenge", "submission__creator", "submission__algorithm_image"
    )


@dataclass(frozen=True)
class SubmissionLimit:
    limit: int
    period_days: int | None
    remaining: int
    next_submission_at: datetime | None  # None: no slot frees up (all-time limit used)


def submission_limit(*, phase: Phase, user: AnyUser, at: datetime | None = None) -> SubmissionLimit:
    """GC's `get_next_submission`: submissions in the period whose evaluation did not fail
    (nor was cancelled, nor is stuck) count; the next slot frees when the oldest counted
    one leaves it."""
    at = at or timezone.now()
    limit = phase.submissions_limit_per_user_per_period
    period = phase.submission_limit_period
    # a team shares one limit: its submissions as recorded when made count, and one's own
    # always do (leaving a team does not give a fresh allowance)
    team = team_of(challenge=phase.challenge, user=user)
    mine = Q(creator_id=user.pk) | Q(team=team) if team else Q(creator_id=user.pk)
    counted = Submission.objects.filter(mine, phase=phase)
    if period is not None:
        counted = counted.filter(created__gte=at - timedelta(days=period))
    counted = counted.exclude(evaluations__status__in=Evaluation.NOT_COUNTED)
    # nor do stuck ones (the platform's fault), even before the sweep fails them
    stuck = stuck_pks(Evaluation.objects.filter(submission__in=counted))
    counted = counted.exclude(evaluations__pk__in=stuck).distinct()
    created = list(counted.order_by("-created").values_list("created", flat=True))
    remaining = max(0, limit - len(created))
    if remaining > 0 or limit == 0:
        next_at: datetime | None = at if remaining > 0 else None
    elif period is None:
        next_at = None
    else:
        next_at = created[limit - 1] + timedelta(days=period)
    return SubmissionLimit(
        limit=limit, period_days=period, remaining=remaining, next_submission_at=next_at
    )


def active_method(phase: Phase):  # type: ignore[no-untyped-def]
    return phase.methods.filter(is_active=True).first()


def active_ground_truth(phase: Phase):  # type: ignore[no-untyped-def]
    return phase.ground_truths.filter(is_active=True).first()


def leaderboard(*, phase: Phase, user: AnyUser) -> list[Evaluation]:
    """The ranked rows of a phase the user may see, best first (GC's LeaderboardDetail)."""
    return list(
        evaluations_visible_to(user)
        .filter(
            submission__phase=phase, status=Evaluation.Status.SUCCESS, published=True, rank__gt=0
        )
        .select_related(
            "submission__creator", "submission__team", "submission__algorithm_image__algorithm"
        )
        .order_by("rank", "-created")
    )


def leaderboard_table(*, phase: Phase, user: AnyUser) -> tuple[list[str], list[dict[str, Any]]]:
    """The leaderboard as the API and the page show it: GC's column titles (score, then
    extra columns) and one row per ranked evaluation, values rounded to the phase's
    decimals with "± error" where set."""
    columns = ranking.leaderboard_columns(
        score_title=phase.score_title,
        score_jsonpath=phase.score_jsonpath,
        score_error_jsonpath=phase.score_error_jsonpath,
        extra_results_columns=phase.extra_results_columns,
    )
    rows: list[dict[str, Any]] = []
    for e in leaderboard(phase=phase, user=user):
        image = e.submission.algorithm_image
        team = submission_team(e.submission, use_teams=phase.challenge.use_teams)
        rows.append(
            {
                "rank": e.rank,
                "user": e.submission.creator.username if e.submission.creator else None,
                "team": team.name if team else None,
                "algorithm": image.algorithm.title if image else None,
                "created": e.created.isoformat(),
                "rank_score": e.rank_score,
                "values": ranking.leaderboard_cells(
                    metrics_json=e.metrics,
                    columns=columns,
                    decimal_places=phase.score_decimal_places,
                ),
                "evaluation": str(e.pk),
            }
        )
    return [c.title for c in columns], rows


def pages_visible_to(user: AnyUser, challenge: Challenge) -> QuerySet[ChallengePage]:
    """GC's page permission levels: everyone, participants (and admins), admins only."""
    levels = [ChallengePage.Permission.ALL]
    if is_admin(user, challenge):
        levels += [ChallengePage.Permission.REGISTERED_ONLY, ChallengePage.Permission.ADMIN_ONLY]
    elif is_participant(user, challenge):
        levels.append(ChallengePage.Permission.REGISTERED_ONLY)
    return challenge.pages.filter(permission_level__in=levels)


def submission_jobs(*, submission: Submission, user: AnyUser) -> dict[str, Any]:
    """The algorithm jobs of a submission as its viewer may see them: counts per status for
    everyone (participants never see the hidden cases' jobs themselves); the challenge's
    admins also get each job with its case, error and logs."""
    counts = Counter(submission.jobs.values_list("status", flat=True))
    data: dict[str, Any] = {
        "total": sum(counts.values()),
        "by_status": dict(sorted(counts.items())),
    }
    if is_admin(user, submission.phase.challenge):
        data["jobs"] = [
            {
                "pk": str(job.pk),
                "case": case_of(phase=submission.phase, job=job),
                "status": job.status,
                "error_message": job.error_message,
                "stdout": job.stdout,
                "stderr": job.stderr,
            }
            for job in submission.jobs.order_by("created", "pk")
        ]
    return data


def metrics_shown(evaluation: Evaluation, *, admin: bool) -> Any:
    """All of metrics.json for admins or when the phase displays all metrics; otherwise
    only the leaderboard's columns."""
    phase = evaluation.submission.phase
    if evaluation.metrics is None or admin or phase.display_all_metrics:
        return evaluation.metrics
    return ranking.ranking_metrics_only(evaluation.metrics, [m.path for m in phase.metrics])


# --- teams ---------------------------------------------------------------------------


def uses_teams(challenge: Challenge) -> bool:
    return challenge.use_teams


def team_of(*, challenge: Challenge, user: AnyUser) -> Team | None:
    if not _signed_in(user) or not challenge.use_teams:
        return None
    return Team.objects.filter(challenge=challenge, members__user_id=user.pk or 0).first()


def submission_team(submission: Submission, *, use_teams: bool) -> Team | None:
    """The team a submission was made for (recorded at submission time), while its
    challenge uses teams."""
    return submission.team if use_teams and submission.team_id is not None else None


def participant_key(submission: Submission, *, use_teams: bool) -> Hashable:
    """Who a result belongs to on a leaderboard: the team it was submitted for, else its
    submitter; later joins and leaves move nothing."""
    if use_teams and submission.team_id is not None:
        return ("team", submission.team_id)
    return ("user", submission.creator_id)


def teams_visible_to(*, challenge: Challenge, user: AnyUser) -> QuerySet[Team]:
    """A challenge's teams, seen by its participants and admins."""
    if not challenge.use_teams or not may_submit(user, challenge):
        return Team.objects.none()
    return challenge.teams.prefetch_related("members__user").select_related("owner")


def invitations_for(*, challenge: Challenge, user: AnyUser) -> QuerySet[TeamInvitation]:
    """What waits for the user's answer: invitations to them, requests to their team."""
    if not _signed_in(user):
        return TeamInvitation.objects.none()
    return TeamInvitation.objects.filter(
        Q(user_id=user.pk, kind=TeamInvitation.Kind.INVITATION)
        | Q(team__owner_id=user.pk, kind=TeamInvitation.Kind.REQUEST),
        team__challenge=challenge,
    ).select_related("team", "user")


# --- combined leaderboards -----------------------------------------------------------


def combined_leaderboards_visible_to(
    *, challenge: Challenge, user: AnyUser
) -> QuerySet[CombinedLeaderboard]:
    """Those of a challenge the user sees (the challenge's visibility decides)."""
    if not challenges_visible_to(user).filter(pk=challenge.pk).exists():
        return CombinedLeaderboard.objects.none()
    return challenge.combined_leaderboards.prefetch_related("phases")


@dataclass(frozen=True)
class CombinedRow:
    rank: int
    user: str | None
    team: str | None
    combined_rank: float
    phase_ranks: list[int]  # in the order of `combined_phases`

    @property
    def combined_display(self) -> str:
        return f"{round(self.combined_rank, 3):g}"


def combined_phases(board: CombinedLeaderboard) -> list[Phase]:
    """GC combines the public phases of the board."""
    return list(board.phases.filter(public=True).order_by("submissions_open_at", "created"))


def combined_leaderboard_rows(*, board: CombinedLeaderboard, user: AnyUser) -> list[CombinedRow]:
    """Per participant (the team, with teams on) the best rank in each phase; those missing
    a phase are left out; combined by mean, median or sum, then competition ranks. Only
    results the user may see count, so the board shows no more than the phases do."""
    phases = combined_phases(board)
    if not phases:
        return []
    evaluations = (
        evaluations_visible_to(user)
        .filter(
            submission__phase__in=phases,
            status=Evaluation.Status.SUCCESS,
            published=True,
            rank__gt=0,
        )
        .select_related("submission__creator", "submission__team")
    )
    names: dict[Hashable, tuple[str | None, str | None]] = {}
    phase_ranks = []
    for e in evaluations:
        key = participant_key(e.submission, use_teams=board.challenge.use_teams)
        team = submission_team(e.submission, use_teams=board.challenge.use_teams)
        creator = e.submission.creator
        names.setdefault(
            key,
            (None if team else creator.username if creator else None, team.name if team else None),
        )
        phase_ranks.append(
            ranking.PhaseRank(
                pk=e.pk, creator=key, phase=e.submission.phase_id, created=e.created, rank=e.rank
            )
        )
    ranks_by_pk = {r.pk: r.rank for r in phase_ranks}
    rows = []
    for combined in ranking.combined_ranks(
        evaluations=phase_ranks,
        phases=[p.pk for p in phases],
        combination_method=board.combination_method,
    ):
        user_name, team_name = names[combined.user]
        rows.append(
            CombinedRow(
                rank=combined.rank,
                user=user_name,
                team=team_name,
                combined_rank=float(combined.combined_rank),
                phase_ranks=[ranks_by_pk[combined.evaluations[p.pk]] for p in phases],
            )
        )
    return rows
