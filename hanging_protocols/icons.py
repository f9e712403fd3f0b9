"""A hanging protocol's icon: its viewports as outlined rectangles in a 32 by 18 SVG, for
lists and pickers. Without x/y/w/h the viewports sit side by side, as the viewer shows them."""

from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT = 32, 18
STROKE = WIDTH * 0.05


def _boxes(json: list[dict[str, Any]]) -> list[tuple[float, float, float, float]]:
    """(x, y, w, h) of each top-level viewport, in grid units, and the grid's size last."""
    top = [v for v in json if "parent_id" not in v] or json
    if all("x" in v for v in top):
        return [(v["x"], v["y"], v["w"], v["h"]) for v in top]
    return [(i, 0, 1, 1) for i in range(len(top))]


def svg_icon(json: list[dict[str, Any]]) -> SafeString:
    boxes = _boxes(json)
    cols = max(x + w for x, _, w, _ in boxes) or 1
    rows = max(y + h for _, y, _, h in boxes) or 1
    pad = STROKE / 2
    sx, sy = (WIDTH - 2 * pad) / cols, (HEIGHT - 2 * pad) / rows
    rects = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" stroke-width="{}"/>',
        (
            (
                _n(pad + x * sx),
                _n(pad + y * sy),
                _n(w * sx),
                _n(h * sy),
                _n(STROKE),
            )
            for x, y, w, h in boxes
        ),
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" viewBox="0 0 {} {}" '
        'fill="none" stroke="currentColor" role="img" aria-label="{}">{}</svg>',
        WIDTH,
        HEIGHT,
        WIDTH,
        HEIGHT,
        f"Layout of {len(boxes)} viewport{'s' if len(boxes) != 1 else ''}",
        rects,
    )


def _n(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")
