"""The viewer's layout for a set of socket values under an object's viewer settings: one
viewer per viewport of the view content (its image, with the segmentations and heat
maps listed after it drawn over it), the protocol and its alternatives for switching.
static/viewer/hanging.mjs places the viewports; without a protocol pages keep their
default viewers (components.viewing)."""

from collections.abc import Iterable
from typing import Any

from cases.viewing import viewer_config
from components.kinds import IMAGE_KINDS, Kind
from components.models import ComponentInterfaceValue
from components.viewing import annotations
from hanging_protocols.models import HangingProtocol, HangingProtocolMixin
from hanging_protocols.selectors import embedded
from hanging_protocols.view_content import OVERLAY_KINDS

# value sockets a viewport shows as a label beside its image ([DOCS] viewer-content)
LABEL_KINDS = frozenset({Kind.STRING, Kind.INTEGER, Kind.FLOAT, Kind.BOOL, Kind.CHOICE})


def protocols_of(settings: HangingProtocolMixin) -> list[HangingProtocol]:
    """The chosen protocol first, then the alternatives, each once."""
    assert settings.hanging_protocol is not None
    chosen = settings.hanging_protocol
    return [chosen, *(p for p in settings.optional_hanging_protocols.all() if p.pk != chosen.pk)]


def _default_content(
    protocol: HangingProtocol, values: list[ComponentInterfaceValue]
) -> dict[str, list[str]]:
    """No view content yet: the images in the protocol's viewports, in order."""
    images = [v.interface.slug for v in values if v.image_id and v.interface.kind == Kind.IMAGE]
    names = [v["viewport_name"] for v in protocol.json if "parent_id" not in v]
    return {name: [slug] for name, slug in zip(names, dict.fromkeys(images), strict=False)}


def _viewport(
    name: str,
    slugs: list[str],
    by_slug: dict[str, ComponentInterfaceValue],
    index: int,
    drawn: list[dict[str, Any]],
) -> dict[str, Any]:
    present = [by_slug[s] for s in slugs if s in by_slug]
    images = [v for v in present if v.image_id and v.interface.kind in IMAGE_KINDS]
    main = next((v for v in images if v.interface.kind not in OVERLAY_KINDS), None) or next(
        iter(images), None
    )
    overlays = (
        [v for v in images[images.index(main) + 1 :] if v.interface.kind in OVERLAY_KINDS]
        if main
        else []
    )
    config = None
    if main is not None and main.image is not None:
        config = viewer_config(
            image=main.image,
            overlays=[(o.image, o.interface.overlay_segments) for o in overlays if o.image],
        )
    if config is not None:
        config["id"] = f"viewport-{index}"
        config["config_id"] = f"viewport-{index}-config"
        config["title"] = main.interface.title if main else ""
        config["annotations"] = drawn
        config["socket"] = main.interface.slug if main else ""
        config["viewport"] = name
    labels = [f"{v.interface.title}: {v.value}" for v in present if v.interface.kind in LABEL_KINDS]
    return {
        "name": name,
        "title": main.interface.title if main else "",
        "overlays": [o.interface.title for o in overlays],
        "labels": labels,
        "viewer": config,
    }


def viewport_layout(
    *, settings: HangingProtocolMixin | None, values: Iterable[ComponentInterfaceValue]
) -> dict[str, Any] | None:
    """The page's viewports and protocols, or None to keep the default viewers."""
    if settings is None or settings.hanging_protocol is None:
        return None
    values = list(values)
    protocols = protocols_of(settings)
    content = settings.view_content or _default_content(protocols[0], values)
    by_slug = {v.interface.slug: v for v in values}
    # the case's annotations are drawn in every viewport, as in the default viewers
    drawn = annotations(values)
    viewports = [
        _viewport(name, slugs, by_slug, i, drawn)
        for i, (name, slugs) in enumerate(content.items(), start=1)
    ]
    choices = [embedded(p) for p in protocols]
    return {
        "protocols": choices,
        "viewports": viewports,
        "has_viewers": any(v["viewer"] for v in viewports),
        # what hanging.mjs reads: the layouts to switch between, the first one active
        "data": {
            "protocols": [
                {"pk": c["pk"], "title": c["title"], "json": c["json"]} for c in choices if c
            ]
        },
    }
