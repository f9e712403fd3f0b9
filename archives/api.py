"""Archives and archive items in gcapi's shape (`Archive`, `ArchiveItem`, `ArchiveItemPost`)."""

from functools import partial
from typing import Any

from django.urls import reverse
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from app.api import StrictSerializerMixin
from app.http import absolute, request_user
from app.permissions import may_create
from app.urlresolve import UUID_PATTERN, pk_from_api_url
from archives import selectors, services
from archives.models import Archive, ArchiveItem
from archives.targets import archive_for_upload
from components.api import socket_value_data, socket_value_post_data
from components.models import ComponentInterfaceValue
from components.values import checked_value_posts
from hanging_protocols.selectors import viewer_settings_data

# --- archives -----------------------------------------------------------------------


class ArchiveSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    api_url = serializers.HyperlinkedIdentityField(view_name="api:archive-detail")
    url = serializers.SerializerMethodField()
    logo = serializers.SerializerMethodField()

    class Meta:
        model = Archive
        fields = ("pk", "title", "slug", "description", "logo", "api_url", "url", "created")
        read_only_fields = ("slug", "created")

    def get_url(self, obj: Archive) -> str:
        return absolute(self.context.get("request"), obj.get_absolute_url())

    def get_logo(self, obj: Archive) -> str:
        if not obj.logo:
            return ""
        return absolute(self.context.get("request"), reverse("archives:logo", args=[obj.slug]))


class ArchiveViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Archives the user may see; `POST` creates one for those allowed (creator: editor)."""

    serializer_class = ArchiveSerializer
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self):  # type: ignore[no-untyped-def]
        archives = selectors.archives_visible_to(self.request.user)
        if slug := self.request.query_params.get("slug"):
            archives = archives.filter(slug=slug)
        if title := self.request.query_params.get("title"):
            archives = archives.filter(title=title)
        return archives.order_by("title", "pk")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not may_create(request.user, Archive):
            raise PermissionDenied("You may not create archives: ask for archive-creator rights.")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        archive = services.archive_create(
            creator=request_user(request),
            title=serializer.validated_data["title"],
            description=serializer.validated_data.get("description", ""),
            request=request._request,
        )
        data = self.get_serializer(archive).data
        return Response(data, status=status.HTTP_201_CREATED)


# --- archive items ------------------------------------------------------------------


def value_file_url(request: Request | None, item: ArchiveItem, civ: ComponentInterfaceValue) -> str:
    return absolute(
        request, reverse("archives:item-value-file", args=[item.archive.slug, item.pk, civ.pk])
    )


class ArchiveItemSerializer(serializers.ModelSerializer):
    archive: serializers.HyperlinkedRelatedField = serializers.HyperlinkedRelatedField(
        view_name="api:archive-detail", read_only=True
    )
    api_url = serializers.HyperlinkedIdentityField(view_name="api:archive-item-detail")
    values = serializers.SerializerMethodField()
    hanging_protocol = serializers.SerializerMethodField()
    optional_hanging_protocols = serializers.SerializerMethodField()
    view_content = serializers.SerializerMethodField()

    class Meta:
        model = ArchiveItem
        fields = (
            "pk",
            "archive",
            "title",
            "values",
            "hanging_protocol",
            "optional_hanging_protocols",
            "view_content",
            "api_url",
            "created",
        )

    def get_values(self, obj: ArchiveItem) -> list[dict]:
        request = self.context.get("request")
        file_url = partial(value_file_url, request, obj)
        sockets = self.context.setdefault("sockets", {})  # each socket serialized once a page
        return [
            socket_value_data(request, civ, file_url=file_url, sockets=sockets)
            for civ in obj.values.all()
        ]

    def _viewer(self, obj: ArchiveItem) -> dict[str, Any]:
        """The viewer settings of the object's archive, serialized once per response."""
        parent = obj.archive
        cache = self.context.setdefault("viewer_settings", {})
        if parent.pk not in cache:
            cache[parent.pk] = viewer_settings_data(parent)
        return cache[parent.pk]  # type: ignore[no-any-return]

    def get_hanging_protocol(self, obj: ArchiveItem) -> dict[str, Any] | None:
        return self._viewer(obj)["hanging_protocol"]  # type: ignore[no-any-return]

    def get_optional_hanging_protocols(self, obj: ArchiveItem) -> list[dict[str, Any]]:
        return self._viewer(obj)["optional_hanging_protocols"]  # type: ignore[no-any-return]

    def get_view_content(self, obj: ArchiveItem) -> dict[str, Any]:
        return self._viewer(obj)["view_content"]  # type: ignore[no-any-return]


class ArchiveItemPostSerializer(ArchiveItemSerializer):
    """The shape create and update answer with: values name their socket by slug."""

    def get_values(self, obj: ArchiveItem) -> list[dict]:
        request = self.context.get("request")
        file_url = partial(value_file_url, request, obj)
        return [socket_value_post_data(request, civ, file_url=file_url) for civ in obj.values.all()]


class ArchiveItemWriteSerializer(StrictSerializerMixin, serializers.Serializer):
    """gcapi's `ArchiveItemPost`; the values (GC's socket-value write form) are parsed and
    checked by the one socket-value pipeline in `components.values`."""

    archive = serializers.CharField(required=False)
    title = serializers.CharField(required=False, allow_blank=True, max_length=255)
    values = serializers.ListField(child=serializers.JSONField(), required=False)


class ArchiveItemViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Items of archives the user may see; uploaders and editors create and update them."""

    serializer_class = ArchiveItemSerializer
    lookup_value_regex = UUID_PATTERN
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        items = selectors.archive_items_visible_to(self.request.user).prefetch_related(
            "values__interface"
        )
        if archive := self.request.query_params.get("archive"):
            pk = pk_from_api_url(archive, "api:archive-detail")
            if pk is None:
                raise ValidationError({"archive": f"'{archive}' is not an archive pk or URL."})
            items = items.filter(archive_id=pk)
        return items.select_related("archive").order_by("-created", "pk")

    def _respond(self, item: ArchiveItem, code: int = status.HTTP_200_OK) -> Response:
        item = self.get_queryset().get(pk=item.pk)
        data = ArchiveItemPostSerializer(item, context=self.get_serializer_context()).data
        return Response(data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        write = ArchiveItemWriteSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        if "archive" not in write.validated_data:
            raise ValidationError({"archive": "This field is required."})
        user = request_user(request)
        archive = archive_for_upload(user=user, value=write.validated_data["archive"])
        values = write.validated_data.get("values") or []
        with checked_value_posts(user=user, items=values) as specs:
            item = services.archive_item_create_with_values(
                archive=archive,
                creator=user,
                specs=specs,
                title=write.validated_data.get("title", ""),
            )
        return self._respond(item, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        user = request_user(request)
        if not selectors.may_upload(user, item.archive):
            raise PermissionDenied("You may not change items of this archive.")
        write = ArchiveItemWriteSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        if "archive" in write.validated_data:
            raise ValidationError({"archive": "An item cannot move to another archive."})
        values = write.validated_data.get("values") or []
        with checked_value_posts(user=user, items=values) as specs:
            services.archive_item_values_set(
                item=item, creator=user, specs=specs, title=write.validated_data.get("title")
            )
        return self._respond(item)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)
