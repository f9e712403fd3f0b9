"""Job pages, included by `algorithms.urls` under `jobs/` (namespace `algorithms`)."""

from django.urls import path

from algorithms.jobs import views

urlpatterns = [
    path("", views.job_list, name="job-list"),
    path("status.json", views.job_statuses, name="job-statuses"),
    path("try/<slug:slug>/", views.job_try_out, name="job-try-out"),
    path("try/<slug:slug>/archive/", views.job_archive_run, name="job-archive-run"),
    path("<uuid:pk>/", views.job_detail, name="job-detail"),
    path("<uuid:pk>/state.json", views.job_state, name="job-state"),
    path("<uuid:pk>/cancel/", views.job_cancel_view, name="job-cancel"),
    path("<uuid:pk>/share/", views.job_share_view, name="job-share"),
    path("<uuid:pk>/rerun/", views.job_rerun_view, name="job-rerun"),
    path("<uuid:pk>/values/<int:value_pk>/file", views.job_value_file, name="job-value-file"),
]
