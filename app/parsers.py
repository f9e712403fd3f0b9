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


# Deeper JSON is no value any socket or field takes; Python's parser would recurse
# until RecursionError (a 500) on a few thousand brackets.
JSON_MAX_DEPTH = 64


def _check_shape(data: Any) -> None:
    """Refuse JSON nested deeper than JSON_MAX_DEPTH, or holding NUL characters
    (PostgreSQL stores none in text or jsonb: they surfaced as 500s)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > JSON_MAX_DEPTH:
                raise ParseError(f"JSON nested too deeply: at most {JSON_MAX_DEPTH} levels")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and "\x00" in key:
                    raise ParseError("JSON keys must not contain NUL characters (\\u0000)")
                stack.append((item, depth + 1))
        elif isinstance(value, str) and "\x00" in value:
            raise ParseError("JSON strings must not contain NUL characters (\\u0000)")


class LimitedJSONParser(JSONParser):
    """JSON with DATA_UPLOAD_MAX_MEMORY_SIZE enforced: DRF reads the stream itself,
    so Django's own limit never sees JSON bodies. `app.middleware` refuses bodies
    whose Content-Length is too large before this runs; this catches the rest."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if stream is not None and limit is not None:
            body = stream.read(limit + 1)
            if len(body) > limit:
                raise ParseError(body_too_large_message())
            stream = BytesIO(body)
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as e:
            raise ParseError(f"JSON nested too deeply: at most {JSON_MAX_DEPTH} levels") from e
        _check_shape(data)
        return data
