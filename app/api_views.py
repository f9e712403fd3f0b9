"""API views that belong to no app."""

from django.conf import settings
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from app.api import StrictModelSerializer
from app.models import ApiToken
from app.selectors import tokens_of
from app.services import MAX_TOKEN_DAYS, api_token_create, api_token_revoke


class GcapiVersionSerializer(serializers.Serializer):
    latest_version = serializers.CharField()
    lowest_supported_version = serializers.CharField()


@extend_schema(responses=GcapiVersionSerializer)
@api_view(["GET"])
@permission_classes([permissions.AllowAny])
def gcapi_version(request: Request) -> Response:
    """The gcapi client versions this server supports."""
    return Response(
        {
            "latest_version": settings.GCAPI_LATEST_VERSION,
            "lowest_supported_version": settings.GCAPI_LOWEST_SUPPORTED_VERSION,
        }
    )


class ApiTokenSerializer(StrictModelSerializer):
    days = serializers.IntegerField(
        write_only=True,
        min_value=1,
        max_value=MAX_TOKEN_DAYS,
        default=settings.API_TOKEN_DEFAULT_DAYS,
        help_text="Days until the token expires",
    )
    status = serializers.CharField(read_only=True)

    class Meta:
        model = ApiToken
        fields: tuple[str, ...] = (
            *("id", "name", "prefix", "created", "expires", "revoked", "last_used", "status"),
            "days",
        )
        read_only_fields = ("prefix", "created", "expires", "revoked", "last_used")


class NewApiTokenSerializer(ApiTokenSerializer):
    token = serializers.CharField(read_only=True, help_text="The secret, shown only this once")

    class Meta(ApiTokenSerializer.Meta):
        fields = (*ApiTokenSerializer.Meta.fields, "token")


class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The signed-in user's own API tokens. DELETE revokes a token (it stays listed)."""

    serializer_class = ApiTokenSerializer
    queryset = ApiToken.objects.none()  # for the schema; get_queryset narrows to the owner

    def get_queryset(self) -> QuerySet[ApiToken]:
        return tokens_of(self.request.user)  # type: ignore[arg-type]

    @extend_schema(responses={201: NewApiTokenSerializer})
    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            token, secret = api_token_create(
                user=request.user,  # type: ignore[arg-type]
                name=serializer.validated_data["name"],
                days=serializer.validated_data["days"],
                request=request._request,
                via_token=request.auth if isinstance(request.auth, ApiToken) else None,
            )
        except ValueError as e:
            raise serializers.ValidationError({"name": [str(e)]}) from e
        token.token = secret  # type: ignore[attr-defined]
        return Response(NewApiTokenSerializer(token).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: ApiToken) -> None:
        api_token_revoke(token=instance, actor=self.request.user, request=self.request._request)  # type: ignore[arg-type]
