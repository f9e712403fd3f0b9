"""How a phase's leaderboard is shown, pure (no ORM): the columns the page shows, the same
columns as CSV, sorting by any column, and the score-over-time plot drawn as SVG
coordinates. Rows are those of `selectors.leaderboard_table`."""

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Column:
    key: str  # ?sort= value: "rank", "user", "created", "algorithm", "team" or "m<index>"
    title: str
    numeric: bool


def columns(*, titles: Sequence[str], algorithm_phase: bool, teams: bool) -> list[Column]:
    """GC's leaderboard columns: #, User (and Team), Algorithm, Created, then the metrics."""
    fixed = [Column("rank", "#", True), Column("user", "User", False)]
    if teams:
        fixed.append(Column("team", "Team", False))
    if algorithm_phase:
        fixed.append(Column("algorithm", "Algorithm", False))
    fixed.append(Column("created", "Created", False))
    return fixed + [Column(f"m{i}", title, True) for i, title in enumerate(titles)]


def cells(row: Mapping[str, Any], cols: Sequence[Column]) -> list[str]:
    """The row's text per column, as the page and the CSV show it."""
    out = []
    for col in cols:
        if col.key.startswith("m"):
            out.append(row["values"][int(col.key[1:])])
        elif col.key == "created":
            out.append(str(row["created"])[:16].replace("T", " "))
        else:
            value = row.get(col.key)
            out.append("" if value is None else str(value))
    return out


def csv_text(*, rows: Sequence[Mapping[str, Any]], cols: Sequence[Column]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.title for c in cols])
    for row in rows:
        writer.writerow(cells(row, cols))
    return out.getvalue()


def number(cell: str) -> float | None:
    """The number a metric cell shows ("0.9000 ± 0.0500" -> 0.9); None when empty."""
    try:
        return float(cell.split(" ", 1)[0])
    except (ValueError, IndexError):
        return None


def sort_rows(
    rows: Sequence[Mapping[str, Any]], *, cols: Sequence[Column], key: str, descending: bool
) -> list[Mapping[str, Any]]:
    """Rows sorted by one column; empty cells last either way, ties keep the rank order."""
    col = next((c for c in cols if c.key == key), None)
    if col is None:
        return list(rows)
    present: list[tuple[Any, Mapping[str, Any]]] = []
    missing: list[tuple[Any, Mapping[str, Any]]] = []
    for row in rows:
        text = cells(row, [col])[0]
        value: Any = (
            (row["rank"] if col.key == "rank" else number(text)) if col.numeric else text.lower()
        )
        (missing if value in (None, "") else present).append((value, row))
    present.sort(key=lambda pair: pair[0], reverse=descending)
    return [row for _, row in present] + [row for _, row in missing]


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Plot:
    """An SVG plot of each result's score by submission time, with the best score so far
    as a step line; coordinates in the viewBox (width x height)."""

    width: int
    height: int
    left: int
    bottom: int
    points: list[Point]
    best_path: str
    y_ticks: list[tuple[float, str]]  # (y, label)
    x_ticks: list[tuple[float, str]]
    score_title: str


def score_plot(
    rows: Sequence[Mapping[str, Any]],
    *,
    score_title: str,
    higher_is_better: bool,
    width: int = 640,
    height: int = 260,
) -> Plot | None:
    """None when fewer than one row has a score."""
    left, right, top, bottom = 64, 16, 12, height - 40
    data = []
    for row in rows:
        y = number(row["values"][0]) if row["values"] else None
        if y is not None:
            data.append((datetime.fromisoformat(row["created"]), y, row))
    if not data:
        return None
    data.sort(key=lambda d: d[0])
    t0, t1 = data[0][0].timestamp(), data[-1][0].timestamp()
    lo, hi = min(d[1] for d in data), max(d[1] for d in data)
    if hi == lo:
        lo, hi = lo - 1, hi + 1
    span_t = (t1 - t0) or 1.0

    def sx(t: float) -> float:
        return round(left + (t - t0) / span_t * (width - left - right), 1)

    def sy(v: float) -> float:
        return round(bottom - (v - lo) / (hi - lo) * (bottom - top), 1)

    points, path, best = [], [], None
    for created, y, row in data:
        x = sx(created.timestamp()) if t1 > t0 else (left + width - right) / 2
        who = row.get("team") or row.get("user") or "—"
        points.append(
            Point(x=x, y=sy(y), label=f"#{row['rank']} {who}, {created:%Y-%m-%d %H:%M}: {y:g}")
        )
        improved = best is None or (y > best if higher_is_better else y < best)
        if improved:
            if best is not None:
                path.append(f"H{x} V{sy(y)}")
            else:
                path.append(f"M{x} {sy(y)}")
            best = y
    path.append(f"H{width - right}")
    y_ticks = [(sy(v), f"{v:.4g}") for v in (lo, (lo + hi) / 2, hi)]
    x_ticks = [(float(left), f"{data[0][0]:%Y-%m-%d}")]
    if t1 > t0:
        x_ticks.append((sx(t1), f"{data[-1][0]:%Y-%m-%d}"))
    return Plot(
        width=width,
        height=height,
        left=left,
        bottom=bottom,
        points=points,
        best_path=" ".join(path),
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        score_title=score_title,
    )
