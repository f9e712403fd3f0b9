"""Images and upload sessions in gcapi's shape (`HyperlinkedImage`, `RawImageUploadSession`)."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from app.api import StrictSerializerMixin, uuid_param
from app.http import absolute, request_user
from app.urlresolve import UUID_PATTERN
from cases import selectors
from cases.models import Image, ImageFile, RawImageUploadSession
from cases.services import upload_session_create
from cases.targets import request_target_fields, target_for_request
from uploads.selectors import completed_uploads_for

COLOR_CHANNELS = {"RGB": 3, "RGBA": 4, "YCBCR": 3}


def image_file_url(request: Request | None, image_file: ImageFile) -> str:
    """Our host's permission-checked URL; it ends in the extension, as gcapi names files by it."""
    return absolute(
        request,
        reverse(
            "cases:image-file",
            kwargs={
                "pk": image_file.image_id,
                "file_pk": image_file.pk,
                "ext": image_file.extension,
            },
        ),
    )


def image_api_url(request: Request | None, image_pk: Any) -> str:
    return absolute(request, reverse("api:cases-image-detail", kwargs={"pk": image_pk}))


def upload_api_url(request: Request | None, upload_pk: Any) -> str:
    return absolute(request, reverse("api:upload-detail", kwargs={"pk": upload_pk}))


class ImageFileSerializer(serializers.ModelSerializer):
    image = serializers.SerializerMethodField()
    file = serializers.SerializerMethodField()

    class Meta:
        model = ImageFile
        fields = ("pk", "image", "file", "image_type")

    def get_image(self, obj: ImageFile) -> str:
        return image_api_url(self.context.get("request"), obj.image_id)

    def get_file(self, obj: ImageFile) -> str:
        return image_file_url(self.context.get("request"), obj)


class HyperlinkedImageSerializer(serializers.ModelSerializer):
    files = ImageFileSerializer(many=True, read_only=True)
    api_url = serializers.HyperlinkedIdentityField(view_name="api:cases-image-detail")
    url = serializers.SerializerMethodField()
    modality = serializers.SerializerMethodField()
    shape = serializers.SerializerMethodField()
    shape_without_color = serializers.SerializerMethodField()
    dicom_image_set = serializers.SerializerMethodField()
    eye_choice = serializers.SerializerMethodField()
    stereoscopic_choice = serializers.SerializerMethodField()
    field_of_view = serializers.SerializerMethodField()
    origin = serializers.SerializerMethodField()
    thumbnail = serializers.SerializerMethodField()

    class Meta:
        model = Image
        fields = (
            "pk",
            "name",
            "files",
            "dicom_image_set",
            "width",
            "height",
            "depth",
            "timepoints",
            "color_space",
            "modality",
            "eye_choice",
            "stereoscopic_choice",
            "field_of_view",
            "shape_without_color",
            "shape",
            "voxel_width_mm",
            "voxel_height_mm",
            "voxel_depth_mm",
            "origin_mm",
            "direction",
            "pixel_type",
            "api_url",
            "url",
            "origin",
            "thumbnail",
            "window_center",
            "window_width",
            "resolution_levels",
            "segments",
            "created",
        )

    def get_url(self, obj: Image) -> str:
        return absolute(self.context.get("request"), reverse("cases:image", args=[obj.pk]))

    @extend_schema_field({"type": "object", "nullable": True})
    def get_modality(self, obj: Image) -> dict | None:
        return {"modality": obj.modality} if obj.modality else None

    def get_shape_without_color(self, obj: Image) -> list[int]:
        return obj.shape

    def get_shape(self, obj: Image) -> list[int]:
        channels = COLOR_CHANNELS.get(obj.color_space)
        return [*obj.shape, channels] if channels else obj.shape

    def get_dicom_image_set(self, obj: Image) -> None:
        return None

    def get_eye_choice(self, obj: Image) -> str:
        return "NA"

    def get_stereoscopic_choice(self, obj: Image) -> None:
        return None

    def get_field_of_view(self, obj: Image) -> None:
        return None

    def get_origin(self, obj: Image) -> str | None:
        if obj.origin_id is None:
            return None
        return absolute(
            self.context.get("request"),
            reverse("api:cases-upload-session-detail", kwargs={"pk": obj.origin_id}),
        )

    def get_thumbnail(self, obj: Image) -> str | None:
        if not obj.thumbnail:
            return None
        return absolute(self.context.get("request"), reverse("cases:thumbnail", args=[obj.pk]))


