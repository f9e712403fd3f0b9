"""The decorator for file URLs that API responses hand out.

Apart from `app.auth` because DRF's settings import that module while `rest_framework.views`
(which the decorators need) is still loading.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
    renderer_classes,
)
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer

from app.auth import BearerTokenAuthentication


def file_url_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A GET file URL that takes the API's Bearer token as well as the site's session, so a
    client downloads with the credentials it already has. Anyone may reach the view; the
    view answers 404 to whoever may not see the file."""
    view = permission_classes([AllowAny])(view)
    view = authentication_classes([BearerTokenAuthentication, SessionAuthentication])(view)
    # JSON only: DRF's browsable HTML page is no answer for an <img> or a browser tab.
    view = renderer_classes([JSONRenderer])(view)
    drf_view = api_view(["GET"])(view)

    @wraps(drf_view)
    def site_errors_for_browsers(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from app.error_views import error_page, wants_page

        response: HttpResponse = drf_view(request, *args, **kwargs)
        if response.status_code in (403, 404) and wants_page(request):
            return error_page(request, 404)  # the site's page; 403 too, so nothing leaks
        return response

    return site_errors_for_browsers
