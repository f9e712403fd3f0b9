"""Geometric agreement of two drawn answers (beyond GC, which scores no drawing).

Pure functions on the answers' JSON (§A.6 shapes, world coordinates in mm); no ORM.

- Boxes: exact IoU of the axis-aligned rectangles spanned by the corners.
- Polygons and ellipses: IoU by scanlines, a rasterisation exact along x: on each of GRID
  rows across the pair's joint height, each shape covers exact x intervals (a polygon's
  edge crossings paired by the even-odd rule; an ellipse's two roots), and the rows' shared
  and total lengths sum to the areas. Chosen over a clipping algorithm because readers draw
  concave and even self-intersecting outlines: Sutherland-Hodgman clips only against convex
  polygons, and the general clippers (Greiner-Hormann, Vatti) need special cases for shared
  vertices and edges; scanlines handle every outline the same way, cost GRID x edges, and
  err only where an edge crosses a row band (relative error about 1/GRID = 0.2%), far below
  what separates a good drawing from a poor one.
- Points, distance measurements and lines: the fraction of points within a tolerance (mm).

Shapes are compared in the x-y plane of the slice they were drawn on: shapes on different
slices (z differing by more than Z_TOLERANCE_MM) do not overlap. "Multiple" kinds are
matched greedily, best pair first; unmatched shapes on either side score 0, so the score
is the sum over matched pairs divided by the larger count (both empty: 1.0).
"""

import math
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any

import numpy as np

GRID = 512
Z_TOLERANCE_MM = 1e-3

Point = Sequence[float]
# a shape as the x intervals it covers on each of the given rows (heights y)
Rows = Callable[[np.ndarray], list[list[tuple[float, float]]]]


# --- boxes, polygons, ellipses ----------------------------------------------------------


def _same_slice(a: Sequence[Point], b: Sequence[Point]) -> bool:
    za = [p[2] for p in a if len(p) > 2]
    zb = [p[2] for p in b if len(p) > 2]
    if not za or not zb:
        return True
    return abs(float(np.mean(za)) - float(np.mean(zb))) <= Z_TOLERANCE_MM


def box_iou(a: Sequence[Point], b: Sequence[Point]) -> float:
    """Exact IoU of the axis-aligned boxes spanned by two lists of corners."""
    if not _same_slice(a, b):
        return 0.0
    ax0, ax1 = min(p[0] for p in a), max(p[0] for p in a)
    ay0, ay1 = min(p[1] for p in a), max(p[1] for p in a)
    bx0, bx1 = min(p[0] for p in b), max(p[0] for p in b)
    by0, by1 = min(p[1] for p in b), max(p[1] for p in b)
    iw = max(0.0, min(ax1, bx1) - max(ax0, bx0))
    ih = max(0.0, min(ay1, by1) - max(ay0, by0))
    inter = iw * ih
    union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter
    return inter / union if union > 0 else 0.0


def _polygon_rows(points: Sequence[Point]) -> Rows:
    xs = np.array([p[0] for p in points], dtype=float)
    ys = np.array([p[1] for p in points], dtype=float)
    x2, y2 = np.roll(xs, -1), np.roll(ys, -1)
    sloped = ys != y2  # a horizontal edge never crosses a row
    xa, ya, xb, yb = xs[sloped], ys[sloped], x2[sloped], y2[sloped]

    def rows(y: np.ndarray) -> list[list[tuple[float, float]]]:
        yy = y[:, None]
        crosses = (ya > yy) != (yb > yy)
        x_cross = xa + (yy - ya) * (xb - xa) / (yb - ya)
        out = []
        for row_crosses, row_x in zip(crosses, x_cross, strict=True):
            hits = np.sort(row_x[row_crosses])
            # even-odd: inside between the 1st and 2nd crossing, the 3rd and 4th, ...
            out.append(list(zip(hits[0::2].tolist(), hits[1::2].tolist(), strict=True)))
        return out

    return rows


def _ellipse_rows(major: Sequence[Point], minor: Sequence[Point]) -> Rows:
    (x0, y0), (x1, y1) = (major[0][0], major[0][1]), (major[1][0], major[1][1])
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    a = math.hypot(x1 - x0, y1 - y0) / 2
    b = math.hypot(minor[1][0] - minor[0][0], minor[1][1] - minor[0][1]) / 2
    theta = math.atan2(y1 - y0, x1 - x0)
    c, s = math.cos(theta), math.sin(theta)

    def rows(y: np.ndarray) -> list[list[tuple[float, float]]]:
        if a <= 0 or b <= 0:
            return [[] for _ in y]
        # (dx c + dy s)^2 / a^2 + (dy c - dx s)^2 / b^2 <= 1: a quadratic in dx per row
        dy = y - cy
        qa = c * c / a**2 + s * s / b**2
        qb = 2 * dy * c * s * (1 / a**2 - 1 / b**2)
        qc = dy * dy * (s * s / a**2 + c * c / b**2) - 1
        disc = qb * qb - 4 * qa * qc
        root = np.sqrt(np.maximum(disc, 0.0))
        left, right = cx + (-qb - root) / (2 * qa), cx + (-qb + root) / (2 * qa)
        return [
            [(float(lo), float(hi))] if d > 0 else []
            for lo, hi, d in zip(left, right, disc, strict=True)
        ]

    return rows


