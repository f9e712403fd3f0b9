"""A part the request needs is down (object store, broker, database): 503 naming it.

One middleware for pages and API alike: DRF re-raises exceptions its handler does not
know, so they reach `process_exception` here instead of becoming a 500 traceback.
"""

import logging
import re
from collections.abc import Callable

from botocore.exceptions import ConnectionError as BotoConnectionError
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError
from django.db import OperationalError as DatabaseOperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

RETRY_AFTER_S = 30
# What each kind of failure means to the person who made the request.
DOWN: list[tuple[tuple[type[BaseException], ...], str]] = [
    (
        (EndpointConnectionError, BotoConnectionError, ReadTimeoutError),
        "The object store (S3) is unavailable",
    ),
    (
        (BrokerOperationalError, RedisConnectionError, RedisTimeoutError),
        "The task queue (broker) is unavailable",
    ),
    ((DatabaseOperationalError,), "The database is unavailable"),
]


def _without_credentials(text: str) -> str:
    return re.sub(r"//[^/@\s]+@", "//", text)


def unavailable_message(exc: BaseException) -> str | None:
    """A message naming the part that is down, or None when `exc` is no such failure."""
    for kinds, part in DOWN:
        if isinstance(exc, kinds):
            reason = _without_credentials(str(exc).splitlines()[0] if str(exc) else "")
            return f"{part}: {reason.rstrip('.') or type(exc).__name__}. Please try again shortly."
    return None


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "json" in request.headers.get("Accept", "")


class ServiceUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        message = unavailable_message(exc)
        if message is None:
            return None
        logger.warning("503 for %s %s: %s", request.method, request.path, message)
        response: HttpResponse
        if wants_json(request):
            response = JsonResponse({"detail": message}, status=503)
        else:
            # No request context: rendering must not need the part that is down.
            response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
        response["Retry-After"] = str(RETRY_AFTER_S)
        return response
