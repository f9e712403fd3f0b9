"""Teams through the API (GC has no team API; this one is small): a challenge's teams for
its participants and admins, creating one, inviting, asking to join, answering, leaving.

    GET/POST challenges/<slug>/teams/                 {"name"}
    GET      challenges/<slug>/teams/<pk>/
    POST     challenges/<slug>/teams/<pk>/invitations/ {"username"}  (the owner)
    POST     challenges/<slug>/teams/<pk>/join/        (ask the owner)
    POST     challenges/<slug>/teams/<pk>/leave/
    GET      challenges/<slug>/team-invitations/      (waiting for my answer)
    POST     challenges/<slug>/team-invitations/<pk>/accept/ | decline/
"""

from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from app.api import StrictSerializer
from app.http import request_user
from challenges import selectors, team_services
from challenges.models import Challenge, Team, TeamInvitation


class TeamSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username", default=None)
    members = serializers.SerializerMethodField()

    class Meta:
        model = Team
        fields = ("pk", "name", "owner", "members", "created")

    def get_members(self, obj: Team) -> list[str]:
        return [m.user.username for m in obj.members.all()]


class TeamCreateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=64)


class InviteSerializer(StrictSerializer):
    username = serializers.CharField()


class InvitationSerializer(serializers.ModelSerializer):
    team = serializers.CharField(source="team.name")
    user = serializers.CharField(source="user.username")

    class Meta:
        model = TeamInvitation
        fields = ("pk", "team", "user", "kind", "created")


class _ChallengeChild(viewsets.GenericViewSet):
    permission_classes = (IsAuthenticated,)

    def challenge(self) -> Challenge:
        return get_object_or_404(
            selectors.challenges_visible_to(self.request.user), slug=self.kwargs["challenge_slug"]
        )


class TeamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _ChallengeChild):
    serializer_class = TeamSerializer

    def get_queryset(self) -> QuerySet[Team]:
        return selectors.teams_visible_to(challenge=self.challenge(), user=self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = TeamCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        team = team_services.team_create(
            challenge=self.challenge(),
            owner=request_user(request),
            name=data.validated_data["name"],
            request=request._request,
        )
        return Response(self.get_serializer(team).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def invitations(self, request: Request, pk: str, **kwargs: Any) -> Response:
        team = self.get_object()
        data = InviteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = User.objects.filter(username=data.validated_data["username"]).first()
        if user is None:
            raise serializers.ValidationError(
                {"username": f"No user {data.validated_data['username']!r}."}
            )
        invitation = team_services.team_invite(team=team, actor=request_user(request), user=user)
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def join(self, request: Request, pk: str, **kwargs: Any) -> Response:
        StrictSerializer(data=request.data).is_valid(raise_exception=True)
        invitation = team_services.team_join_request(
            team=self.get_object(), user=request_user(request)
        )
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def leave(self, request: Request, pk: str, **kwargs: Any) -> Response:
        StrictSerializer(data=request.data).is_valid(raise_exception=True)
        team_services.team_leave(
            team=self.get_object(), user=request_user(request), request=request._request
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class TeamInvitationViewSet(mixins.ListModelMixin, _ChallengeChild):
    serializer_class = InvitationSerializer

    def get_queryset(self) -> QuerySet[TeamInvitation]:
        return selectors.invitations_for(challenge=self.challenge(), user=self.request.user)

    def _pending(self) -> TeamInvitation:
        # withdrawing one's own also goes through here, so both sides find it
        challenge = self.challenge()
        user = self.request.user
        invitation = (
            TeamInvitation.objects.filter(team__challenge=challenge, pk=self.kwargs["pk"])
            .select_related("team", "user")
            .first()
        )
        if invitation is None or user.pk not in (invitation.user_id, invitation.team.owner_id):
            raise Http404("No such invitation for you.")
        return invitation

    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str, **kwargs: Any) -> Response:
        StrictSerializer(data=request.data).is_valid(raise_exception=True)
        member = team_services.team_invitation_accept(
            invitation=self._pending(), actor=request_user(request)
        )
        return Response(TeamSerializer(member.team).data)

    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str, **kwargs: Any) -> Response:
        StrictSerializer(data=request.data).is_valid(raise_exception=True)
        team_services.team_invitation_decline(
            invitation=self._pending(), actor=request_user(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
