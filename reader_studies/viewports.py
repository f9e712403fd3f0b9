"""Which viewport a question's image port draws on, and whether a view content gives that
viewport an image. It imports no model of this app, so `ReaderStudy.clean` and the question
rules in `validation` share it without an import cycle."""

from typing import Any

from components.kinds import IMAGE_KINDS

# GC's short codes for the first two ports; the others are named as their viewports
SHORT_PORTS = {"M": "main", "S": "secondary"}


def viewport_name(port: str) -> str:
    return SHORT_PORTS.get(port, port.lower())


def image_port_problem(image_port: str, *, view_content: dict[str, Any]) -> str | None:
    """Why a question drawing on `image_port` would have no image in this view content."""
    from components.models import ComponentInterface

    viewport = viewport_name(image_port)
    slugs = view_content.get(viewport)
    if not slugs:
        return f"The view content has no '{viewport}' viewport."
    if not ComponentInterface.objects.filter(slug__in=slugs, kind__in=IMAGE_KINDS).exists():
        return f"The '{viewport}' viewport shows no image."
    return None
