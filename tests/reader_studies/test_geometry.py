"""Geometric scores of drawn answers, against values computed by hand."""

import math

import numpy as np
import pytest

from reader_studies import geometry

V = {"major": 1, "minor": 0}


def square(x0: float, y0: float, side: float, z: float = 0.5) -> list[list[float]]:
    return [[x0, y0, z], [x0 + side, y0, z], [x0 + side, y0 + side, z], [x0, y0 + side, z]]


def box(x0: float, y0: float, x1: float, y1: float, z: float = 0.5) -> dict:
    return {
        "type": "2D bounding box",
        "version": V,
        "corners": [[x0, y0, z], [x1, y0, z], [x1, y1, z], [x0, y1, z]],
    }


def test_box_iou_is_exact():
    # 10x8 boxes shifted by 5 mm: overlap 5x8 = 40, union 80 + 80 - 40 = 120
    assert geometry.annotation_score(
        "2DBB", box(0, 0, 10, 8), box(5, 0, 15, 8), tolerance_mm=1
    ) == pytest.approx(1 / 3)
    assert (
        geometry.annotation_score("2DBB", box(0, 0, 10, 8), box(0, 0, 10, 8), tolerance_mm=1) == 1
    )
    assert geometry.annotation_score("2DBB", box(0, 0, 1, 1), box(2, 2, 3, 3), tolerance_mm=1) == 0


def test_shapes_on_different_slices_do_not_overlap():
    assert geometry.box_iou(box(0, 0, 10, 8)["corners"], box(0, 0, 10, 8, z=1.5)["corners"]) == 0
    assert geometry.polygon_iou(square(0, 0, 10), square(0, 0, 10, z=2.5)) == 0


def test_polygon_iou_by_scanlines_for_convex_concave_and_crossed_outlines():
    # shifted squares: 50 / 150
    assert geometry.polygon_iou(square(0, 0, 10), square(5, 0, 10)) == pytest.approx(
        1 / 3, abs=1e-9
    )
    # an L (the square less its upper right quarter, area 75) against the square: 75 / 100
    ell = [[0, 0, 0], [10, 0, 0], [10, 5, 0], [5, 5, 0], [5, 10, 0], [0, 10, 0]]
    assert geometry.polygon_iou(ell, square(0, 0, 10, z=0)) == pytest.approx(0.75, abs=1e-9)
    # the same triangle in another vertex order
    tri = [[1, 1, 0.5], [5, 1, 0.5], [3, 4, 0.5]]
    assert geometry.polygon_iou(tri, tri[::-1]) == 1
    assert geometry.polygon_iou(tri[:2], tri) == 0  # two points enclose nothing
    # a bow-tie (its edges cross) covers two triangles of 25 mm2 each: 50 / 100 by even-odd
    bow_tie = [[0, 0, 0.5], [10, 10, 0.5], [10, 0, 0.5], [0, 10, 0.5]]
    assert geometry.polygon_iou(bow_tie, square(0, 0, 10)) == pytest.approx(0.5, abs=1e-9)
    # 200-gon circles of radius 10, 5 mm apart: the lens formula gives 0.52096 (circles);
    # the polygons' own IoU differs from it by less than 1e-3
    circle = [
        [10 * math.cos(2 * math.pi * t / 200), 10 * math.sin(2 * math.pi * t / 200), 0]
        for t in range(200)
    ]
    shifted = [[x + 5, y, z] for x, y, z in circle]
    assert geometry.polygon_iou(circle, shifted) == pytest.approx(0.52096, abs=1e-3)


def test_ellipse_iou_of_concentric_circles():
    big = {"major_axis": [[-5, 0, 0], [5, 0, 0]], "minor_axis": [[0, -5, 0], [0, 5, 0]]}
    small = {"major_axis": [[-2.5, 0, 0], [2.5, 0, 0]], "minor_axis": [[0, -2.5, 0], [0, 2.5, 0]]}
    # pi 2.5^2 / pi 5^2
    assert geometry.ellipse_iou(big, small) == pytest.approx(0.25, abs=1e-3)
    # a 10x4 ellipse rotated by 90 degrees against itself: overlap of two crossed
    # ellipses is symmetric, and less than half
    tilted = {"major_axis": [[0, -5, 0], [0, 5, 0]], "minor_axis": [[-2, 0, 0], [2, 0, 0]]}
    flat = {"major_axis": [[-5, 0, 0], [5, 0, 0]], "minor_axis": [[0, -2, 0], [0, 2, 0]]}
    assert geometry.ellipse_iou(tilted, tilted) == 1
    assert geometry.ellipse_iou(tilted, flat) == pytest.approx(geometry.ellipse_iou(flat, tilted))


