"""Find the object an API URL (as gcapi sends them) names: the one parser for every app."""

import uuid
from urllib.parse import urlsplit

from django.urls import Resolver404, resolve

# Primary keys in URLs: routers use it as `lookup_value_regex`, url patterns as `<uuid:pk>`.
UUID_PATTERN = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


def pk_from_api_url(value: object, view_name: str) -> str | None:
    """The pk in an API URL of `view_name` (e.g. `api:cases-image-detail`), or a bare UUID;
    None for anything else (other views, other hosts' paths, junk of any type)."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if not isinstance(value, str) or len(value) > 2048:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        pass
    try:
        match = resolve(urlsplit(value).path)
    except (Resolver404, ValueError):
        return None
    if match.view_name != view_name:
        return None
    try:
        return str(uuid.UUID(str(match.kwargs.get("pk"))))
    except ValueError:
        return None
