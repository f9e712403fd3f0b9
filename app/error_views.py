"""The site's error pages: in the site layout with navigation, saying what happened and what
to do. Under /api/ they stay JSON, as DRF's own errors are, so clients never parse HTML."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

from app.permissions import RightMissing

TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Page not found",
    500: "Something went wrong on our side",
}


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def wants_page(request: HttpRequest) -> bool:
    """A browser navigating or loading an image, not an API client: the site's page, not JSON."""
    accept = request.headers.get("Accept", "")
    return ("text/html" in accept or "image/" in accept) and "application/json" not in accept


def error_page(request: HttpRequest, status: int, context: dict | None = None) -> HttpResponse:
    body = loader.render_to_string(
        f"{status}.html", {"status": status, "title": TITLES[status], **(context or {})}, request
    )
    return HttpResponse(body, status=status)


def _api_error(status: int) -> JsonResponse:
    return JsonResponse({"detail": TITLES[status] + "."}, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _api_error(400) if _is_api(request) else error_page(request, 400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _api_error(403)
    context: dict = {"reason": str(exception) if str(exception) else ""}
    if isinstance(exception, RightMissing):
        context["request_url"] = exception.request_url
        context["right"] = exception.right
        context["decided_by"] = exception.decided_by
    return error_page(request, 403, context)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _api_error(404) if _is_api(request) else error_page(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return _api_error(500)
    try:
        return error_page(request, 500)
    except Exception:  # the layout needs the database (user, messages): say it plainly
        return HttpResponse(
            "<!doctype html><title>Server error</title><h1>Something went wrong on our side</h1>"
            "<p>Try again in a minute; if it keeps happening, tell the site's administrators.</p>",
            status=500,
        )
