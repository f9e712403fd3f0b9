"""`Cache-Control: no-store` on every redirect to a signed object-store URL.

One place for every view that hands out a signed URL (image files, thumbnails, logos,
job values): a cached redirect would replay the signature after the permission check
that issued it, so neither browsers nor proxies may keep one.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

SIGNATURE_PARAMS = ("X-Amz-Signature=", "Signature=")


def is_signed_redirect(response: HttpResponse) -> bool:
    location = response.get("Location", "")
    return (
        300 <= response.status_code < 400
        and bool(location)
        and (
            location.startswith(settings.AWS_S3_ENDPOINT_URL)
            or any(param in location for param in SIGNATURE_PARAMS)
        )
    )


class NoStoreSignedRedirectMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if is_signed_redirect(response):
            response["Cache-Control"] = "no-store"
        return response
