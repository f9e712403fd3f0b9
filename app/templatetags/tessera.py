"""The site's one date format, byte unit, duration format and sanitised Markdown, for
every template:
`{% load tessera %}` is not needed, the library is a builtin (settings TEMPLATES OPTIONS
builtins)."""

from datetime import date, datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from app.markdown import md2html

register = template.Library()

BYTE_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")


@register.filter
def isodate(value: datetime | date | None) -> str:
    """2026-12-01 23:05 in the site's local time; '' for none."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    return value.strftime("%Y-%m-%d")


@register.filter
def binarysize(value: int | float | None) -> str:
    """Bytes in binary units with one decimal: 1536 -> '1.5 KiB'; '' for none."""
    if value is None or value == "":
        return ""
    size = float(value)
    for unit in BYTE_UNITS:
        if abs(size) < 1024 or unit == BYTE_UNITS[-1]:
            return f"{int(size)} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


@register.filter
def duration(value: timedelta | None) -> str:
    """A time span as '1 h 02 min', '3 min 05 s' or '42 s'; '' for none."""
    if value is None or value == "":
        return ""
    seconds = max(0, int(value.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {seconds:02d} s"
    return f"{seconds} s"


@register.filter
def markdown(value: str | None) -> SafeString:
    """Organisers' Markdown as HTML, sanitised by `md2html` (so safe to mark safe)."""
    return mark_safe(md2html(value or ""))  # noqa: S308


@register.filter
def omit(value: dict, key: str) -> dict:
    """The dict without `key`: e.g. a viewer config's inline preview, which the page shows
    as an image, kept out of its JSON block (it would be in the page twice)."""
    return {k: v for k, v in value.items() if k != key}
