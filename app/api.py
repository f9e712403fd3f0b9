"""API plumbing shared by every app: pagination, strict fields, errors."""

import uuid
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import pagination, serializers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from app.http import absolute


def uuid_param(name: str, value: str) -> str:
    """A UUID from a query parameter or form field, or a 400 naming the parameter."""
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError) as e:
        raise ValidationError({name: f"{value!r} is not a valid UUID."}) from e


_PK_PLACEHOLDER = "00000000-0000-0000-0000-00000000abcd"


@extend_schema_field(OpenApiTypes.URI)
class DetailUrlField(serializers.Field):
    """The absolute URL of a detail view for the object's (or a related object's) UUID:
    what DRF's hyperlinked fields give, with the URL reversed once per response instead
    of once per row (a page of 100 answers has 300 links)."""

    def __init__(self, view_name: str, *, pk_attr: str = "pk", **kwargs: Any) -> None:
        self.view_name, self.pk_attr = view_name, pk_attr
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value: Any) -> str | None:
        pk = getattr(value, self.pk_attr)
        if pk is None:
            return None
        templates = self.context.setdefault("detail_url_templates", {})
        template = templates.get(self.view_name)
        if template is None:
            path = reverse(self.view_name, kwargs={"pk": _PK_PLACEHOLDER})
            template = templates[self.view_name] = absolute(self.context.get("request"), path)
        return template.replace(_PK_PLACEHOLDER, str(pk))


class Pagination(pagination.LimitOffsetPagination):
    """`{count, next, previous, results}` with `limit` and `offset`, as gcapi pages."""

    default_limit = 100
    max_limit = 1000


class StrictSerializerMixin:
    """Refuse unknown fields instead of silently ignoring them.

    Put it first in the bases: `class S(StrictSerializerMixin, serializers.Serializer)`,
    or use `StrictSerializer` / `StrictModelSerializer`. Unknown fields are reported
    together with any other field errors, naming each one.
    """

    def to_internal_value(self, data: Any) -> Any:
        unknown: dict[str, list[str]] = {}
        if isinstance(data, dict):
            known = set(self.fields)  # type: ignore[attr-defined]
            unknown = {name: ["Unknown field."] for name in sorted(set(data) - known)}
        try:
            value = super().to_internal_value(data)  # type: ignore[misc]
        except ValidationError as e:
            if unknown and isinstance(e.detail, dict):
                raise ValidationError({**e.detail, **unknown}) from e
            raise
        if unknown:
            raise ValidationError(unknown)
        return value


class StrictSerializer(StrictSerializerMixin, serializers.Serializer):
    pass


class StrictModelSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    pass


def django_error_detail(e: DjangoValidationError) -> Any:
    """A Django ValidationError as DRF detail: its field dict, or its messages under
    `non_field_errors` (DRF's own key for errors of no one field)."""
    if hasattr(e, "error_dict"):
        return e.message_dict
    return {"non_field_errors": e.messages}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """The one place API errors are shaped: services raise Django's ValidationError and
    views let it through; it answers 400 with the messages, never 500. A part that is
    down answers 503 naming it (pages get the same from `app.unavailable`)."""
    from django.core.exceptions import RequestDataTooBig

    from app.parsers import body_too_large_message
    from app.unavailable import RETRY_AFTER_S, unavailable_message

    if isinstance(exc, RequestDataTooBig):
        exc = ParseError(body_too_large_message())
    elif isinstance(exc, DjangoValidationError):
        exc = ValidationError(django_error_detail(exc))
    elif (down := unavailable_message(exc)) is not None:
        # A dead object store, broker or database: 503 naming it, not a traceback.
        return Response({"detail": down}, status=503, headers={"Retry-After": str(RETRY_AFTER_S)})
    return drf_exception_handler(exc, context)
