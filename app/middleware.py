"""Refuse oversized API request bodies before anything reads them."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from app.parsers import body_too_large_message


class ApiBodyLimitMiddleware:
    """API bodies over DATA_UPLOAD_MAX_MEMORY_SIZE get 400 naming the limit.

    Multipart bodies are left to Django, whose limit counts only the non-file parts
    (files stream to temporary files); large data goes straight to the object store
    through the uploads API anyway.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if (
            limit is not None
            and request.path.startswith("/api/")
            and not (request.content_type or "").startswith("multipart/")
        ):
            try:
                size = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return JsonResponse({"detail": "Content-Length is not a number"}, status=400)
            if size > limit:
                return JsonResponse({"detail": body_too_large_message(size)}, status=400)
        return self.get_response(request)
