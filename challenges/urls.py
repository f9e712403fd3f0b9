"""Challenge pages, included by app/urls.py under `challenges/` (namespace `challenges`)."""

from django.urls import path

from challenges import admin_views, combined_views, site_views, team_views, views

app_name = "challenges"

PHASE = "<slug:slug>/phases/<slug:phase_slug>/"

urlpatterns = [
    path("", site_views.challenge_list, name="list"),
    path("create/", site_views.challenge_create, name="create"),
    path("<slug:slug>/", site_views.overview, name="overview"),
    path("<slug:slug>/pages/<slug:page_slug>/", site_views.page_detail, name="page"),
    path("<slug:slug>/phases/", site_views.phase_list, name="phases"),
    path("<slug:slug>/register/", site_views.register, name="register"),
    path("<slug:slug>/submissions/", site_views.submission_list, name="submissions"),
    path("<slug:slug>/submissions/<uuid:pk>/", site_views.submission_detail, name="submission"),
    path(f"{PHASE}submit/", site_views.submit, name="submit"),
    path(f"{PHASE}leaderboard/", views.leaderboard, name="leaderboard"),
    # admins
    path("<slug:slug>/admin/", admin_views.settings, name="settings"),
    path("<slug:slug>/admin/phases/create/", admin_views.phase_create, name="phase-create"),
    path(f"{PHASE}settings/", admin_views.phase_settings, name="phase-settings"),
    path(f"{PHASE}methods/", admin_views.methods, name="methods"),
    path(f"{PHASE}ground-truths/", admin_views.ground_truths, name="ground-truths"),
    path("<slug:slug>/admin/evaluations/", admin_views.evaluations, name="evaluations"),
    path(
        "<slug:slug>/admin/submissions/<uuid:pk>/rerun/",
        admin_views.evaluation_rerun,
        name="evaluation-rerun",
    ),
    path(
        "<slug:slug>/admin/evaluations/<uuid:pk>/publish/",
        admin_views.evaluation_publish,
        name="evaluation-publish",
    ),
    path(
        "<slug:slug>/admin/requests/",
        admin_views.registration_requests,
        name="registration-requests",
    ),
    path("<slug:slug>/admin/participants/", admin_views.participants, name="participants"),
    path("<slug:slug>/admin/pages/", admin_views.pages, name="pages"),
    path("<slug:slug>/admin/pages/create/", admin_views.page_edit, name="page-create"),
    path("<slug:slug>/admin/pages/<slug:page_slug>/", admin_views.page_edit, name="page-edit"),
    path("<slug:slug>/admin/questions/", admin_views.questions, name="questions"),
    path(
        "<slug:slug>/admin/combined-leaderboards/",
        combined_views.admin_list,
        name="combined-leaderboards",
    ),
    path(
        "<slug:slug>/admin/combined-leaderboards/create/",
        combined_views.admin_edit,
        name="combined-leaderboard-create",
    ),
    path(
        "<slug:slug>/admin/combined-leaderboards/<slug:board_slug>/",
        combined_views.admin_edit,
        name="combined-leaderboard-edit",
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
