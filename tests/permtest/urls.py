from django.urls import include, path
from rest_framework import routers

from app.urls import urlpatterns as site_urlpatterns
from tests.permtest import views

router = routers.SimpleRouter()
router.register("things", views.ThingViewSet, basename="thing")

urlpatterns = [
    path("things/<int:pk>/", views.thing_detail),
    path("class-things/<int:pk>/", views.ThingDetailView.as_view()),
    path("api/", include(router.urls)),
    # the site's own URLs, which the layout of the error pages links to
    *site_urlpatterns,
]
