"""API routes of challenges, included by app/api_urls.py under /api/v1/."""

from typing import Any

from django.urls import path
from rest_framework import routers

from challenges import api, combined_api, site_api, team_api

router = routers.SimpleRouter()
router.register("evaluations", api.EvaluationViewSet, basename="evaluation")

LIST: dict[str, Any] = {"get": "list", "post": "create"}
PHASE = "challenges/<slug:challenge_slug>/phases/<slug:phase_slug>/"

urlpatterns = [
    path("challenges/", api.ChallengeViewSet.as_view(LIST), name="challenge-list"),
    path(
        "challenges/<slug:slug>/",
        api.ChallengeViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="challenge-detail",
    ),
    path(
        "challenges/<slug:challenge_slug>/phases/",
        api.PhaseViewSet.as_view(LIST),
        name="phase-list",
    ),
    path(
        "challenges/<slug:challenge_slug>/phases/<slug:slug>/",
        api.PhaseViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="phase-detail",
    ),
    path(f"{PHASE}submissions/", api.SubmissionViewSet.as_view(LIST), name="submission-list"),
    path(
        f"{PHASE}submissions/<uuid:pk>/rerun/",
        api.SubmissionRerunViewSet.as_view({"post": "create"}),
        name="submission-rerun",
    ),
    path(
        f"{PHASE}leaderboard/",
        api.LeaderboardViewSet.as_view({"get": "list"}),
        name="leaderboard",
    ),
    path(f"{PHASE}methods/", api.MethodViewSet.as_view(LIST), name="method-list"),
    path(f"{PHASE}ground-truths/", api.GroundTruthViewSet.as_view(LIST), name="ground-truth-list"),
    path(
        "challenges/<slug:challenge_slug>/registration-requests/",
        api.RegistrationRequestViewSet.as_view(LIST),
        name="registration-request-list",
    ),
    path(
        "challenges/<slug:challenge_slug>/registration-requests/<int:pk>/",
        api.RegistrationRequestViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="registration-request-detail",
    ),
    *router.urls,
    # the site and roles by script
    path(
        "challenges/<slug:challenge_slug>/members/",
        site_api.MembersViewSet.as_view({"get": "list", "post": "create", "delete": "destroy"}),
        name="challenge-members",
    ),
    path(
        "challenges/<slug:challenge_slug>/registration-questions/",
        site_api.RegistrationQuestionViewSet.as_view(LIST),
        name="registration-question-list",
    ),
    path(
        "challenges/<slug:challenge_slug>/registration-questions/<int:pk>/",
        site_api.RegistrationQuestionViewSet.as_view({"get": "retrieve", "delete": "destroy"}),
        name="registration-question-detail",
    ),
    path(
        "challenges/<slug:challenge_slug>/pages/",
        site_api.PageViewSet.as_view(LIST),
        name="challenge-page-list",
    ),
    path(
        "challenges/<slug:challenge_slug>/pages/<slug:slug>/",
        site_api.PageViewSet.as_view(
            {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}
        ),
        name="challenge-page-detail",
    ),
    # teams
    path(
        "challenges/<slug:challenge_slug>/teams/",
        team_api.TeamViewSet.as_view(LIST),
        name="team-list",
    ),
    path(
        "challenges/<slug:challenge_slug>/teams/<uuid:pk>/",
        team_api.TeamViewSet.as_view({"get": "retrieve"}),
        name="team-detail",
    ),
    *(
        path(
            f"challenges/<slug:challenge_slug>/teams/<uuid:pk>/{name}/",
            team_api.TeamViewSet.as_view({"post": name}),
            name=f"team-{name}",
        )
        for name in ("invitations", "join", "leave")
    ),
    path(
        "challenges/<slug:challenge_slug>/team-invitations/",
        team_api.TeamInvitationViewSet.as_view({"get": "list"}),
        name="team-invitation-list",
    ),
    *(
        path(
            f"challenges/<slug:challenge_slug>/team-invitations/<uuid:pk>/{name}/",
            team_api.TeamInvitationViewSet.as_view({"post": name}),
            name=f"team-invitation-{name}",
        )
        for name in ("accept", "decline")
    ),
    # combined leaderboards
    path(
        "challenges/<slug:challenge_slug>/combined-leaderboards/",
        combined_api.CombinedLeaderboardViewSet.as_view(LIST),
        name="combined-leaderboard-list",
    ),
    path(
        "challenges/<slug:challenge_slug>/combined-leaderboards/<slug:slug>/",
        combined_api.CombinedLeaderboardViewSet.as_view(
            {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}
        ),
        name="combined-leaderboard-detail",
    ),
]
