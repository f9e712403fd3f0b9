"""Whole-slide images by tiles: a descriptor the viewer opens with, then tiles read by byte
ranges from the stored pyramidal TIFF (cases.tiles). Both check, on every request, that the
user may see the image; outsiders and anonymous users get 404, as for the image's files."""

import contextlib
import hashlib
import threading
import time
from uuid import UUID

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from rest_framework.request import Request

from app.file_urls import file_url_view
from app.http import request_user
from cases import selectors, services, tiles
from cases.models import ImageFile
from cases.slide_viewing import slide_geometry

# Tiles never change (an image's stored TIFF is never replaced), but the permission that
# let them out may: a browser keeps one only as long as a signed URL to the same bytes
# would live, never in a shared cache, and does not ask again meanwhile (immutable).
TILE_CACHE_CONTROL = f"private, max-age={settings.SIGNED_URL_LIFETIME}, immutable"


# A viewer asks for tiles by the hundred, and the full permission check (the session and
# user from the database, then one query built over every app's visibility rules) costs
# more than reading a tile. So a tile request reuses a "yes" for the same credentials (the
# session cookie or Bearer token, as sent) and image for a short while, shorter than a
# signed URL to the same bytes lives: a revoked user, or a session signed out, loses tiles
# no later than a signed download would. A kept "yes" needs no database at all. The
# descriptor always checks in full; "no" is never kept.
GRANT_SECONDS = min(60, settings.SIGNED_URL_LIFETIME)
MAX_GRANTS = 10_000
_grants: dict[tuple[str, str], tuple[str, float]] = {}
_grants_lock = threading.Lock()


def _slide_file(request: Request, pk: str) -> ImageFile:
    image_file = selectors.slide_file_visible_to(request.user, pk)
    if image_file is None:
        raise Http404("No such slide")
    return image_file


def _grant_key(request: HttpRequest | Request, pk: object) -> tuple[str, str]:
    """The credentials as sent, digested (the key is a secret), with the image. Requests
    without any (anonymous users, who all see the same public images) share one key."""
    credentials = "\n".join(
        (
            request.META.get("HTTP_AUTHORIZATION", ""),
            request.COOKIES.get(settings.SESSION_COOKIE_NAME, ""),
        )
    )
    return (hashlib.sha256(credentials.encode()).hexdigest(), str(pk))


def _granted(request: HttpRequest | Request, pk: object) -> str | None:
    """The stored TIFF's key while a recent "yes" for these credentials and image holds."""
    with _grants_lock:
        grant = _grants.get(_grant_key(request, pk))
    return grant[0] if grant is not None and grant[1] > time.monotonic() else None


def _open(request: Request, image_file: ImageFile) -> None:
    """A full "yes": recorded as an opening, and kept for the next tiles. The page may
    carry the slide's geometry (cases.slide_viewing), so tiles can come before the
    descriptor, or without it when the user leaves early: whichever checks first records."""
    services.slide_open_record(
        image_file=image_file, user=request_user(request), request=request._request
    )
    with _grants_lock:
        if len(_grants) >= MAX_GRANTS:
            _grants.clear()
        _grants[_grant_key(request, image_file.image_id)] = (
            image_file.file.name,
            time.monotonic() + GRANT_SECONDS,
        )


def _slide_key(request: Request, pk: str) -> str:
    """The stored TIFF's key, if the user may see the image (else 404)."""
    key = _granted(request, pk)
    if key is None:
        image_file = _slide_file(request, pk)
        _open(request, image_file)
        key = image_file.file.name
    return key


def _unusable(e: tiles.TileError) -> JsonResponse:
    return JsonResponse({"detail": f"The slide cannot be shown: {e}."}, status=422)


@file_url_view
def slide_descriptor(request: Request, pk: str) -> HttpResponse:
    """Size, pixel spacing and levels of a slide, and where its tiles are."""
    image_file = _slide_file(request, pk)
    try:
        pyramid = tiles.pyramid(image_file.file.name)
    except tiles.TileError as e:
        return _unusable(e)
    if _granted(request, pk) is None:  # else its tiles were asked for, and recorded, just now
        _open(request, image_file)
    response = JsonResponse(slide_geometry(image=image_file.image, pyramid=pyramid))
    response["Cache-Control"] = "private, no-cache"
    return response


def _tile_response(*, key: str, level: int, column: int, row: int) -> HttpResponse:
    tile = tiles.tile(key=key, level=level, column=column, row=row)
    response = HttpResponse(tile.content, content_type=tile.content_type)
    response["Cache-Control"] = TILE_CACHE_CONTROL
    response["Vary"] = "Cookie, Authorization"
    return response


def slide_tile(request: HttpRequest, pk: UUID, level: int, column: int, row: int) -> HttpResponse:
    """One tile: at once while these credentials hold a recent "yes" for the image, else
    after the full check (which answers, too, every tile that cannot be given)."""
    key = _granted(request, pk)
    if key is not None:
        with contextlib.suppress(tiles.TileNotFound, tiles.TileError):
            return _tile_response(key=key, level=level, column=column, row=row)
    return _checked_slide_tile(request, pk=pk, level=level, column=column, row=row)


@file_url_view
def _checked_slide_tile(
    request: Request, pk: UUID, level: int, column: int, row: int
) -> HttpResponse:
    key = _slide_key(request, str(pk))
    try:
        return _tile_response(key=key, level=level, column=column, row=row)
    except tiles.TileNotFound as e:
        raise Http404(str(e)) from None
    except tiles.TileError as e:
        return _unusable(e)