def _ellipse_bounds(major: Sequence[Point], minor: Sequence[Point]) -> list[Point]:
    """Corners of a box that holds the ellipse (its axes' ends, spread out)."""
    cx = (major[0][0] + major[1][0]) / 2
    cy = (major[0][1] + major[1][1]) / 2
    r = max(
        math.hypot(major[1][0] - major[0][0], major[1][1] - major[0][1]),
        math.hypot(minor[1][0] - minor[0][0], minor[1][1] - minor[0][1]),
    )
    z = major[0][2] if len(major[0]) > 2 else 0.0
    return [[cx - r, cy - r, z], [cx + r, cy + r, z]]


def _length(intervals: list[tuple[float, float]]) -> float:
    return sum(hi - lo for lo, hi in intervals)


def _overlap(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> float:
    """Length shared by two sorted lists of disjoint intervals (two pointers)."""
    i = j = 0
    total = 0.0
    while i < len(a) and j < len(b):
        total += max(0.0, min(a[i][1], b[j][1]) - max(a[i][0], b[j][0]))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


def _scanline_iou(a: Rows, a_bounds: Sequence[Point], b: Rows, b_bounds: Sequence[Point]) -> float:
    if not _same_slice(a_bounds, b_bounds):
        return 0.0
    pts = [*a_bounds, *b_bounds]
    y0, y1 = min(p[1] for p in pts), max(p[1] for p in pts)
    if y1 <= y0:
        return 0.0
    y = y0 + (np.arange(GRID) + 0.5) * (y1 - y0) / GRID
    inter = union = 0.0
    for ra, rb in zip(a(y), b(y), strict=True):
        shared = _overlap(ra, rb)
        inter += shared
        union += _length(ra) + _length(rb) - shared
    return inter / union if union > 0 else 0.0


def polygon_iou(a: Sequence[Point], b: Sequence[Point]) -> float:
    """IoU of two closed outlines (even-odd rule), rasterised; fewer than 3 points: 0."""
    if len(a) < 3 or len(b) < 3:
        return 0.0
    return _scanline_iou(_polygon_rows(a), a, _polygon_rows(b), b)


def ellipse_iou(a: dict[str, Any], b: dict[str, Any]) -> float:
    """IoU of two ellipses given by their major and minor axes, rasterised."""
    return _scanline_iou(
        _ellipse_rows(a["major_axis"], a["minor_axis"]),
        _ellipse_bounds(a["major_axis"], a["minor_axis"]),
        _ellipse_rows(b["major_axis"], b["minor_axis"]),
        _ellipse_bounds(b["major_axis"], b["minor_axis"]),
    )


# --- points and lines -------------------------------------------------------------------


def distance(p: Point, q: Point) -> float:
    return math.dist([float(v) for v in p[:3]], [float(v) for v in q[:3]])


def _segment_distance(p: Point, a: Point, b: Point) -> float:
    pv, av, bv = (np.array(v[:3], dtype=float) for v in (p, a, b))
    ab = bv - av
    denom = float(ab @ ab)
    t = 0.0 if denom == 0 else min(1.0, max(0.0, float((pv - av) @ ab) / denom))
    return float(np.linalg.norm(pv - (av + t * ab)))


def _polyline_distance(p: Point, line: Sequence[Point]) -> float:
    if len(line) == 1:
        return distance(p, line[0])
    return min(_segment_distance(p, a, b) for a, b in pairwise(line))


def point_score(a: Point, b: Point, tolerance_mm: float) -> float:
    return 1.0 if distance(a, b) <= tolerance_mm else 0.0


def measurement_score(a: dict[str, Any], b: dict[str, Any], tolerance_mm: float) -> float:
    """Fraction of the two ends within tolerance, the ends paired the closer way round."""
    same = [distance(a["start"], b["start"]), distance(a["end"], b["end"])]
    swapped = [distance(a["start"], b["end"]), distance(a["end"], b["start"])]
    ends = min(same, swapped, key=sum)
    return sum(d <= tolerance_mm for d in ends) / 2


def _line_points(line: dict[str, Any]) -> list[list[Point]]:
    return [list(pl) for pl in line.get("path_point_lists") or [] if pl]


def line_score(a: dict[str, Any], b: dict[str, Any], tolerance_mm: float) -> float:
    """Fraction of the path points of both lines that lie within tolerance of the other
    line (symmetric, so neither a short nor an overlong line scores well)."""
    la, lb = _line_points(a), _line_points(b)
    pa = [p for pl in la for p in pl]
    pb = [p for pl in lb for p in pl]
    if not pa and not pb:
        return 1.0
    if not pa or not pb:
        return 0.0
    near_a = sum(min(_polyline_distance(p, pl) for pl in lb) <= tolerance_mm for p in pa)
    near_b = sum(min(_polyline_distance(p, pl) for pl in la) <= tolerance_mm for p in pb)
    return (near_a + near_b) / (len(pa) + len(pb))


# --- many against many ------------------------------------------------------------------


def greedy_match_score(
    answers: Sequence[Any],
    truths: Sequence[Any],
    pair_score: Callable[[Any, Any], float],
    gap: Callable[[Any, Any], float] | None = None,
) -> float:
    """Pair shapes best-first (each used once), then the summed pair scores over the
    larger count: misses and extra shapes both count 0. Both empty: 1.0. `gap` breaks
    ties between equal scores (closest first), so a point within tolerance of two truths
    takes the nearer one and leaves the other for its own match."""
    if not answers and not truths:
        return 1.0
    pairs = sorted(
        (
            (pair_score(a, t), gap(a, t) if gap else 0.0, i, j)
            for i, a in enumerate(answers)
            for j, t in enumerate(truths)
        ),
        key=lambda p: (-p[0], p[1], p[2], p[3]),
    )
    used_a: set[int] = set()
    used_t: set[int] = set()
    total = 0.0
    for score, _gap, i, j in pairs:
        if score <= 0 or i in used_a or j in used_t:
            continue
        used_a.add(i)
        used_t.add(j)
        total += score
    return total / max(len(answers), len(truths))


# --- masks ------------------------------------------------------------------------------


def dice(a: np.ndarray, b: np.ndarray) -> float:
    """Dice of two label images: voxels with the same non-zero label count as overlap.
    Both empty: 1.0. Different shapes: a ValueError (masks of different grids)."""
    if a.shape != b.shape:
        raise ValueError(f"Masks of shapes {a.shape} and {b.shape} cannot be compared.")
    fa, fb = a != 0, b != 0
    total = int(np.count_nonzero(fa)) + int(np.count_nonzero(fb))
    if total == 0:
        return 1.0
    return 2 * int(np.count_nonzero(fa & fb & (a == b))) / total


# --- one answer against its ground truth ------------------------------------------------


def annotation_score(
    answer_type: str, answer: Any, truth: Any, *, tolerance_mm: float
) -> float | None:
    """The geometric score of a drawn answer against the ground truth's drawing, or None
    for a type scored otherwise (angles, masks: see `dice`). Empty against empty: 1.0;
    one empty: 0.0."""
    if answer_type not in PAIR_SCORES:
        return None
    if answer is None or truth is None:
        return 1.0 if answer is None and truth is None else 0.0
    key, pair = PAIR_SCORES[answer_type]
    if key is None:
        return pair(answer, truth, tolerance_mm)
    return greedy_match_score(
        answer.get(key) or [],
        truth.get(key) or [],
        lambda a, t: pair(a, t, tolerance_mm),
        GAPS.get(answer_type),
    )


def _box(a: dict[str, Any], b: dict[str, Any], _tol: float) -> float:
    return box_iou(a["corners"], b["corners"])


def _polygon(a: dict[str, Any], b: dict[str, Any], _tol: float) -> float:
    return polygon_iou(a["path_points"], b["path_points"])


def _ellipse(a: dict[str, Any], b: dict[str, Any], _tol: float) -> float:
    return ellipse_iou(a, b)


def _point(a: dict[str, Any], b: dict[str, Any], tol: float) -> float:
    return point_score(a["point"], b["point"], tol)


# answer type -> (key of the list in a "multiple" answer, or None for one shape; pair score)
PAIR_SCORES: dict[str, tuple[str | None, Callable[[Any, Any, float], float]]] = {
    "2DBB": (None, _box),
    "M2DB": ("boxes", _box),
    "POLY": (None, _polygon),
    "MPOL": ("polygons", _polygon),
    "ELLI": (None, _ellipse),
    "MELL": ("ellipses", _ellipse),
    "POIN": (None, _point),
    "MPOI": ("points", _point),
    "DIST": (None, measurement_score),
    "MDIS": ("lines", measurement_score),
    "LINE": (None, line_score),
    "MLIN": ("lines", line_score),
}

GAPS: dict[str, Callable[[Any, Any], float]] = {
    "MPOI": lambda a, t: distance(a["point"], t["point"]),
    "MDIS": lambda a, t: min(
        distance(a["start"], t["start"]) + distance(a["end"], t["end"]),
        distance(a["start"], t["end"]) + distance(a["end"], t["start"]),
    ),
}
