from django.urls import path

from cases import tile_views, views

app_name = "cases"

urlpatterns = [
    path("images/", views.image_list, name="image-list"),
    path("images/<uuid:pk>/", views.image_detail, name="image"),
    path(
        "images/<uuid:pk>/files/<uuid:file_pk>.<slug:ext>",
        views.image_file,
        name="image-file",
    ),
    path("images/<uuid:pk>/slide.json", tile_views.slide_descriptor, name="slide"),
    path(
        "images/<uuid:pk>/tiles/<int:level>/<int:column>/<int:row>",
        tile_views.slide_tile,
        name="slide-tile",
    ),
    path("images/<uuid:pk>/thumbnail.png", views.image_thumbnail, name="thumbnail"),
    path("upload-sessions/", views.upload_session_list, name="upload-session-list"),
    path("upload-sessions/<uuid:pk>/", views.upload_session_detail, name="upload-session"),
    path(
        "upload-sessions/<uuid:pk>/status.json",
        views.upload_session_status,
        name="upload-session-status",
    ),
]
