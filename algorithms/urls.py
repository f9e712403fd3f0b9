from django.urls import include, path

from algorithms import views

app_name = "algorithms"

urlpatterns = [
    # before the slug patterns, so "jobs" is never read as an algorithm's slug
    path("jobs/", include("algorithms.jobs.urls")),
    path("", views.algorithm_list, name="list"),
    path("create/", views.algorithm_create, name="create"),
    path("<slug:slug>/", views.algorithm_detail, name="detail"),
    path("<slug:slug>/update/", views.algorithm_update, name="update"),
    path("<slug:slug>/request-access/", views.algorithm_request_access, name="request-access"),
    path("<slug:slug>/requests/", views.algorithm_requests, name="requests"),
    path("<slug:slug>/members/", views.algorithm_members, name="members"),
    path("<slug:slug>/viewer/", views.algorithm_viewer_settings, name="viewer-settings"),
    path("<slug:slug>/members/remove/", views.algorithm_member_remove, name="member-remove"),
    path("<slug:slug>/images/", views.image_list, name="images"),
    path("<slug:slug>/images/<uuid:pk>/", views.image_detail, name="image-detail"),
    path("<slug:slug>/images/<uuid:pk>/activate/", views.image_activate, name="image-activate"),
]
