"""Combined leaderboards through the API (GC's CombinedLeaderboard):

    GET/POST  challenges/<slug>/combined-leaderboards/          (POST: admins)
    GET/PATCH/DELETE challenges/<slug>/combined-leaderboards/<slug>/
                                                  (detail has the results; writes: admins)

Body: {"title", "slug"?, "description"?, "combination_method": "MEAN"|"MEDIAN"|"SUM",
"phases": [phase slugs]}.
"""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from app.api import StrictSerializer
from app.http import request_user
from challenges import combined_services, selectors
from challenges.models import Challenge, CombinedLeaderboard, Phase


class CombinedLeaderboardSerializer(serializers.ModelSerializer):
    phases = serializers.SerializerMethodField()

    class Meta:
        model = CombinedLeaderboard
        fields = ("pk", "title", "slug", "description", "combination_method", "phases", "created")

    def get_phases(self, obj: CombinedLeaderboard) -> list[str]:
        return [p.slug for p in selectors.combined_phases(obj)]


class CombinedLeaderboardWriteSerializer(StrictSerializer):
    title = serializers.CharField(max_length=255, required=False)
    slug = serializers.SlugField(max_length=64, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    combination_method = serializers.ChoiceField(
        choices=CombinedLeaderboard.CombinationMethod.choices, required=False
    )
    phases = serializers.ListField(child=serializers.SlugField(), required=False)


class CombinedLeaderboardViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = CombinedLeaderboardSerializer
    permission_classes = (AllowAny,)  # as phase leaderboards; writes check admins
    lookup_field = "slug"

    def challenge(self) -> Challenge:
        return get_object_or_404(
            selectors.challenges_visible_to(self.request.user), slug=self.kwargs["challenge_slug"]
        )

    def get_queryset(self) -> QuerySet[CombinedLeaderboard]:
        return selectors.combined_leaderboards_visible_to(
            challenge=self.challenge(), user=self.request.user
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        board = self.get_object()
        rows = selectors.combined_leaderboard_rows(board=board, user=request.user)
        return Response(
            {
                **self.get_serializer(board).data,
                "results": [
                    {
                        "rank": r.rank,
                        "user": r.user,
                        "team": r.team,
                        "combined_rank": r.combined_rank,
                        "phase_ranks": dict(
                            zip(
                                [p.slug for p in selectors.combined_phases(board)],
                                r.phase_ranks,
                                strict=True,
                            )
                        ),
                    }
                    for r in rows
                ],
            }
        )

    def _save(self, request: Request, board: CombinedLeaderboard | None) -> CombinedLeaderboard:
        challenge = self.challenge()
        data = CombinedLeaderboardWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        slugs = fields.pop("phases", None)
        phases = None
        if slugs is not None:
            found = {p.slug: p for p in Phase.objects.filter(challenge=challenge, slug__in=slugs)}
            missing = [s for s in slugs if s not in found]
            if missing:
                raise serializers.ValidationError(
                    {"phases": f"No phase {', '.join(missing)} in {challenge.slug!r}."}
                )
            phases = [found[s] for s in slugs]
        return combined_services.combined_leaderboard_save(
            challenge=challenge,
            actor=request_user(request),
            board=board,
            fields=fields,
            phases=phases,
            request=request._request,
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        board = self._save(request, None)
        return Response(self.get_serializer(board).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        board = self._save(request, self.get_object())
        return Response(self.get_serializer(board).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        combined_services.combined_leaderboard_delete(
            board=self.get_object(), actor=request_user(request), request=request._request
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
