from django.urls import include, path
from rest_framework import routers

from tests.permtest import views

router = routers.SimpleRouter()
router.register("things", views.ThingViewSet, basename="thing")

urlpatterns = [
    path("things/<int:pk>/", views.thing_detail),
    path("class-things/<int:pk>/", views.ThingDetailView.as_view()),
    path("api/", include(router.urls)),
]
