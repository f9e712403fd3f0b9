"""Challenge pages, included by app/urls.py under `challenges/` (namespace `challenges`)."""

from django.urls import path

from challenges import views

app_name = "challenges"

urlpatterns = [
    path(
        "<slug:slug>/phases/<slug:phase_slug>/leaderboard/",
        views.leaderboard,
        name="leaderboard",
    ),
]