def test_multiple_boxes_match_greedily_and_count_misses_and_extras():
    gt = {"boxes": [box(0, 0, 10, 10), box(20, 20, 30, 30)]}
    one_hit = {"boxes": [box(20, 20, 30, 30)]}
    # matched pair IoU 1, the missed truth 0: 1 / 2
    assert geometry.annotation_score("M2DB", one_hit, gt, tolerance_mm=1) == 0.5
    extra = {"boxes": [box(0, 0, 10, 10), box(20, 20, 30, 30), box(50, 50, 51, 51)]}
    assert geometry.annotation_score("M2DB", extra, gt, tolerance_mm=1) == pytest.approx(2 / 3)
    half = {"boxes": [box(5, 0, 15, 10), box(20, 20, 30, 30)]}  # IoU 50/150 and 1
    assert geometry.annotation_score("M2DB", half, gt, tolerance_mm=1) == pytest.approx(
        (1 / 3 + 1) / 2
    )
    assert geometry.annotation_score("M2DB", {"boxes": []}, {"boxes": []}, tolerance_mm=1) == 1


def test_points_within_tolerance():
    a = {"point": [0, 0, 0]}
    b = {"point": [3, 4, 0]}  # 5 mm away
    assert geometry.annotation_score("POIN", a, b, tolerance_mm=5) == 1
    assert geometry.annotation_score("POIN", a, b, tolerance_mm=4.9) == 0
    # (1,0) is near both truths; greedy by distance gives it (0,0) and leaves (2.5,0) to (3,0)
    answer = {"points": [{"point": [1, 0, 0]}, {"point": [3, 0, 0]}]}
    truth = {"points": [{"point": [2.5, 0, 0]}, {"point": [0, 0, 0]}]}
    assert geometry.annotation_score("MPOI", answer, truth, tolerance_mm=1.5) == 1
    far = {"points": [{"point": [1, 0, 0]}, {"point": [30, 0, 0]}]}
    assert geometry.annotation_score("MPOI", far, truth, tolerance_mm=1.5) == 0.5


def test_distance_measurements_pair_ends_either_way_round():
    truth = {"start": [0, 0, 0], "end": [10, 0, 0]}
    swapped = {"start": [10, 1, 0], "end": [0, 0, 0]}
    assert geometry.annotation_score("DIST", swapped, truth, tolerance_mm=1) == 1
    one_end_off = {"start": [0, 0, 0], "end": [13, 0, 0]}
    assert geometry.annotation_score("DIST", one_end_off, truth, tolerance_mm=1) == 0.5
    many = {"lines": [one_end_off, swapped]}
    assert geometry.annotation_score("MDIS", many, {"lines": [truth]}, tolerance_mm=1) == 0.5


def test_line_score_counts_points_near_the_other_line_both_ways():
    truth = {"path_point_lists": [[[0, 0, 0], [5, 0, 0], [10, 0, 0]]]}
    answer = {"path_point_lists": [[[0, 1, 0], [5, 1, 0], [10, 3, 0]]]}
    # answer points: 1, 1, 3 mm from the truth -> 2 near; truth points: 1, 1 and 2.79 mm
    # from the answer's polyline -> 2 near; 4 of 6
    assert geometry.annotation_score("LINE", answer, truth, tolerance_mm=2) == pytest.approx(2 / 3)
    assert geometry.annotation_score("LINE", answer, truth, tolerance_mm=3) == 1


def test_empty_against_drawn_and_unscored_types():
    assert geometry.annotation_score("2DBB", None, None, tolerance_mm=1) == 1
    assert geometry.annotation_score("2DBB", None, box(0, 0, 1, 1), tolerance_mm=1) == 0
    assert geometry.annotation_score("ANGL", {}, {}, tolerance_mm=1) is None


def test_dice_of_label_images():
    a = np.array([[1, 1], [0, 0]])
    b = np.array([[1, 0], [0, 0]])
    assert geometry.dice(a, b) == pytest.approx(2 / 3)
    # same voxels, other label: no overlap for that voxel
    assert geometry.dice(np.array([[1, 2]]), np.array([[1, 1]])) == 0.5
    assert geometry.dice(np.zeros((2, 2)), np.zeros((2, 2))) == 1
    with pytest.raises(ValueError, match="shapes"):
        geometry.dice(np.zeros((2, 2)), np.zeros((3, 2)))
