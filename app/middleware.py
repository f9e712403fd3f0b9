"""API guards that run before any view: body size, and no API over plain HTTP."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse

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


class ApiOverHttpsOnlyMiddleware:
    """With API_HTTPS_URL set, the API is not served over plain HTTP.

    `make run` serves pages on a plain-HTTP port for the browser; a token sent there would
    cross the network in clear, and gcapi refuses plain HTTP anyway. API paths (and any
    request carrying an Authorization header) over plain HTTP: reads are redirected to the
    same path under API_HTTPS_URL; writes are refused with 403 naming that URL, because a
    redirect would make clients resend (or drop) their body. Requests that arrived over
    HTTPS pass untouched, so both listeners can share this setting.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        https_url = (settings.API_HTTPS_URL or "").rstrip("/")
        if (
            https_url
            and not request.is_secure()
            and (request.path.startswith("/api/") or "HTTP_AUTHORIZATION" in request.META)
        ):
            target = f"{https_url}{request.get_full_path()}"
            if request.method in ("GET", "HEAD"):
                return HttpResponsePermanentRedirect(target)
            return JsonResponse(
                {"detail": f"The API is served over HTTPS only: send this request to {target}"},
                status=403,
            )
        return self.get_response(request)
