from django.urls import path

from hanging_protocols import views

app_name = "hanging_protocols"

urlpatterns = [
    path("", views.protocol_list, name="list"),
    path("create/", views.protocol_create, name="create"),
    path("<slug:slug>/", views.protocol_detail, name="detail"),
    path("<slug:slug>/update/", views.protocol_update, name="update"),
]
