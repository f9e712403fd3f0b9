"""Grand-challenge's hanging-protocol and view-content JSON schemas (contracts §C.1-C.2),
plus the rules a schema cannot express, each failure naming the viewport and the field.

A hanging protocol is a list of viewports; a view content maps viewport names to the
socket slugs shown there. Both are stored as written, so a GC export imports unchanged.
"""

from typing import Any

import jsonschema
from django.core.exceptions import ValidationError

# Viewport names in GC's order: the first is always there, the rest are optional.
VIEWPORT_NAMES = (
    "main",
    "secondary",
    "tertiary",
    "quaternary",
    "quinary",
    "senary",
    "septenary",
    "octonary",
    "nonary",
    "denary",
    "undenary",
    "duodenary",
    "tredenary",
    "quattuordenary",
    "quindenary",
    "sexdenary",
    "septendenary",
    "octodenary",
    "novemdenary",
    "vigintenary",
)
ORIENTATIONS = ("axial", "coronal", "sagittal")
SPECIALIZED_VIEWS = ("minimap", "3D-sideview", "clientside", "intensity-over-time-chart")
# specialized views that live inside another viewport and may use a free-form name
NESTED_VIEWS = ("minimap", "3D-sideview")
# specialized views allowed a parent_id without being draggable
PARENTED_VIEWS = ("minimap", "3D-sideview", "intensity-over-time-chart")
GEOMETRY_KEYS = ("x", "y", "w", "h")

_BOOL = {"type": "boolean"}
_VIEWPORT: dict[str, Any] = {
    "type": "object",
    "required": ["viewport_name"],
    "additionalProperties": False,
    "properties": {
        "viewport_name": {"type": "string"},
        "specialized_view": {"enum": list(SPECIALIZED_VIEWS)},
        **{key: {"type": "integer"} for key in GEOMETRY_KEYS},
        "fullsizable": _BOOL,
        "draggable": _BOOL,
        "selectable": _BOOL,
        "linkable": _BOOL,
        "order": {"type": "integer"},
        "show_current_slice": _BOOL,
        "show_mouse_coordinate": _BOOL,
        "show_mouse_voxel_value": _BOOL,
        "label": {"type": "string", "pattern": "^[a-zA-Z0-9 -]*$"},
        "orientation": {"enum": list(ORIENTATIONS)},
        "parent_id": {"enum": list(VIEWPORT_NAMES)},
        "opacity": {"type": "number", "minimum": 0, "maximum": 1},
        "slice_plane_indicator": {"enum": list(VIEWPORT_NAMES)},
        "slice_plane_indicator_fade_ms": {"type": "number", "minimum": 0},
        "relative_start_position": {"type": "number", "minimum": 0, "maximum": 1},
        "scalebar_visible": _BOOL,
    },
    "allOf": [
        {
            # minimap and 3D side views sit in a parent and may have any simple name
            "if": {
                "required": ["specialized_view"],
                "properties": {"specialized_view": {"enum": list(NESTED_VIEWS)}},
            },
            "then": {
                "required": ["parent_id"],
                "properties": {"viewport_name": {"pattern": "^[a-zA-Z0-9_]+$"}},
            },
            "else": {"properties": {"viewport_name": {"enum": list(VIEWPORT_NAMES)}}},
        },
        {
            "if": {
                "required": ["specialized_view"],
                "properties": {"specialized_view": {"const": "3D-sideview"}},
            },
            "then": {"required": ["orientation"]},
        },
        {
            "if": {
                "required": ["specialized_view"],
                "properties": {"specialized_view": {"const": "intensity-over-time-chart"}},
            },
            "then": {"required": ["parent_id"]},
        },
    ],
}
HANGING_PROTOCOL_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "Hanging protocol",
    "type": "array",
    "minItems": 1,
    "uniqueItems": True,
    "items": _VIEWPORT,
    "contains": {
        "type": "object",
        "required": ["viewport_name"],
        "properties": {"viewport_name": {"const": "main"}},
    },
}
VIEW_CONTENT_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "View content",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        name: {
            "type": "array",
            "items": {"type": "string"},
            "minItems": 1,
            "uniqueItems": True,
        }
        for name in VIEWPORT_NAMES
    },
}


