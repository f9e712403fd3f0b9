"""Writes for combined leaderboards: the challenge's admins make one over some of its
phases and change it. The ranking itself is computed when read
(`selectors.combined_leaderboard_rows`), from the phases' stored ranks, so it follows
every evaluation change with nothing to keep in step."""

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.text import slugify

from app.services import audit_record
from challenges import selectors
from challenges.models import Challenge, CombinedLeaderboard, Phase


def _check(challenge: Challenge, actor: User, phases: list[Phase] | None) -> None:
    if not selectors.is_admin(actor, challenge):
        raise PermissionDenied("Only the challenge's admins may set up combined leaderboards.")
    if phases is not None:
        if not phases:
            raise ValidationError({"phases": "Combine at least one phase."})
        foreign = [p.slug for p in phases if p.challenge_id != challenge.pk]
        if foreign:
            raise ValidationError(
                {"phases": f"Not phases of {challenge.slug!r}: {', '.join(foreign)}."}
            )


def combined_leaderboard_save(
    *,
    challenge: Challenge,
    actor: User,
    board: CombinedLeaderboard | None = None,
    fields: dict[str, Any],
    phases: list[Phase] | None = None,
    request: HttpRequest | None = None,
) -> CombinedLeaderboard:
    """Create (board None) or change a combined leaderboard: title, slug, description,
    combination_method (MEAN, MEDIAN or SUM) and its phases."""
    unknown = set(fields) - {"title", "slug", "description", "combination_method"}
    if unknown:
        raise ValidationError({name: "Unknown field." for name in sorted(unknown)})
    creating = board is None
    if creating and phases is None:
        raise ValidationError({"phases": "Combine at least one phase."})
    _check(challenge, actor, phases)
    board = board or CombinedLeaderboard(challenge=challenge)
    for name, value in fields.items():
        setattr(board, name, value)
    if not board.slug:
        board.slug = slugify(board.title)[:64]
    board.full_clean(validate_unique=False, exclude=["challenge"])
    try:
        with transaction.atomic():
            board.save()
            if phases is not None:
                board.phases.set(phases)
            audit_record(
                action="combined-leaderboard-created"
                if creating
                else "combined-leaderboard-changed",
                actor=actor,
                obj=board,
                request=request,
            )
    except IntegrityError:
        raise ValidationError(
            {"slug": f"The challenge has a combined leaderboard {board.slug!r} already."}
        ) from None
    return board


def combined_leaderboard_delete(
    *, board: CombinedLeaderboard, actor: User, request: HttpRequest | None = None
) -> None:
    """Removes the combined ranking only; the phases and their results stay."""
    _check(board.challenge, actor, None)
    with transaction.atomic():
        audit_record(action="combined-leaderboard-deleted", actor=actor, obj=board, request=request)
        board.delete()
