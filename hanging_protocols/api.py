"""`/api/v1/hanging-protocols/`: list and read for signed-in users, create for those with
the right, update for the creator. Objects carry GC's embedded shape
(`json`, `title`, `pk`, `svg_icon`) plus the page fields."""

from typing import Any

from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from app.api import StrictSerializerMixin
from app.http import absolute, request_user
from app.urlresolve import UUID_PATTERN
from hanging_protocols import selectors, services
from hanging_protocols.models import HangingProtocol


class HangingProtocolSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    api_url = serializers.HyperlinkedIdentityField(view_name="api:hanging-protocol-detail")
    url = serializers.SerializerMethodField()
    svg_icon = serializers.SerializerMethodField()
    json = serializers.JSONField()

    class Meta:
        model = HangingProtocol
        fields = (
            "pk",
            "title",
            "slug",
            "description",
            "json",
            "svg_icon",
            "api_url",
            "url",
            "created",
            "modified",
        )
        read_only_fields = ("slug", "created", "modified")
        # titles are checked by the service, naming the clash
        extra_kwargs: dict[str, dict[str, Any]] = {"title": {"validators": []}}

    def get_url(self, obj: HangingProtocol) -> str:
        return absolute(self.context.get("request"), obj.get_absolute_url())

    def get_svg_icon(self, obj: HangingProtocol) -> str:
        return str(obj.svg_icon)


class HangingProtocolViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = HangingProtocolSerializer
    permission_classes = [permissions.IsAuthenticated]
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self):  # type: ignore[no-untyped-def]
        protocols = selectors.protocols_visible_to(self.request.user)
        if slug := self.request.query_params.get("slug"):
            protocols = protocols.filter(slug=slug)
        return protocols.order_by("title", "pk")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not selectors.may_create_protocol(request.user):
            raise PermissionDenied(
                "Creating hanging protocols needs archive, algorithm or reader-study "
                "creator rights."
            )
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        protocol = services.hanging_protocol_create(
            creator=request_user(request),
            title=serializer.validated_data["title"],
            description=serializer.validated_data.get("description", ""),
            json=serializer.validated_data["json"],
        )
        return Response(self.get_serializer(protocol).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        protocol = self.get_object()
        if not selectors.may_edit_protocol(request.user, protocol):
            raise PermissionDenied("Only the creator of a hanging protocol edits it.")
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(protocol, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.hanging_protocol_update(
            protocol=protocol,
            title=data.get("title"),
            description=data.get("description"),
            json=data.get("json"),
        )
        return Response(self.get_serializer(protocol).data)
