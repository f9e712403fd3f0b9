"""GC's hanging-protocol schema and form rules: valid layouts pass; each bad one is
refused with a message naming the viewport and the field."""

import pytest

from hanging_protocols.icons import svg_icon
from hanging_protocols.schemas import protocol_errors
from tests.hanging_protocols.helpers import TWO_SIDE_BY_SIDE


@pytest.mark.parametrize(
    "json",
    [
        TWO_SIDE_BY_SIDE,
        [{"viewport_name": "main"}],
        # GC's single-view example
        [
            {
                "viewport_name": "main",
                "x": 0,
                "y": 0,
                "w": 1,
                "h": 1,
                "fullsizable": True,
                "draggable": False,
                "selectable": True,
                "order": 0,
            }
        ],
        # a 3D side view in a parent, with its free-form name
        [
            {"viewport_name": "main", "show_current_slice": True, "label": "CT 1"},
            {
                "viewport_name": "side_3d",
                "specialized_view": "3D-sideview",
                "parent_id": "main",
                "orientation": "axial",
            },
            {"viewport_name": "secondary", "draggable": True, "parent_id": "main"},
            {"viewport_name": "tertiary", "slice_plane_indicator": "main", "opacity": 0.5},
        ],
    ],
)
def test_valid_protocols_pass(json: list) -> None:  # type: ignore[type-arg]
    assert protocol_errors(json) == []


@pytest.mark.parametrize(
    ("json", "expected"),
    [
        ([], "at least one viewport"),
        ({"viewport_name": "main"}, "is not of type 'array'"),
        ([{"viewport_name": "secondary"}], "needs a viewport named 'main'"),
        (
            [{"viewport_name": "main"}, {"viewport_name": "sidebar"}],
            "viewport 2 ('sidebar'), field 'viewport_name': 'sidebar' is not a viewport name",
        ),
        (
            [{"viewport_name": "main", "x": "0", "y": 0, "w": 1, "h": 1}],
            "viewport 1 ('main'), field 'x': '0' is not of type 'integer'",
        ),
        (
            [{"viewport_name": "main", "colour": "red"}],
            "viewport 1 ('main'): unknown field 'colour'",
        ),
        (
            [{"viewport_name": "main", "orientation": "oblique"}],
            "field 'orientation': 'oblique' is not one of",
        ),
        ([{"viewport_name": "main", "label": "a/b"}], "field 'label'"),
        (
            [{"viewport_name": "main", "opacity": 2}],
            "field 'opacity': 2 is greater than the maximum of 1",
        ),
        (
            [{"viewport_name": "main", "specialized_view": "minimap"}],
            "viewport 1 ('main'): 'parent_id' is a required property",
        ),
        (
            [
                {"viewport_name": "main"},
                {"viewport_name": "s3", "specialized_view": "3D-sideview", "parent_id": "main"},
            ],
            "viewport 2 ('s3'): 'orientation' is a required property",
        ),
        ([{"viewport_name": "main"}, {"viewport_name": "main"}], "Two viewports are identical"),
        (
            [{"viewport_name": "main"}, {"viewport_name": "main", "label": "b"}],
            "Viewport name 'main' is used more than once",
        ),
        (
            [{"viewport_name": "main", "x": 0, "y": 0, "w": 1}],
            "viewport 1 ('main'): x, y, w and h go together; h missing",
        ),
        (
            [
                {"viewport_name": "main", "x": 0, "y": 0, "w": 1, "h": 1},
                {"viewport_name": "secondary"},
            ],
            "Either every viewport has x, y, w and h or none has; viewport 2 has none",
        ),
        (
            [{"viewport_name": "main", "x": 0, "y": 0, "w": 0, "h": 1}],
            "field 'w': must be at least 1",
        ),
        (
            [{"viewport_name": "main"}, {"viewport_name": "secondary", "parent_id": "main"}],
            "field 'parent_id': only draggable viewports",
        ),
        (
            [{"viewport_name": "main", "draggable": True, "parent_id": "main"}],
            "cannot be its own parent",
        ),
        (
            [{"viewport_name": "main", "draggable": True, "parent_id": "secondary"}],
            "there is no viewport 'secondary'",
        ),
        (
            [{"viewport_name": "main", "slice_plane_indicator": "main"}],
            "field 'slice_plane_indicator': must name another viewport",
        ),
        (
            [{"viewport_name": "main", "slice_plane_indicator": "tertiary"}],
            "field 'slice_plane_indicator': there is no viewport 'tertiary'",
        ),
    ],
)
def test_bad_protocols_are_refused_naming_viewport_and_field(json, expected: str) -> None:  # type: ignore[no-untyped-def]
    errors = protocol_errors(json)
    assert any(expected in e for e in errors), errors


def test_icon_draws_each_viewport_where_the_grid_puts_it() -> None:
    icon = svg_icon(
        [
            {"viewport_name": "main", "x": 0, "y": 0, "w": 2, "h": 2},
            {"viewport_name": "secondary", "x": 2, "y": 0, "w": 1, "h": 1},
            {"viewport_name": "tertiary", "x": 2, "y": 1, "w": 1, "h": 1},
        ]
    )
    assert icon.startswith("<svg") and 'width="32" height="18"' in icon
    assert icon.count("<rect") == 3
    # the main view covers the left two thirds, full height (stroke padding 0.8)
    assert '<rect x="0.8" y="0.8" width="20.27" height="16.4"' in icon
    assert '<rect x="21.07" y="9" width="10.13" height="8.2"' in icon
    assert 'aria-label="Layout of 3 viewports"' in icon


def test_icon_without_grid_places_viewports_side_by_side() -> None:
    icon = svg_icon([{"viewport_name": "main"}, {"viewport_name": "secondary"}])
    assert '<rect x="0.8" y="0.8" width="15.2" height="16.4"' in icon
    assert '<rect x="16" y="0.8" width="15.2" height="16.4"' in icon
