"""`/api/v1/uploads/`: S3 multipart uploads at the paths and in the shapes gcapi uses."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from app.api import StrictSerializerMixin
from uploads import services
from uploads.models import UserUpload
from uploads.selectors import uploads_for

UPLOAD_ID = r"(?P<s3_upload_id>[^/]+)"


class UserUploadSerializer(serializers.ModelSerializer):
    pk = serializers.UUIDField(read_only=True)
    api_url = serializers.HyperlinkedIdentityField(view_name="api:upload-detail")
    key = serializers.CharField(read_only=True)

    class Meta:
        model = UserUpload
        fields: tuple[str, ...] = (
            "pk",
            "created",
            "filename",
            "key",
            "s3_upload_id",
            "status",
            "api_url",
            "size",
        )
        read_only_fields = fields


class UserUploadCreateSerializer(StrictSerializerMixin, serializers.Serializer):
    filename = serializers.CharField(max_length=services.MAX_FILENAME_LENGTH, trim_whitespace=False)


class PresignRequestSerializer(StrictSerializerMixin, serializers.Serializer):
    part_numbers = serializers.ListField(child=serializers.IntegerField())
    # optional {part number: bytes}: signed into each URL, so the store refuses other sizes
    content_lengths = serializers.DictField(child=serializers.IntegerField(), required=False)


class PresignedUrlsSerializer(UserUploadSerializer):
    presigned_urls = serializers.DictField(child=serializers.URLField(), read_only=True)

    class Meta(UserUploadSerializer.Meta):
        fields = (*UserUploadSerializer.Meta.fields, "presigned_urls")
        read_only_fields = fields


class PartSerializer(serializers.Serializer):
    ETag = serializers.CharField()
    PartNumber = serializers.IntegerField()
    LastModified = serializers.CharField(read_only=True)
    Size = serializers.IntegerField(read_only=True)


class PartsSerializer(UserUploadSerializer):
    parts = PartSerializer(many=True, read_only=True)

    class Meta(UserUploadSerializer.Meta):
        fields = (*UserUploadSerializer.Meta.fields, "parts")
        read_only_fields = fields


class CompleteRequestSerializer(StrictSerializerMixin, serializers.Serializer):
    parts = serializers.ListField(child=serializers.DictField())


class UserUploadViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Your own uploads. Others' uploads answer 404."""

    serializer_class = UserUploadSerializer
    lookup_value_regex = "[0-9a-f-]{36}"

    def get_queryset(self) -> QuerySet[UserUpload]:
        return uploads_for(user=self.request.user)

    def _data(self, serializer: type[serializers.Serializer], instance: Any) -> Any:
        return serializer(instance, context=self.get_serializer_context()).data

    @extend_schema(request=UserUploadCreateSerializer, responses={201: UserUploadSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = UserUploadCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = services.upload_create(
            creator=request.user,  # type: ignore[arg-type]
            filename=form.validated_data["filename"],
        )
        return Response(self._data(UserUploadSerializer, upload), status=status.HTTP_201_CREATED)

    @extend_schema(request=PresignRequestSerializer, responses=PresignedUrlsSerializer)
    @action(
        detail=True,
        methods=["patch"],
        url_path=f"{UPLOAD_ID}/generate-presigned-urls",
        url_name="generate-presigned-urls",
    )
    def generate_presigned_urls(self, request: Request, pk: str, s3_upload_id: str) -> Response:
        form = PresignRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload, urls = services.presigned_part_urls(
            upload=self.get_object(),
            s3_upload_id=s3_upload_id,
            part_numbers=form.validated_data["part_numbers"],
            content_lengths=form.validated_data.get("content_lengths"),
        )
        upload.presigned_urls = urls  # type: ignore[attr-defined]
        return Response(self._data(PresignedUrlsSerializer, upload))

    @extend_schema(request=None, responses=PartsSerializer)
    @action(detail=True, methods=["get"], url_path=f"{UPLOAD_ID}/list-parts", url_name="list-parts")
    def list_parts(self, request: Request, pk: str, s3_upload_id: str) -> Response:
        upload = self.get_object()
        upload.parts = services.list_upload_parts(  # type: ignore[attr-defined]
            upload=upload, s3_upload_id=s3_upload_id
        )
        return Response(self._data(PartsSerializer, upload))

    @extend_schema(request=CompleteRequestSerializer, responses=UserUploadSerializer)
    @action(
        detail=True,
        methods=["patch"],
        url_path=f"{UPLOAD_ID}/complete-multipart-upload",
        url_name="complete-multipart-upload",
    )
    def complete_multipart_upload(self, request: Request, pk: str, s3_upload_id: str) -> Response:
        form = CompleteRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = services.upload_complete(
            upload=self.get_object(),
            s3_upload_id=s3_upload_id,
            parts=form.validated_data["parts"],
        )
        return Response(self._data(UserUploadSerializer, upload))

    @extend_schema(request=None, responses=UserUploadSerializer)
    @action(
        detail=True,
        methods=["patch"],
        url_path=f"{UPLOAD_ID}/abort-multipart-upload",
        url_name="abort-multipart-upload",
    )
    def abort_multipart_upload(self, request: Request, pk: str, s3_upload_id: str) -> Response:
        upload = services.upload_abort(upload=self.get_object(), s3_upload_id=s3_upload_id)
        return Response(self._data(UserUploadSerializer, upload))
