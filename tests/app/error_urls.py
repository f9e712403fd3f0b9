"""The site's URLs plus views that fail on purpose, for the error-page tests."""

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import path

from app.urls import handler400, handler403, handler404, handler500, urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


def malformed(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("malformed")


urlpatterns = [path("test-boom/", boom), path("test-malformed/", malformed), *urlpatterns]
