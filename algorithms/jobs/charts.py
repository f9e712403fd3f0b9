"""Server-side SVG for chart socket values (a Vega-Lite subset): no script, no CDN.

Supports `data.values` with a `mark` of bar, line, point or area and `encoding.x`/`y`
fields (`quantitative`, `ordinal`, `nominal` or `temporal` treated as labels). Anything
else renders as None, and the page shows the JSON instead.
"""

from dataclasses import dataclass
from html import escape
from typing import Any

WIDTH, HEIGHT = 560, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 28, 48


@dataclass(frozen=True)
class Series:
    xs: list[Any]
    ys: list[float]
    numeric_x: bool


def _mark(spec: dict) -> str:
    mark = spec.get("mark")
    if isinstance(mark, dict):
        mark = mark.get("type")
    return str(mark) if mark in ("bar", "line", "point", "area", "circle", "tick") else ""


def _series(spec: dict) -> Series | None:
    data = spec.get("data")
    values = data.get("values") if isinstance(data, dict) else None
    encoding = spec.get("encoding")
    if not isinstance(values, list) or not isinstance(encoding, dict):
        return None
    x, y = encoding.get("x"), encoding.get("y")
    if not (isinstance(x, dict) and isinstance(y, dict)):
        return None
    xf, yf = x.get("field"), y.get("field")
    if not (isinstance(xf, str) and isinstance(yf, str)):
        return None
    xs: list[Any] = []
    ys: list[float] = []
    for row in values[:2000]:
        if not isinstance(row, dict) or xf not in row or yf not in row:
            continue
        try:
            ys.append(float(row[yf]))
        except (TypeError, ValueError):
            continue
        xs.append(row[xf])
    if not xs:
        return None
    numeric_x = x.get("type") == "quantitative" and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in xs
    )
    return Series(xs=xs, ys=ys, numeric_x=numeric_x)


def _fmt(value: float) -> str:
    return f"{value:.3g}"


def chart_svg(spec: Any) -> str | None:
    """An accessible inline SVG for the chart, or None when the spec is not supported."""
    if not isinstance(spec, dict):
        return None
    mark = _mark(spec)
    series = _series(spec)
    if not mark or series is None:
        return None
    title = str(spec["title"]) if isinstance(spec.get("title"), str) else "Chart"
    encoding = spec["encoding"]
    x_title = str(encoding["x"].get("title") or encoding["x"]["field"])
    y_title = str(encoding["y"].get("title") or encoding["y"]["field"])

    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    y_min, y_max = min(0.0, *series.ys), max(0.0, *series.ys)
    if y_max == y_min:
        y_max = y_min + 1.0

    def sy(v: float) -> float:
        return TOP + plot_h - (v - y_min) / (y_max - y_min) * plot_h

    n = len(series.xs)
    if series.numeric_x:
        x_min, x_max = float(min(series.xs)), float(max(series.xs))
        if x_max == x_min:
            x_max = x_min + 1.0

        def sx(i: int) -> float:
            return LEFT + (float(series.xs[i]) - x_min) / (x_max - x_min) * plot_w

    else:
        step = plot_w / n

        def sx(i: int) -> float:
            return LEFT + step * (i + 0.5)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
        f'<text x="{WIDTH / 2}" y="16" text-anchor="middle" font-size="13">{escape(title)}</text>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" '
        'stroke="#444"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#444"/>',
    ]
    for k in range(5):  # y ticks
        v = y_min + (y_max - y_min) * k / 4
        y = sy(v)
        parts.append(
            f'<line x1="{LEFT - 4}" y1="{y:.1f}" x2="{LEFT}" y2="{y:.1f}" stroke="#444"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="10">'
            f"{_fmt(v)}</text>"
        )
    label_every = max(1, n // 10)
    for i in range(0, n, label_every):  # x labels
        label = _fmt(float(series.xs[i])) if series.numeric_x else str(series.xs[i])[:12]
        parts.append(
            f'<text x="{sx(i):.1f}" y="{TOP + plot_h + 14}" text-anchor="middle" '
            f'font-size="10">{escape(label)}</text>'
        )
    parts.append(
        f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 8}" text-anchor="middle" '
        f'font-size="11">{escape(x_title)}</text>'
        f'<text x="14" y="{TOP + plot_h / 2}" text-anchor="middle" font-size="11" '
        f'transform="rotate(-90 14 {TOP + plot_h / 2})">{escape(y_title)}</text>'
    )
    zero = sy(0.0)
    if mark == "bar":
        width = max(2.0, plot_w / n * 0.7)
        for i, v in enumerate(series.ys):
            top, bottom = sorted((sy(v), zero))
            parts.append(
                f'<rect x="{sx(i) - width / 2:.1f}" y="{top:.1f}" width="{width:.1f}" '
                f'height="{max(bottom - top, 0.5):.1f}" fill="#3b6ea5">'
                f"<title>{escape(str(series.xs[i]))}: {_fmt(v)}</title></rect>"
            )
    else:
        order = sorted(range(n), key=lambda i: sx(i))
        points = " ".join(f"{sx(i):.1f},{sy(series.ys[i]):.1f}" for i in order)
        if mark == "area":
            first, last = sx(order[0]), sx(order[-1])
            parts.append(
                f'<polygon points="{first:.1f},{zero:.1f} {points} {last:.1f},{zero:.1f}" '
                'fill="#3b6ea5" fill-opacity="0.4" stroke="#3b6ea5"/>'
            )
        elif mark == "line":
            parts.append(f'<polyline points="{points}" fill="none" stroke="#3b6ea5"/>')
        if mark != "area":
            for i in order:
                parts.append(
                    f'<circle cx="{sx(i):.1f}" cy="{sy(series.ys[i]):.1f}" r="3" fill="#3b6ea5">'
                    f"<title>{escape(str(series.xs[i]))}: {_fmt(series.ys[i])}</title></circle>"
                )
    parts.append("</svg>")
    return "".join(parts)
