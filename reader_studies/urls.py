from django.urls import path

from reader_studies import case_views, edit_views, logo_views, reading_views, views

app_name = "reader_studies"

urlpatterns = [
    path("", views.reader_study_list, name="list"),
    path("create/", edit_views.reader_study_create, name="create"),
    path("<slug:slug>/", views.reader_study_detail, name="detail"),
    path("<slug:slug>/read/", reading_views.read, name="read"),
    path("<slug:slug>/read/<uuid:pk>/", reading_views.read_case, name="read-case"),
    path(
        "<slug:slug>/access-requests/",
        views.reader_study_access_requests,
        name="access-requests",
    ),
    path("<slug:slug>/results/", views.reader_study_results, name="results"),
    path("<slug:slug>/viewer/", views.reader_study_viewer_settings, name="viewer-settings"),
    path("<slug:slug>/settings/", edit_views.reader_study_settings, name="settings"),
    path("<slug:slug>/logo", logo_views.reader_study_logo, name="logo"),
    path("<slug:slug>/questions/", edit_views.reader_study_questions, name="questions"),
    path(
        "<slug:slug>/questions/<uuid:pk>/",
        edit_views.reader_study_question_edit,
        name="question-edit",
    ),
    path("<slug:slug>/members/", edit_views.reader_study_members, name="members"),
    path("<slug:slug>/ground-truth/", edit_views.reader_study_ground_truth, name="ground-truth"),
    path(
        "<slug:slug>/ground-truth/example.csv",
        edit_views.reader_study_ground_truth_example,
        name="ground-truth-example",
    ),
    path("<slug:slug>/add-cases/", case_views.add_cases, name="add-cases"),
    path(
        "<slug:slug>/answers.<str:kind>",
        views.reader_study_export,
        name="export",
    ),
]
