"""Archives and archive items in gcapi's shape (`Archive`, `ArchiveItem`, `ArchiveItemPost`)."""

import tempfile
from functools import partial
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.urls import reverse
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from app.api import StrictSerializerMixin
from app.permissions import may_create
from archives import selectors, services
from archives.models import Archive, ArchiveItem
from cases.api import absolute, image_api_url
from cases.models import RawImageUploadSession
from cases.selectors import images_visible_to
from cases.services import upload_session_create
from cases.urlresolve import pk_from_api_url
from components.kinds import SuperKind
from components.models import ComponentInterface, ComponentInterfaceValue
from components.services import socket_value_create
from uploads.selectors import completed_uploads_for
from uploads.services import delete_upload, download_upload_to


def _django_errors(e: DjangoValidationError) -> Any:
    return e.message_dict if hasattr(e, "error_dict") else e.messages


# --- references as gcapi sends them ---------------------------------------------------


def archive_for_upload(user: User, value: str) -> Archive:
    """An archive named by API URL, pk or slug that user may add cases to."""
    pk = pk_from_api_url(value, "api:archive-detail")
    archives = selectors.archives_visible_to(user)
    archive = archives.filter(pk=pk).first() if pk else archives.filter(slug=value).first()
    if archive is None:
        raise ValidationError({"archive": f"Archive '{value}' was not found."})
    if not selectors.may_upload(user, archive):
        raise ValidationError({"archive": f"You may not add cases to archive '{archive.slug}'."})
    return archive


def item_for_upload(user: User, value: str) -> ArchiveItem:
    pk = pk_from_api_url(value, "api:archive-item-detail")
    item = (
        selectors.archive_items_visible_to(user).select_related("archive").filter(pk=pk).first()
        if pk
        else None
    )
    if item is None:
        raise ValidationError({"archive_item": f"Archive item '{value}' was not found."})
    if not selectors.may_upload(user, item.archive):
        raise ValidationError({"archive_item": "You may not change items of this archive."})
    return item


def socket_by_slug(slug: str, field: str = "interface") -> ComponentInterface:
    socket = ComponentInterface.objects.filter(slug=slug).first()
    if socket is None:
        raise ValidationError({field: f"There is no socket '{slug}'."})
    return socket


def session_for_request(
    *,
    user: User,
    uploads: list,
    archive: str | None = None,
    archive_item: str | None = None,
    interface: str | None = None,
) -> RawImageUploadSession:
    """The upload-session API's create: import into an archive, an item's socket, or nowhere."""
    if archive is not None:
        target = archive_for_upload(user, archive)
        socket = services.image_socket(interface) if interface else None
        return services.archive_cases_add(
            archive=target, creator=user, uploads=uploads, interface=socket
        )
    if archive_item is not None:
        item = item_for_upload(user, archive_item)
        return services.archive_item_image_add(
            item=item,
            creator=user,
            uploads=uploads,
            interface=services.image_socket(interface),
        )
    return upload_session_create(creator=user, uploads=uploads)


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
    lookup_value_regex = "[0-9a-fA-F-]{36}"

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
        try:
            archive = services.archive_create(
                creator=request.user,  # type: ignore[arg-type]
                title=serializer.validated_data["title"],
                description=serializer.validated_data.get("description", ""),
                request=request._request,
            )
        except DjangoValidationError as e:
            raise ValidationError(_django_errors(e)) from e
        data = self.get_serializer(archive).data
        return Response(data, status=status.HTTP_201_CREATED)


# --- archive items ------------------------------------------------------------------


def socket_data(socket: ComponentInterface) -> dict:
    """A socket in gcapi's `ComponentInterface` shape."""
    return {
        "pk": socket.pk,
        "title": socket.title,
        "description": socket.description,
        "slug": socket.slug,
        "kind": socket.kind,
        "super_kind": str(socket.super_kind),
        "relative_path": socket.relative_path,
        "default_value": socket.default_value,
        "overlay_segments": socket.overlay_segments,
        "look_up_table": None,
    }


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
        out = []
        for civ in obj.values.all():
            socket = socket_data(civ.interface)
            out.append(
                {
                    "pk": civ.pk,
                    "socket": socket,
                    "interface": socket,
                    "value": civ.value,
                    "file": value_file_url(request, obj, civ) if civ.file else None,
                    "image": image_api_url(request, civ.image_id) if civ.image_id else None,
                }
            )
        return out

    def get_hanging_protocol(self, obj: ArchiveItem) -> None:
        return None

    def get_optional_hanging_protocols(self, obj: ArchiveItem) -> list:
        return []

    def get_view_content(self, obj: ArchiveItem) -> dict:
        return {}


class ArchiveItemPostSerializer(ArchiveItemSerializer):
    """The shape create and update answer with: values name their socket by slug."""

    def get_values(self, obj: ArchiveItem) -> list[dict]:
        request = self.context.get("request")
        return [
            {
                "pk": civ.pk,
                "interface": civ.interface.slug,
                "value": civ.value,
                "file": value_file_url(request, obj, civ) if civ.file else None,
                "image": image_api_url(request, civ.image_id) if civ.image_id else None,
                "image_name": None,
            }
            for civ in obj.values.all()
        ]


