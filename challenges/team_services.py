"""Writes for teams (challenges with `use_teams`): create, invite or ask to join, accept or
decline, leave. A participant is in at most one team per challenge (a database
constraint). Every change of membership re-ranks the challenge's phases, since the
leaderboard treats a team as one participant."""

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from app.services import audit_record
from challenges import selectors
from challenges.models import Challenge, Team, TeamInvitation, TeamMember
from challenges.services import evaluations_rank


def _check_can_join(challenge: Challenge, user: User) -> None:
    if not challenge.use_teams:
        raise ValidationError(f"The challenge {challenge.slug!r} does not use teams.")
    if not selectors.may_submit(user, challenge):
        raise PermissionDenied(f"Join the challenge {challenge.slug!r} first.")


def _check_not_in_a_team(challenge: Challenge, user: User, *, who: str = "You are") -> None:
    team = selectors.team_of(challenge=challenge, user=user)
    if team is not None:
        raise ValidationError(f"{who} already in the team {team.name!r}; leave it first.")


def _rerank(challenge: Challenge) -> None:
    for phase in challenge.phases.all():
        evaluations_rank(phase=phase)


def _add_member(team: Team, user: User) -> TeamMember:
    try:
        with transaction.atomic():
            member = TeamMember.objects.create(team=team, user=user, challenge=team.challenge)
    except IntegrityError:
        raise ValidationError(
            f"{user.get_username()} is already in a team of this challenge."
        ) from None
    # a way into another team is moot now
    TeamInvitation.objects.filter(team__challenge=team.challenge, user=user).delete()
    _rerank(team.challenge)
    return member


def team_create(
    *, challenge: Challenge, owner: User, name: str, request: HttpRequest | None = None
) -> Team:
    _check_can_join(challenge, owner)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the team a name."})
    if len(name) > 64:
        raise ValidationError({"name": "A team name has at most 64 characters."})
    with transaction.atomic():
        Challenge.objects.select_for_update().get(pk=challenge.pk)
        _check_not_in_a_team(challenge, owner)
        taken = challenge.teams.filter(name__iexact=name).first()
        if taken is not None:
            raise ValidationError({"name": f"There is a team called {taken.name!r} already."})
        team = Team.objects.create(challenge=challenge, name=name, owner=owner)
        _add_member(team, owner)
        audit_record(action="team-created", actor=owner, obj=team, request=request)
    return team


def team_invite(*, team: Team, actor: User, user: User) -> TeamInvitation:
    """The owner invites a participant of the challenge."""
    challenge = team.challenge
    _check_can_join(challenge, actor)
    if team.owner_id != actor.pk:
        raise PermissionDenied("Only the team's owner may invite.")
    if not selectors.may_submit(user, challenge):
        raise ValidationError(
            {"user": f"{user.get_username()} does not take part in {challenge.slug!r}."}
        )
    with transaction.atomic():
        _check_not_in_a_team(challenge, user, who=f"{user.get_username()} is")
        pending = TeamInvitation.objects.filter(team=team, user=user).first()
        if pending is not None and pending.kind == TeamInvitation.Kind.REQUEST:
            # they asked already: inviting them is accepting
            team_invitation_accept(invitation=pending, actor=actor)
            return pending
        invitation, _ = TeamInvitation.objects.get_or_create(
            team=team, user=user, defaults={"kind": TeamInvitation.Kind.INVITATION}
        )
    return invitation


def team_join_request(*, team: Team, user: User) -> TeamInvitation:
    """A participant asks the owner to let them in."""
    _check_can_join(team.challenge, user)
    with transaction.atomic():
        _check_not_in_a_team(team.challenge, user)
        pending = TeamInvitation.objects.filter(team=team, user=user).first()
        if pending is not None and pending.kind == TeamInvitation.Kind.INVITATION:
            team_invitation_accept(invitation=pending, actor=user)
            return pending
        invitation, _ = TeamInvitation.objects.get_or_create(
            team=team, user=user, defaults={"kind": TeamInvitation.Kind.REQUEST}
        )
    return invitation


def _may_answer(invitation: TeamInvitation, actor: User) -> bool:
    if invitation.kind == TeamInvitation.Kind.INVITATION:
        return invitation.user_id == actor.pk
    return invitation.team.owner_id == actor.pk


def team_invitation_accept(*, invitation: TeamInvitation, actor: User) -> TeamMember:
    """The invited user accepts an invitation, or the owner accepts a request."""
    if not _may_answer(invitation, actor):
        raise PermissionDenied("This invitation is not yours to accept.")
    with transaction.atomic():
        member = _add_member(invitation.team, invitation.user)
        TeamInvitation.objects.filter(pk=invitation.pk).delete()
        audit_record(
            action="team-joined",
            actor=actor,
            obj=invitation.team,
            detail={"user": invitation.user.get_username()},
        )
    return member


def team_invitation_decline(*, invitation: TeamInvitation, actor: User) -> None:
    """Either side may withdraw or decline a pending invitation or request."""
    if not (_may_answer(invitation, actor) or _may_answer_other_side(invitation, actor)):
        raise PermissionDenied("This invitation is not yours to decline.")
    invitation.delete()


def _may_answer_other_side(invitation: TeamInvitation, actor: User) -> bool:
    # the side that made it may withdraw it
    if invitation.kind == TeamInvitation.Kind.INVITATION:
        return invitation.team.owner_id == actor.pk
    return invitation.user_id == actor.pk


def team_leave(*, team: Team, user: User, request: HttpRequest | None = None) -> None:
    """Leave the team; an owner hands the team to the longest-standing member, and the
    last member leaving removes the team. Past submissions stay the team's (recorded when
    made); a removed team's become their submitters' own."""
    with transaction.atomic():
        locked = Team.objects.select_for_update().get(pk=team.pk)
        membership = locked.members.filter(user=user).first()
        if membership is None:
            raise ValidationError(f"You are not in the team {locked.name!r}.")
        membership.delete()
        audit_record(action="team-left", actor=user, obj=locked, request=request)
        rest = locked.members.order_by("joined", "pk").first()
        if rest is None:
            locked.delete()
        elif locked.owner_id == user.pk:
            locked.owner_id = rest.user_id
            locked.save(update_fields=["owner"])
        _rerank(team.challenge)


def challenge_use_teams(
    *, challenge: Challenge, actor: User, on: bool, request: HttpRequest | None = None
) -> Challenge:
    """An admin turns teams on or off; the leaderboards follow at once (existing teams
    stay, so turning them on again restores them)."""
    if not selectors.is_admin(actor, challenge):
        raise PermissionDenied("Only the challenge's admins may turn teams on or off.")
    with transaction.atomic():
        challenge.use_teams = on
        challenge.save(update_fields=["use_teams", "modified"])
        audit_record(
            action="teams-on" if on else "teams-off", actor=actor, obj=challenge, request=request
        )
        _rerank(challenge)
    return challenge
