"""Team pages of a challenge: the teams with their members, and forms to create one,
invite, ask to join, answer and leave; admins turn teams on or off. Participants and
admins only (others: 404 for a challenge they cannot see, else 403)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from app.http import request_user
from challenges import selectors, team_services
from challenges.models import Challenge, Team, TeamInvitation
from challenges.site_views import site_context


def _challenge(request: HttpRequest, slug: str) -> Challenge:
    challenge = get_object_or_404(selectors.challenges_visible_to(request.user), slug=slug)
    if not selectors.may_submit(request.user, challenge):
        raise PermissionDenied(f"Only participants of {challenge.slug!r} see its teams.")
    return challenge


def _team(challenge: Challenge, pk: str) -> Team:
    return get_object_or_404(challenge.teams, pk=pk)


def _done(request: HttpRequest, challenge: Challenge, action, success: str) -> HttpResponse:  # type: ignore[no-untyped-def]
    try:
        action()
        messages.success(request, success)
    except (ValidationError, PermissionDenied) as e:
        text = " ".join(e.messages) if isinstance(e, ValidationError) else str(e)
        messages.error(request, text)
    return redirect("challenges:teams", slug=challenge.slug)


@login_required
def teams(request: HttpRequest, slug: str) -> HttpResponse:
    challenge = _challenge(request, slug)
    mine = selectors.team_of(challenge=challenge, user=request.user)
    # a tab of the challenge site
    context = site_context(request, challenge, "teams")
    context.update(
        {
            "teams": selectors.teams_visible_to(challenge=challenge, user=request.user),
            "my_team": mine,
            "is_owner": mine is not None and mine.owner_id == request.user.pk,
            "waiting": selectors.invitations_for(challenge=challenge, user=request.user),
            "asked": TeamInvitation.objects.filter(
                team__challenge=challenge, user_id=request.user.pk or 0
            ).select_related("team"),
            "invited": TeamInvitation.objects.filter(
                team=mine, kind=TeamInvitation.Kind.INVITATION
            ).select_related("user")
            if mine
            else [],
        }
    )
    return render(request, "challenges/teams.html", context)


@require_POST
@login_required
def team_create(request: HttpRequest, slug: str) -> HttpResponse:
    challenge = _challenge(request, slug)
    name = request.POST.get("name", "")
    return _done(
        request,
        challenge,
        lambda: team_services.team_create(
            challenge=challenge, owner=request_user(request), name=name, request=request
        ),
        f"The team {name.strip()!r} is made; invite your team mates.",
    )


@require_POST
@login_required
def team_invite(request: HttpRequest, slug: str, pk: str) -> HttpResponse:
    challenge = _challenge(request, slug)
    team = _team(challenge, pk)
    username = request.POST.get("username", "").strip()
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        messages.error(request, f"There is no user {username!r}.")
        return redirect("challenges:teams", slug=challenge.slug)
    return _done(
        request,
        challenge,
        lambda: team_services.team_invite(team=team, actor=request_user(request), user=user),
        f"{username} is invited to {team.name!r}.",
    )


@require_POST
@login_required
def team_join(request: HttpRequest, slug: str, pk: str) -> HttpResponse:
    challenge = _challenge(request, slug)
    team = _team(challenge, pk)
    return _done(
        request,
        challenge,
        lambda: team_services.team_join_request(team=team, user=request_user(request)),
        f"You asked to join {team.name!r}; its owner decides.",
    )


@require_POST
@login_required
def team_leave(request: HttpRequest, slug: str, pk: str) -> HttpResponse:
    challenge = _challenge(request, slug)
    team = _team(challenge, pk)
    return _done(
        request,
        challenge,
        lambda: team_services.team_leave(team=team, user=request_user(request), request=request),
        f"You left {team.name!r}.",
    )


@require_POST
@login_required
def team_invitation_answer(request: HttpRequest, slug: str, pk: str, answer: str) -> HttpResponse:
    if answer not in ("accept", "decline", "withdraw"):
        raise Http404("Answer accept, decline or withdraw.")
    challenge = _challenge(request, slug)
    invitation = (
        TeamInvitation.objects.filter(team__challenge=challenge, pk=pk)
        .select_related("team", "user")
        .first()
    )
    if invitation is None or request.user.pk not in (
        invitation.user_id,
        invitation.team.owner_id,
    ):
        raise Http404("No such invitation for you.")
    actor = request_user(request)
    if answer == "accept":
        return _done(
            request,
            challenge,
            lambda: team_services.team_invitation_accept(invitation=invitation, actor=actor),
            f"{invitation.user.get_username()} is now in {invitation.team.name!r}.",
        )
    return _done(
        request,
        challenge,
        lambda: team_services.team_invitation_decline(invitation=invitation, actor=actor),
        "The invitation is withdrawn." if answer == "withdraw" else "Declined.",
    )


@require_POST
@login_required
def teams_switch(request: HttpRequest, slug: str) -> HttpResponse:
    challenge = _challenge(request, slug)
    on = request.POST.get("use_teams") == "on"
    return _done(
        request,
        challenge,
        lambda: team_services.challenge_use_teams(
            challenge=challenge, actor=request_user(request), on=on, request=request
        ),
        "Teams are on: participants can form teams." if on else "Teams are off.",
    )
