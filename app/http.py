"""Small request helpers shared by pages and the API."""

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rest_framework.request import Request


def absolute(request: Request | HttpRequest | None, path: str) -> str:
    """An absolute URL on the host the request came to (gcapi follows only those)."""
    return request.build_absolute_uri(path) if request is not None else path


def request_user(request: Request | HttpRequest) -> User:
    """The signed-in user of a request that the view's permissions let through, typed as
    the `User` services take; an anonymous one (a view that forgot its guard) gets a 403
    in pages and the API alike, never a 500."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Sign in first.")
    return user
