"""Built-in JSON schemas of the value kinds, in the shapes grand-challenge uses.

Every point is `[x, y, z]` in millimetres (world coordinates). Annotations may carry a
`name`, a `probability` and a `version`; other extra keys are allowed so viewers can
add their own (colours, groups) without breaking validation.
"""

from typing import Any

from components.kinds import Kind

_POINT: dict[str, Any] = {
    "type": "array",
    "items": {"type": "number"},
    "minItems": 3,
    "maxItems": 3,
}
_SEGMENT: dict[str, Any] = {"type": "array", "items": _POINT, "minItems": 2, "maxItems": 2}
_COMMON: dict[str, Any] = {
    "name": {"type": "string"},
    "probability": {"type": "number", "minimum": 0, "maximum": 1},
}
_VERSION: dict[str, Any] = {
    "type": "object",
    "properties": {"major": {"type": "integer"}, "minor": {"type": "integer"}},
    "required": ["major", "minor"],
}


def _shape(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    """One annotation's own fields, as it appears alone or inside a `Multiple ...` list."""
    return {
        "type": "object",
        "properties": {**_COMMON, **properties},
        "required": required,
    }


_SHAPES: dict[str, dict[str, Any]] = {
    Kind.BOUNDING_BOX_2D: _shape(
        {"corners": {"type": "array", "items": _POINT, "minItems": 4, "maxItems": 4}},
        ["corners"],
    ),
    Kind.POINT: _shape({"point": _POINT}, ["point"]),
    Kind.LINE: _shape(
        {
            "seed_points": {"type": "array", "items": _POINT},
            "path_point_lists": {"type": "array", "items": {"type": "array", "items": _POINT}},
        },
        ["seed_points", "path_point_lists"],
    ),
    Kind.POLYGON: _shape(
        {
            "seed_point": _POINT,
            "path_points": {"type": "array", "items": _POINT},
            "sub_type": {"type": "string"},
            "groups": {"type": "array", "items": {"type": "string"}},
        },
        ["seed_point", "path_points"],
    ),
    Kind.DISTANCE_MEASUREMENT: _shape({"start": _POINT, "end": _POINT}, ["start", "end"]),
    Kind.ANGLE: _shape(
        {"lines": {"type": "array", "items": _SEGMENT, "minItems": 2, "maxItems": 2}},
        ["lines"],
    ),
    Kind.ELLIPSE: _shape(
        {"major_axis": _SEGMENT, "minor_axis": _SEGMENT}, ["major_axis", "minor_axis"]
    ),
    Kind.THREE_POINT_ANGLE: _shape(
        {"angle": {"type": "array", "items": _POINT, "minItems": 3, "maxItems": 3}}, ["angle"]
    ),
}

# multiple kind -> (single kind, key of the list)
_MULTIPLES: dict[str, tuple[str, str]] = {
    Kind.MULTIPLE_BOUNDING_BOXES_2D: (Kind.BOUNDING_BOX_2D, "boxes"),
    Kind.MULTIPLE_POINTS: (Kind.POINT, "points"),
    Kind.MULTIPLE_LINES: (Kind.LINE, "lines"),
    Kind.MULTIPLE_POLYGONS: (Kind.POLYGON, "polygons"),
    Kind.MULTIPLE_DISTANCE_MEASUREMENTS: (Kind.DISTANCE_MEASUREMENT, "lines"),
    Kind.MULTIPLE_ANGLES: (Kind.ANGLE, "angles"),
    Kind.MULTIPLE_ELLIPSES: (Kind.ELLIPSE, "ellipses"),
    Kind.MULTIPLE_THREE_POINT_ANGLES: (Kind.THREE_POINT_ANGLE, "angles"),
}


def _single(kind: str) -> dict[str, Any]:
    shape = _SHAPES[kind]
    return {
        **shape,
        "properties": {
            **shape["properties"],
            "type": {"const": str(kind)},
            "version": _VERSION,
        },
        "required": ["type", *shape["required"]],
    }


def _multiple(kind: str) -> dict[str, Any]:
    single, key = _MULTIPLES[kind]
    return {
        "type": "object",
        "properties": {
            "type": {"const": str(kind)},
            "name": {"type": "string"},
            "version": _VERSION,
            key: {"type": "array", "items": _SHAPES[single]},
        },
        "required": ["type", key],
    }


KIND_SCHEMAS: dict[str, dict[str, Any]] = {
    Kind.STRING: {"type": "string"},
    Kind.INTEGER: {"type": "integer"},
    Kind.FLOAT: {"type": "number"},
    Kind.BOOL: {"type": "boolean"},
    Kind.CHOICE: {"type": "string"},
    Kind.MULTIPLE_CHOICE: {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
    Kind.ANY: {},
    # a Vega-Lite specification
    Kind.CHART: {"type": "object"},
    **{kind: _single(kind) for kind in _SHAPES},
    **{kind: _multiple(kind) for kind in _MULTIPLES},
}


def kind_schema(kind: str) -> dict[str, Any] | None:
    """The built-in schema every value of a kind must meet; None for images and files."""
    return KIND_SCHEMAS.get(kind)
