from django.urls import path

from archives import views

app_name = "archives"

urlpatterns = [
    path("", views.archive_list, name="list"),
    path("create/", views.archive_create, name="create"),
    path("<slug:slug>/", views.archive_detail, name="detail"),
    path("<slug:slug>/logo", views.archive_logo, name="logo"),
    path("<slug:slug>/add-cases/", views.archive_add_cases, name="add-cases"),
    path("<slug:slug>/members/", views.archive_members, name="members"),
    path("<slug:slug>/viewer/", views.archive_viewer_settings, name="viewer-settings"),
    path("<slug:slug>/request-access/", views.archive_request_access, name="request-access"),
    path("<slug:slug>/requests/", views.archive_requests, name="requests"),
    path("<slug:slug>/items/<uuid:pk>/", views.item_detail, name="item"),
    path(
        "<slug:slug>/items/<uuid:pk>/values/<int:value_pk>/file",
        views.item_value_file,
        name="item-value-file",
    ),
]
