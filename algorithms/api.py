"""`algorithms/` and `algorithms/images/` in gcapi's shapes, plus creation for CI pipelines."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from algorithms import selectors, services
from algorithms.images.services import algorithm_image_activate, algorithm_image_create
from algorithms.models import Algorithm, AlgorithmImage, AlgorithmInterface
from app.api import Pagination, StrictSerializerMixin, uuid_param
from app.http import absolute, request_user
from app.permissions import may_create
from app.urlresolve import UUID_PATTERN, pk_from_api_url
from components.api import ComponentInterfaceSerializer
from uploads.selectors import completed_uploads_for


class AlgorithmInterfaceSerializer(serializers.ModelSerializer):
    inputs = ComponentInterfaceSerializer(many=True, read_only=True)
    outputs = ComponentInterfaceSerializer(many=True, read_only=True)

    class Meta:
        model = AlgorithmInterface
        fields = ("inputs", "outputs")


class AlgorithmSerializer(serializers.ModelSerializer):
    pk = serializers.UUIDField(read_only=True)
    api_url = serializers.HyperlinkedIdentityField(view_name="api:algorithm-detail")
    url = serializers.SerializerMethodField()
    logo = serializers.SerializerMethodField()
    average_duration = serializers.SerializerMethodField()
    interfaces = AlgorithmInterfaceSerializer(many=True, read_only=True)

    class Meta:
        model = Algorithm
        fields = (
            "pk",
            "api_url",
            "url",
            "title",
            "slug",
            "description",
            "logo",
            "average_duration",
            "interfaces",
            "time_limit",
            "memory_limit_gb",
            "requires_gpu",
            "max_active_jobs_per_user",
            "public",
            "created",
        )
        read_only_fields = fields

    def get_url(self, obj: Algorithm) -> str:
        return absolute(self.context.get("request"), reverse("algorithms:detail", args=[obj.slug]))

    def get_logo(self, obj: Algorithm) -> str:
        return obj.logo.url if obj.logo else ""

    def get_average_duration(self, obj: Algorithm) -> float | None:
        return None


class InterfaceSlugsSerializer(serializers.Serializer):
    inputs = serializers.ListField(child=serializers.SlugField(), allow_empty=False)
    outputs = serializers.ListField(child=serializers.SlugField(), allow_empty=False)


class AlgorithmCreateSerializer(StrictSerializerMixin, serializers.Serializer):
    title = serializers.CharField(max_length=255)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    interfaces = InterfaceSlugsSerializer(many=True, allow_empty=False)
    time_limit = serializers.IntegerField(
        required=False, default=3600, min_value=60, max_value=86400
    )
    memory_limit_gb = serializers.IntegerField(required=False, default=4, min_value=1, max_value=64)
    requires_gpu = serializers.BooleanField(required=False, default=False)
    max_active_jobs_per_user = serializers.IntegerField(
        required=False, default=5, min_value=1, max_value=1000
    )
    public = serializers.BooleanField(required=False, default=False)


class AlgorithmViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = AlgorithmSerializer
    pagination_class = Pagination
    lookup_value_regex = UUID_PATTERN
    queryset = Algorithm.objects.none()

    def get_queryset(self) -> QuerySet[Algorithm]:
        return selectors.algorithms_for(
            user=self.request.user, slug=self.request.query_params.get("slug")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not may_create(request.user, Algorithm):
            raise exceptions.PermissionDenied("You may not create algorithms.")
        data = AlgorithmCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        algorithm = services.algorithm_create(
            creator=request_user(request), request=request._request, **data.validated_data
        )
        body = AlgorithmSerializer(algorithm, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class AlgorithmImageSerializer(serializers.ModelSerializer):
    pk = serializers.UUIDField(read_only=True)
    api_url = serializers.HyperlinkedIdentityField(view_name="api:algorithm-image-detail")
    url = serializers.SerializerMethodField()
    algorithm: serializers.HyperlinkedRelatedField = serializers.HyperlinkedRelatedField(
        view_name="api:algorithm-detail", read_only=True
    )
    import_status = serializers.CharField(source="status", read_only=True)
    image = serializers.SerializerMethodField()

    class Meta:
        model = AlgorithmImage
        fields = (
            "pk",
            "api_url",
            "url",
            "algorithm",
            "created",
            "import_status",
            "status_reason",
            "image",
            "image_sha256",
            "size",
            "is_active",
            "comment",
        )
        read_only_fields = fields

    def get_url(self, obj: AlgorithmImage) -> str:
        path = reverse("algorithms:image-detail", args=[obj.algorithm.slug, obj.pk])
        return absolute(self.context.get("request"), path)

    def get_image(self, obj: AlgorithmImage) -> str | None:
        # the tarball holds the algorithm's code: it is never handed out, only run
        return None


class AlgorithmImageCreateSerializer(StrictSerializerMixin, serializers.Serializer):
    algorithm = serializers.CharField()
    user_upload = serializers.CharField()
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class AlgorithmImageUpdateSerializer(StrictSerializerMixin, serializers.Serializer):
    is_active = serializers.BooleanField()


def _algorithm_from_url(request: Request, value: str) -> Algorithm:
    """The algorithm an API URL (or pk) names, if the user may edit it; 400 otherwise."""
    pk = pk_from_api_url(value, "api:algorithm-detail")
    found = (
        selectors.editable_algorithms_for(user=request.user).filter(pk=pk).first() if pk else None
    )
    if found is None:
        raise exceptions.ValidationError(
            {"algorithm": [f"{value!r} is not an algorithm you may add images to."]}
        )
    return found


class AlgorithmImageViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    serializer_class = AlgorithmImageSerializer
    pagination_class = Pagination
    lookup_value_regex = UUID_PATTERN
    queryset = AlgorithmImage.objects.none()
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[AlgorithmImage]:
        queryset = selectors.images_for(user=self.request.user)
        algorithm = self.request.query_params.get("algorithm")
        if algorithm:
            queryset = queryset.filter(algorithm__pk=uuid_param("algorithm", algorithm))
        return queryset

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = AlgorithmImageCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        algorithm: Algorithm = _algorithm_from_url(request, data.validated_data["algorithm"])
        user = request_user(request)
        try:
            (upload,) = completed_uploads_for(
                user=user, api_urls_or_pks=[data.validated_data["user_upload"]]
            )
        except DjangoValidationError as e:  # name the field: the messages name the upload
            raise DjangoValidationError({"user_upload": e.messages}) from e
        image = algorithm_image_create(
            algorithm=algorithm,
            creator=user,
            user_upload=upload,
            comment=data.validated_data["comment"],
            request=request._request,
        )
        body = AlgorithmImageSerializer(image, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        image = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        data = AlgorithmImageUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not data.validated_data["is_active"]:
            raise exceptions.ValidationError(
                {"is_active": ["Activate another image instead of deactivating this one."]}
            )
        image = algorithm_image_activate(
            image=image, actor=request_user(request), request=request._request
        )
        return Response(AlgorithmImageSerializer(image, context={"request": request}).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise exceptions.MethodNotAllowed(request.method or "PUT")
