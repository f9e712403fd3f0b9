"""Request body parsers for the API (kept apart from app.api: DRF imports them while
app.api itself imports DRF's views, which read the parser setting)."""

from io import BytesIO
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def body_too_large_message(size: int | None = None) -> str:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    got = f" ({size} bytes)" if size is not None else ""
    return (
        f"Request body too large{got}: the limit is {limit} bytes "
        "(DATA_UPLOAD_MAX_MEMORY_SIZE); send files through the uploads API"
    )


class LimitedJSONParser(JSONParser):
    """JSON with DATA_UPLOAD_MAX_MEMORY_SIZE enforced: DRF reads the stream itself,
    so Django's own limit never sees JSON bodies. `app.middleware` refuses bodies
    whose Content-Length is too large before this runs; this catches the rest."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is None or stream is None:
            return super().parse(stream, media_type, parser_context)
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise ParseError(body_too_large_message())
        return super().parse(BytesIO(body), media_type, parser_context)
