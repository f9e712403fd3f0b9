"""Views built only from the permission helpers, as every app is meant to build them."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.generic import DetailView
from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated

from app.api import StrictModelSerializer
from app.permissions import (
    ObjectPermission,
    VisibleObjectMixin,
    VisibleToFilterBackend,
    get_visible_or_404,
)
from tests.permtest.models import Thing


def thing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    thing = get_visible_or_404(request.user, Thing.objects.all(), pk=pk)
    return JsonResponse({"title": thing.title})


class ThingDetailView(VisibleObjectMixin, DetailView):
    model = Thing

    def render_to_response(self, context: dict, **kwargs: object) -> HttpResponse:
        return JsonResponse({"title": context["object"].title})


class ThingSerializer(StrictModelSerializer):
    class Meta:
        model = Thing
        fields = ("id", "title")


class ThingViewSet(viewsets.ModelViewSet):
    queryset = Thing.objects.all()
    serializer_class = ThingSerializer
    filter_backends = [VisibleToFilterBackend]
    permission_classes = [IsAuthenticated, ObjectPermission]
