"""Checks of a view content (viewport -> socket slugs) against its protocol and the sockets
([GC] HangingProtocolMixin): the viewports are those of the protocol, every slug is a
socket, a viewport holds at most one image, stand-alone kinds stand alone, and kinds the
viewer cannot show are refused."""

from typing import Any

import jsonschema

from components.kinds import Kind
from components.models import ComponentInterface
from hanging_protocols.schemas import VIEW_CONTENT_SCHEMA

# kinds the viewer shows as the viewport's image (GC: IMG and DICOM image sets)
MAIN_IMAGE_KINDS = frozenset({Kind.IMAGE})
# kinds drawn over the viewport's image
OVERLAY_KINDS = frozenset({Kind.SEGMENTATION, Kind.HEAT_MAP, Kind.DISPLACEMENT_FIELD})
# kinds that fill a viewport on their own (GC's "mandatory isolation")
ISOLATED_KINDS = frozenset({Kind.CHART, Kind.PDF, Kind.JPEG, Kind.PNG, Kind.MP4})
# kinds no viewer shows
UNDISPLAYABLE_KINDS = frozenset({Kind.CSV, Kind.ZIP, Kind.OBJ})


def view_content_errors(
    view_content: Any, *, protocol_json: list[dict[str, Any]] | None
) -> list[str]:
    """Every problem of `view_content` for a protocol (None: no protocol chosen), in words."""
    validator = jsonschema.Draft7Validator(VIEW_CONTENT_SCHEMA)
    schema_errors = []
    for e in validator.iter_errors(view_content):
        where = f"viewport {e.absolute_path[0]!r}: " if e.absolute_path else ""
        if e.validator == "additionalProperties" and isinstance(e.instance, dict):
            for key in sorted(set(e.instance) - set(VIEW_CONTENT_SCHEMA["properties"])):
                schema_errors.append(
                    f"{key!r} is not a viewport name (use main, secondary, tertiary, …)."
                )
        else:
            schema_errors.append(f"{where}{e.message}.")
    if schema_errors:
        return schema_errors
    errors: list[str] = []
    if view_content and protocol_json is not None:
        protocol_names = {v["viewport_name"] for v in protocol_json}
        if set(view_content) != protocol_names:
            missing = sorted(protocol_names - set(view_content))
            extra = sorted(set(view_content) - protocol_names)
            parts = []
            if missing:
                parts.append(f"missing {', '.join(missing)}")
            if extra:
                parts.append(f"not in the protocol: {', '.join(extra)}")
            errors.append(
                "The viewports of the view content must be those of the hanging protocol ("
                + "; ".join(parts)
                + ")."
            )
    slugs = {slug for slugs in view_content.values() for slug in slugs}
    sockets = {s.slug: s for s in ComponentInterface.objects.filter(slug__in=slugs)}
    for viewport, viewport_slugs in view_content.items():
        unknown = [s for s in viewport_slugs if s not in sockets]
        if unknown:
            errors.append(f"Viewport {viewport!r}: no socket {', '.join(map(repr, unknown))}.")
            continue
        kinds = {slug: sockets[slug].kind for slug in viewport_slugs}
        images = [s for s, k in kinds.items() if k in MAIN_IMAGE_KINDS]
        if len(images) > 1:
            errors.append(
                f"Viewport {viewport!r}: at most one image socket, got {', '.join(images)}."
            )
        isolated = [s for s, k in kinds.items() if k in ISOLATED_KINDS]
        if isolated and len(viewport_slugs) > 1:
            errors.append(
                f"Viewport {viewport!r}: {', '.join(isolated)} must be alone in its viewport."
            )
        hidden = [s for s, k in kinds.items() if k in UNDISPLAYABLE_KINDS]
        if hidden:
            errors.append(f"Viewport {viewport!r}: {', '.join(hidden)} cannot be displayed.")
    return errors