def _where(path: list[Any], json: Any) -> str:
    """`viewport 2 ('secondary'), field 'x'` for an error at json[1]['x']."""
    if not path or not isinstance(path[0], int):
        return ""
    index = path[0]
    entry = json[index] if isinstance(json, list) and index < len(json) else None
    name = entry.get("viewport_name") if isinstance(entry, dict) else None
    where = f"viewport {index + 1}" + (f" ({name!r})" if isinstance(name, str) else "")
    if len(path) > 1:
        where += f", field {path[1]!r}"
    return where + ": "


def _message(error: jsonschema.ValidationError, json: Any) -> str:
    path = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = _VIEWPORT["properties"]
        extra = sorted(k for k in error.instance if k not in known)
        return f"{_where(path, json)}unknown field {', '.join(map(repr, extra))}."
    if error.validator == "contains":
        return "The protocol needs a viewport named 'main'."
    if error.validator == "minItems" and not path:
        return "The protocol needs at least one viewport."
    if error.validator == "uniqueItems" and not path:
        return "Two viewports are identical."
    if error.validator == "required":
        return f"{_where(path, json)}{error.message}."
    if error.validator == "enum" and path and path[-1] == "viewport_name":
        return (
            f"{_where(path, json)}{error.instance!r} is not a viewport name "
            f"(use main, secondary, tertiary, … vigintenary)."
        )
    return f"{_where(path, json)}{error.message}."


def _schema_errors(json: Any) -> list[str]:
    validator = jsonschema.Draft7Validator(HANGING_PROTOCOL_SCHEMA)
    errors = sorted(validator.iter_errors(json), key=lambda e: list(map(str, e.absolute_path)))
    return list(dict.fromkeys(_message(e, json) for e in errors))


def _rule_errors(json: list[dict[str, Any]]) -> list[str]:
    """Rules between viewports ([GC] HangingProtocolForm.clean_json)."""
    errors: list[str] = []
    names = [v["viewport_name"] for v in json]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            errors.append(f"Viewport name {name!r} is used more than once.")
        seen.add(name)
    with_geometry = [all(k in v for k in GEOMETRY_KEYS) for v in json]
    partial = [
        i for i, v in enumerate(json) if any(k in v for k in GEOMETRY_KEYS) and not with_geometry[i]
    ]
    for i in partial:
        missing = [k for k in GEOMETRY_KEYS if k not in json[i]]
        errors.append(
            f"{_where([i], json)}x, y, w and h go together; {', '.join(missing)} missing."
        )
    if not partial and any(with_geometry) and not all(with_geometry):
        bare = [str(i + 1) for i, has in enumerate(with_geometry) if not has]
        errors.append(
            "Either every viewport has x, y, w and h or none has; "
            f"viewport {', '.join(bare)} has none."
        )
    for i, viewport in enumerate(json):
        for key in ("w", "h"):
            if isinstance(viewport.get(key), int) and viewport[key] < 1:
                errors.append(f"{_where([i, key], json)}must be at least 1.")
        for key in ("x", "y"):
            if isinstance(viewport.get(key), int) and viewport[key] < 0:
                errors.append(f"{_where([i, key], json)}must not be negative.")
        parent = viewport.get("parent_id")
        if parent is not None:
            if not viewport.get("draggable") and viewport.get("specialized_view") not in (
                PARENTED_VIEWS
            ):
                errors.append(
                    f"{_where([i, 'parent_id'], json)}only draggable viewports and minimap, "
                    "3D-sideview or intensity-over-time-chart views have a parent."
                )
            if parent == viewport["viewport_name"]:
                errors.append(
                    f"{_where([i, 'parent_id'], json)}a viewport cannot be its own parent."
                )
            elif parent not in names:
                errors.append(f"{_where([i, 'parent_id'], json)}there is no viewport {parent!r}.")
        indicator = viewport.get("slice_plane_indicator")
        if indicator is not None:
            if indicator == viewport["viewport_name"]:
                errors.append(
                    f"{_where([i, 'slice_plane_indicator'], json)}must name another viewport."
                )
            elif indicator not in names:
                errors.append(
                    f"{_where([i, 'slice_plane_indicator'], json)}"
                    f"there is no viewport {indicator!r}."
                )
    return errors


def protocol_errors(json: Any) -> list[str]:
    """Every problem of a hanging protocol's JSON, in words; empty when it is valid."""
    errors = _schema_errors(json)
    if errors:
        return errors
    return _rule_errors(json)


def validate_protocol(json: Any) -> None:
    errors = protocol_errors(json)
    if errors:
        raise ValidationError({"json": errors})


def viewport_names(json: list[dict[str, Any]]) -> list[str]:
    return [v["viewport_name"] for v in json]
