"""The decorator for file URLs that API responses hand out.

Apart from `app.auth` because DRF's settings import that module while `rest_framework.views`
(which the decorators need) is still loading.
"""

from collections.abc import Callable

from django.http import HttpResponse
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny

from app.auth import BearerTokenAuthentication


def file_url_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A GET file URL that takes the API's Bearer token as well as the site's session, so a
    client downloads with the credentials it already has. Anyone may reach the view; the
    view answers 404 to whoever may not see the file."""
    view = permission_classes([AllowAny])(view)
    view = authentication_classes([BearerTokenAuthentication, SessionAuthentication])(view)
    return api_view(["GET"])(view)  # type: ignore[no-any-return]
