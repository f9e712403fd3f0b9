"""Find the object an API URL (as gcapi sends them) names."""

import uuid
from urllib.parse import urlsplit

from django.urls import Resolver404, resolve


def pk_from_api_url(value: object, view_name: str) -> str | None:
    """The pk in an API URL of `view_name` (e.g. `api:cases-image-detail`), or a bare UUID."""
    if not isinstance(value, str):
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        pass
    try:
        match = resolve(urlsplit(value).path)
    except Resolver404:
        return None
    if match.view_name != view_name:
        return None
    try:
        return str(uuid.UUID(str(match.kwargs.get("pk"))))
    except ValueError:
        return None
