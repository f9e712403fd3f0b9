"""GC's answer JSON schemas (`components/schemas.py::ANSWER_TYPE_SCHEMA`, draft-07): one
definition per answer type; points are `[x, y, z]` in millimetres (world coordinates)."""

from typing import Any

import jsonschema

_POINT: dict[str, Any] = {
    "type": "array",
    "items": {"type": "number"},
    "minItems": 3,
    "maxItems": 3,
}
_POINTS: dict[str, Any] = {"type": "array", "items": _POINT}
_SEGMENT: dict[str, Any] = {"type": "array", "items": _POINT, "minItems": 2, "maxItems": 2}
_VERSION: dict[str, Any] = {
    "type": "object",
    "properties": {
        "major": {"type": "integer", "minimum": 0},
        "minor": {"type": "integer", "minimum": 0},
    },
    "required": ["major", "minor"],
    "additionalProperties": False,
}
_COMMON: dict[str, Any] = {
    "name": {"type": "string"},
    "probability": {"type": "number", "minimum": 0, "maximum": 1},
}

# single type label -> (its geometry keys, the required ones)
_GEOMETRY: dict[str, dict[str, Any]] = {
    "2D bounding box": {
        "corners": {"type": "array", "items": _POINT, "minItems": 4, "maxItems": 4}
    },
    "Distance measurement": {"start": _POINT, "end": _POINT},
    "Point": {"point": _POINT},
    "Polygon": {
        "seed_point": _POINT,
        "path_points": _POINTS,
        "sub_type": {"type": "string"},
        "groups": {"type": "array", "items": {"type": "string"}},
    },
    "Line": {"seed_points": _POINTS, "path_point_lists": {"type": "array", "items": _POINTS}},
    "Angle": {"lines": {"type": "array", "items": _SEGMENT, "minItems": 2, "maxItems": 2}},
    "Ellipse": {"major_axis": _SEGMENT, "minor_axis": _SEGMENT},
    "Three-point angle": {
        "angle": {"type": "array", "items": _POINT, "minItems": 3, "maxItems": 3}
    },
}
# single code -> label; multiple code -> (single label, label, list key)
_SINGLES = {
    "2DBB": "2D bounding box",
    "DIST": "Distance measurement",
    "POIN": "Point",
    "POLY": "Polygon",
    "LINE": "Line",
    "ANGL": "Angle",
    "ELLI": "Ellipse",
    "3ANG": "Three-point angle",
}
_MULTIPLES = {
    "M2DB": ("2D bounding box", "Multiple 2D bounding boxes", "boxes"),
    "MDIS": ("Distance measurement", "Multiple distance measurements", "lines"),
    "MPOI": ("Point", "Multiple points", "points"),
    "MPOL": ("Polygon", "Multiple polygons", "polygons"),
    "MLIN": ("Line", "Multiple lines", "lines"),
    "MANG": ("Angle", "Multiple angles", "angles"),
    "MELL": ("Ellipse", "Multiple ellipses", "ellipses"),
    "M3AN": ("Three-point angle", "Multiple three-point angles", "angles"),
}


def _object(label: str, *, single: bool) -> dict[str, Any]:
    geometry = _GEOMETRY[label]
    properties = {"type": {"enum": [label]}, **_COMMON, **geometry}
    required = list(geometry)
    if single:
        properties["version"] = _VERSION
        required = ["type", *required, "version"]
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _multiple(single: str, label: str, key: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "type": {"enum": [label]},
            "name": {"type": "string"},
            "version": _VERSION,
            key: {"type": "array", "items": _object(single, single=False)},
        },
        "required": ["type", key, "version"],
        "additionalProperties": False,
    }


ANSWER_SCHEMAS: dict[str, dict[str, Any]] = {
    "TEXT": {"type": "string"},
    "BOOL": {"type": "boolean"},
    "NUMB": {"type": "number"},
    "HEAD": {"type": "null"},
    "CHOI": {"type": "number"},
    "MCHO": {"type": "array", "items": {"type": "number"}},
    "MASK": {
        "type": "object",
        "properties": {"upload_session_pk": {"type": "string", "format": "uuid"}},
        "required": ["upload_session_pk"],
        "additionalProperties": False,
    },
    **{code: _object(label, single=True) for code, label in _SINGLES.items()},
    **{code: _multiple(*spec) for code, spec in _MULTIPLES.items()},
}


def schema_problem(answer_type: str, value: Any) -> str | None:
    """Why value does not fit the answer type's schema, or None."""
    schema = ANSWER_SCHEMAS[answer_type]
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    error = jsonschema.exceptions.best_match(validator.iter_errors(value))
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path)
    return error.message + (f" (at {where})" if where else "")
