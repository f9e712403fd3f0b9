"""Request shapes no view can use, refused before any view runs, with a clear message."""

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, JsonResponse

from app.unavailable import wants_json


def _refuse(request: HttpRequest, message: str, status: int) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"detail": message}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


class MalformedRequestMiddleware:
    """Chunked bodies without Content-Length get 411 (WSGI would hand the view an empty
    body, so it would answer about missing fields instead); NUL characters in the URL get
    400 (PostgreSQL refuses them in a query, which surfaced as a 500)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        encoding = request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        if "chunked" in encoding and not request.META.get("CONTENT_LENGTH"):
            return _refuse(
                request,
                "Chunked request bodies (Transfer-Encoding: chunked) are not accepted: "
                "send the body with a Content-Length header",
                411,
            )
        if "\x00" in request.path or b"\x00" in unquote_to_bytes(
            request.META.get("QUERY_STRING", "")
        ):
            return _refuse(request, "The URL contains a NUL character (%00)", 400)
        return self.get_response(request)