class ValuePostSerializer(StrictSerializerMixin, serializers.Serializer):
    """gcapi's `ComponentInterfaceValuePostRequest`: a socket slug and exactly one source."""

    interface = serializers.CharField()
    value = serializers.JSONField(required=False, allow_null=True)
    file = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    image = serializers.CharField(required=False, allow_null=True)
    upload_session = serializers.CharField(required=False, allow_null=True)
    user_upload = serializers.CharField(required=False, allow_null=True)
    user_uploads = serializers.ListField(
        child=serializers.CharField(), required=False, allow_null=True
    )
    image_name = serializers.CharField(required=False, allow_null=True, allow_blank=True)


class ArchiveItemWriteSerializer(StrictSerializerMixin, serializers.Serializer):
    archive = serializers.CharField(required=False)
    title = serializers.CharField(required=False, allow_blank=True, max_length=255)
    values = ValuePostSerializer(many=True, required=False)


class ArchiveItemViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Items of archives the user may see; uploaders and editors create and update them."""

    serializer_class = ArchiveItemSerializer
    lookup_value_regex = "[0-9a-fA-F-]{36}"
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
        archive = archive_for_upload(request.user, write.validated_data["archive"])  # type: ignore[arg-type]
        with transaction.atomic():
            item = services.archive_item_create(
                archive=archive, title=write.validated_data.get("title", "")
            )
            self._apply_values(item, write.validated_data.get("values") or [])
        return self._respond(item, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        if not selectors.may_upload(request.user, item.archive):
            raise PermissionDenied("You may not change items of this archive.")
        write = ArchiveItemWriteSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        if "archive" in write.validated_data:
            raise ValidationError({"archive": "An item cannot move to another archive."})
        with transaction.atomic():
            if "title" in write.validated_data:
                item.title = write.validated_data["title"]
                item.save(update_fields=["title"])
            self._apply_values(item, write.validated_data.get("values") or [])
        return self._respond(item)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    def _apply_values(self, item: ArchiveItem, values: list[dict]) -> None:
        """Check every value first, then write them all (inside the caller's transaction)."""
        user = self.request.user
        assert isinstance(user, User)
        plans = []
        for index, spec in enumerate(values):
            try:
                plans.append(self._plan_value(user, spec))
            except ValidationError as e:
                raise ValidationError({"values": {str(index): e.detail}}) from e
        consumed = []
        try:
            for kind, socket, source in plans:
                if kind == "uploads":
                    services.archive_item_image_add(
                        item=item, creator=user, uploads=source, interface=socket
                    )
                elif kind == "image":
                    civ = socket_value_create(socket=socket, image=source)
                    services.archive_item_value_set(item=item, value=civ)
                elif kind == "file":
                    # a seekable local copy: the file checks read it more than once
                    with tempfile.TemporaryDirectory() as tmp:
                        path = download_upload_to(upload=source, path=Path(tmp) / "value")
                        with open(path, "rb") as fileobj:
                            civ = socket_value_create(
                                socket=socket, file=fileobj, filename=source.filename
                            )
                    services.archive_item_value_set(item=item, value=civ)
                    consumed.append(source)
                else:
                    civ = socket_value_create(socket=socket, value=source)
                    services.archive_item_value_set(item=item, value=civ)
        except DjangoValidationError as e:
            raise ValidationError(_django_errors(e)) from e
        for upload in consumed:  # their bytes now live in the value's file
            transaction.on_commit(partial(delete_upload, upload=upload))

    def _plan_value(self, user: User, spec: dict) -> tuple[str, ComponentInterface, Any]:
        socket = socket_by_slug(spec["interface"])
        kind = socket.super_kind
        sources = [
            k
            for k in ("value", "file", "image", "upload_session", "user_upload", "user_uploads")
            if spec.get(k) not in (None, "", [])
        ]
        if len(sources) != 1:
            raise ValidationError(
                f"Socket '{socket.slug}': give exactly one of value, image, user_upload or "
                f"user_uploads (got {', '.join(sources) or 'none'})."
            )
        source = sources[0]
        if kind == SuperKind.IMAGE and source == "user_uploads":
            try:
                uploads = completed_uploads_for(user=user, api_urls_or_pks=spec["user_uploads"])
            except DjangoValidationError as e:
                raise ValidationError({"user_uploads": e.messages}) from e
            return "uploads", socket, uploads
        if kind == SuperKind.IMAGE and source == "image":
            pk = pk_from_api_url(spec["image"], "api:cases-image-detail")
            image = images_visible_to(user).filter(pk=pk).first() if pk else None
            if image is None:
                raise ValidationError({"image": f"Image '{spec['image']}' was not found."})
            return "image", socket, image
        if kind == SuperKind.FILE and source == "user_upload":
            try:
                (upload,) = completed_uploads_for(user=user, api_urls_or_pks=[spec[source]])
            except DjangoValidationError as e:
                raise ValidationError({"user_upload": e.messages}) from e
            return "file", socket, upload
        if kind == SuperKind.VALUE and source == "value":
            return "value", socket, spec["value"]
        raise ValidationError(
            f"Socket '{socket.slug}' ({socket.kind}) cannot take a value from `{source}`."
        )