class ImageViewSet(viewsets.ReadOnlyModelViewSet):
    """Images the user may see: through an upload session they made or an archive they see."""

    serializer_class = HyperlinkedImageSerializer
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self):  # type: ignore[no-untyped-def]
        images = selectors.images_visible_to(self.request.user).prefetch_related("files")
        params = self.request.query_params
        if origin := params.get("origin"):
            images = images.filter(origin__pk=uuid_param("origin", origin))
        if archive := params.get("archive"):
            images = images.filter(
                componentinterfacevalue__archive_items__archive_id=uuid_param("archive", archive)
            ).distinct()
        if name := params.get("name"):
            images = images.filter(name=name)
        return images.order_by("-created", "pk")


class RawImageUploadSessionSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    api_url = serializers.HyperlinkedIdentityField(view_name="api:cases-upload-session-detail")
    creator: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(read_only=True)
    image_set = serializers.SerializerMethodField()
    user_uploads = serializers.SerializerMethodField()
    # write: the uploads to import and where their images go
    uploads = serializers.ListField(child=serializers.CharField(), write_only=True)
    interface = serializers.CharField(write_only=True, required=False)
    # plus one write-only field per registered target (`archive`, `archive_item`,
    # `reader_study`...), see get_fields

    class Meta:
        model = RawImageUploadSession
        fields = (
            "pk",
            "created",
            "creator",
            "status",
            "error_message",
            "file_errors",
            "deidentification_report",
            "image_set",
            "api_url",
            "user_uploads",
            "uploads",
            "interface",
        )
        read_only_fields = (
            "created",
            "status",
            "error_message",
            "file_errors",
            "deidentification_report",
        )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for name in request_target_fields():
            fields[name] = serializers.CharField(write_only=True, required=False)
        return fields

    def get_image_set(self, obj: RawImageUploadSession) -> list[str]:
        request = self.context.get("request")
        return [image_api_url(request, image.pk) for image in obj.image_set.all()]

    def get_user_uploads(self, obj: RawImageUploadSession) -> list[str]:
        request = self.context.get("request")
        return [upload_api_url(request, upload.pk) for upload in obj.user_uploads.all()]

    def to_representation(self, instance: RawImageUploadSession) -> dict:
        data = super().to_representation(instance)
        data["uploads"] = data["user_uploads"]  # gcapi reads both names
        return data

    def validate_uploads(self, value: list[str]) -> list:
        try:
            return completed_uploads_for(user=self.context["request"].user, api_urls_or_pks=value)
        except DjangoValidationError as e:
            raise ValidationError(e.messages) from e

    def validate(self, attrs: Any) -> Any:
        attrs = super().validate(attrs)
        fields = request_target_fields()
        given = [f"`{name}`" for name in fields if name in attrs]
        if len(given) > 1:
            raise ValidationError(f"Give one of {', '.join(given)}, not several.")
        if "interface" in attrs and not given:
            named = ", ".join(f"`{name}`" for name in fields)
            raise ValidationError({"interface": f"A socket needs one of {named}."})
        if "archive_item" in attrs and "interface" not in attrs:
            raise ValidationError({"interface": "Name the socket the image goes to."})
        return attrs


class RawImageUploadSessionViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Upload sessions: the user's own imports of uploads into images."""

    serializer_class = RawImageUploadSessionSerializer
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.upload_sessions_with_links_of(self.request.user).order_by("-created")

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = dict(serializer.validated_data)
        user = request_user(self.request)
        target = None
        for field in request_target_fields():
            if data.get(field) is not None:
                target = target_for_request(
                    user=user, field=field, value=data[field], interface=data.get("interface")
                )
        serializer.instance = upload_session_create(
            creator=user, uploads=data["uploads"], target=target
        )
