from django.contrib import admin
from django.urls import include, path

from app import access_request_views, views

staff_urls = [
    path("", views.staff_index, name="index"),
    path("audit/", views.audit_log, name="audit"),
    path("groups/", views.creator_groups, name="groups"),
    path("requests/", access_request_views.staff_requests, name="requests"),
    path("groups/<int:pk>/add/", views.creator_group_add, name="group-add"),
    path(
        "groups/<int:pk>/remove/<int:user_pk>/",
        views.creator_group_remove,
        name="group-remove",
    ),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health_check, name="health"),
    path("requests/creator/", access_request_views.creator_request, name="creator-request"),
    path(
        "requests/<int:pk>/decide/",
        access_request_views.decide,
        name="access-request-decide",
    ),
    path("accounts/tokens/", views.api_tokens, name="api_tokens"),
    path("accounts/tokens/<uuid:pk>/revoke/", views.api_token_revoke_view, name="api_token_revoke"),
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/", include("allauth.urls")),
    path("staff/", include((staff_urls, "staff"), namespace="staff")),
    path("api/v1/", include(("app.api_urls", "api"), namespace="api")),
    path("uploads/", include("uploads.urls")),
    path("hanging-protocols/", include("hanging_protocols.urls")),
    path("archives/", include("archives.urls")),
    path("reader-studies/", include("reader_studies.urls")),
    path("cases/", include("cases.urls")),
    path("algorithms/", include("algorithms.urls")),
    path("challenges/", include("challenges.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "app.error_views.bad_request"
handler403 = "app.error_views.permission_denied"
handler404 = "app.error_views.page_not_found"
handler500 = "app.error_views.server_error"
