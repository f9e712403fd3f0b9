"""`components/interfaces/`: the socket catalogue in gcapi's shape; staff may add sockets."""

import logging
from collections.abc import Callable
from typing import Any

from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from app.api import Pagination, StrictSerializerMixin
from cases.api import image_api_url
from components import selectors, services
from components.kinds import Kind
from components.models import ComponentInterface, ComponentInterfaceValue

logger = logging.getLogger(__name__)


class ComponentInterfaceSerializer(serializers.ModelSerializer):
    super_kind = serializers.CharField(read_only=True)
    look_up_table = serializers.SerializerMethodField()

    class Meta:
        model = ComponentInterface
        fields = (
            "pk",
            "title",
            "slug",
            "description",
            "kind",
            "super_kind",
            "relative_path",
            "default_value",
            "overlay_segments",
            "look_up_table",
            "schema",
            "store_in_database",
        )
        read_only_fields = fields

    def get_look_up_table(self, obj: ComponentInterface) -> None:
        return None


class ComponentInterfaceCreateSerializer(StrictSerializerMixin, serializers.Serializer):
    title = serializers.CharField(max_length=255)
    kind = serializers.ChoiceField(choices=Kind.choices)
    relative_path = serializers.CharField(max_length=255)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    schema = serializers.JSONField(required=False, default=dict)
    store_in_database = serializers.BooleanField(required=False, allow_null=True, default=None)
    overlay_segments = serializers.ListField(
        child=serializers.DictField(), required=False, default=list
    )
    default_value = serializers.JSONField(required=False, allow_null=True, default=None)

    def validate_title(self, value: str) -> str:
        if ComponentInterface.objects.filter(title=value).exists():
            raise serializers.ValidationError(f"A socket titled {value!r} already exists.")
        return value

    def validate_relative_path(self, value: str) -> str:
        if ComponentInterface.objects.filter(relative_path=value).exists():
            raise serializers.ValidationError(f"Another socket already uses the path {value!r}.")
        return value

    def create(self, validated_data: dict[str, Any]) -> ComponentInterface:
        return services.socket_create(**validated_data)


class IsStaffToCreate(permissions.BasePermission):
    message = "Only staff may create sockets."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


class ComponentInterfaceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = (IsStaffToCreate,)
    pagination_class = Pagination
    queryset = ComponentInterface.objects.all()

    def get_queryset(self):  # type: ignore[no-untyped-def]
        params = self.request.query_params
        return selectors.sockets(slug=params.get("slug"), kind=params.get("kind"))

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        if self.action == "create":
            return ComponentInterfaceCreateSerializer
        return ComponentInterfaceSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
        serializer = ComponentInterfaceCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        socket = serializer.save()
        return Response(
            ComponentInterfaceSerializer(socket, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


# --- socket values: the one read form ---------------------------------------------------

FileUrl = Callable[[ComponentInterfaceValue], str]


def socket_value_data(
    request: Request | None,
    civ: ComponentInterfaceValue,
    *,
    file_url: FileUrl,
    sockets: dict[int, Any] | None = None,
) -> dict[str, Any]:
    """gcapi's `HyperlinkedComponentInterfaceValue`: the socket under both `interface` and
    `socket` (gcapi 0.16.1 requires `socket`), the value, and our host's permission-checked
    URLs for a file (`file_url` of the owner: job, archive item...) or an image.

    `sockets` caches each socket's data across a page: a serializer per value was most of
    a list's time."""
    cache = sockets if sockets is not None else {}
    if civ.interface_id not in cache:
        cache[civ.interface_id] = ComponentInterfaceSerializer(
            civ.interface, context={"request": request}
        ).data
    socket = cache[civ.interface_id]
    return {
        "pk": civ.pk,
        "interface": socket,
        "socket": socket,
        "value": selectors.json_value(civ),
        "file": file_url(civ) if civ.file else None,
        "image": image_api_url(request, civ.image_id) if civ.image_id else None,
    }


def socket_value_post_data(
    request: Request | None, civ: ComponentInterfaceValue, *, file_url: FileUrl
) -> dict[str, Any]:
    """gcapi's `ComponentInterfaceValuePost`: what a create or update answers with."""
    return {
        "pk": civ.pk,
        "interface": civ.interface.slug,
        "value": selectors.json_value(civ),
        "file": file_url(civ) if civ.file else None,
        "image": image_api_url(request, civ.image_id) if civ.image_id else None,
        "image_name": None,
    }
