"""Challenge pages, included by app/urls.py under `challenges/` (namespace `challenges`)."""

from django.urls import path

from challenges import combined_views, team_views, views

app_name = "challenges"

urlpatterns = [
    path(
        "<slug:slug>/phases/<slug:phase_slug>/leaderboard/",
        views.leaderboard,
        name="leaderboard",
    ),
    # teams (challenges with use_teams)
    path("<slug:slug>/teams/", team_views.teams, name="teams"),
    path("<slug:slug>/teams/create/", team_views.team_create, name="team-create"),
    path("<slug:slug>/teams/switch/", team_views.teams_switch, name="teams-switch"),
    path("<slug:slug>/teams/<uuid:pk>/invite/", team_views.team_invite, name="team-invite"),
    path("<slug:slug>/teams/<uuid:pk>/join/", team_views.team_join, name="team-join"),
    path("<slug:slug>/teams/<uuid:pk>/leave/", team_views.team_leave, name="team-leave"),
    path(
        "<slug:slug>/team-invitations/<uuid:pk>/<str:answer>/",
        team_views.team_invitation_answer,
        name="team-invitation-answer",
    ),
    # combined leaderboards
    path(
        "<slug:slug>/combined-leaderboards/<slug:board_slug>/",
        combined_views.combined_leaderboard,
        name="combined-leaderboard",
    ),
]
