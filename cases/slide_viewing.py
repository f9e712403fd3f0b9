"""What the slide viewer (static/slides/slide-viewer.mjs) needs on the page: the slide's
geometry (sizes, levels, pixel size, the tile URL), so that it asks for tiles at once,
and the annotations to draw. Pages build this only for images they have already checked
the user may see; the viewer still asks the permission-checked descriptor
(cases.tile_views) at the same time, which records the opening, and every tile checks
permission too: a user who lost access meanwhile gets the message, not the slide."""

import base64
import io
from typing import Any

from django.urls import reverse
from PIL import Image as PILImage

from cases import tiles
from cases.models import Image, ImageFile

POSTER_MAX_BYTES = 32 * 1024  # in the page twice (img and config); a tile is ~10 KiB
PREVIEW_TILES = 4


def slide_file(image: Image) -> ImageFile | None:
    """The image's pyramidal TIFF, or None (a volume, or nothing to tile)."""
    return next((f for f in image.files.all() if f.image_type == ImageFile.ImageType.TIFF), None)


def tile_url_template(image_pk: object) -> str:
    """The tile URL with `{level}`, `{column}` and `{row}` left for the viewer to fill in."""
    url = reverse("cases:slide-tile", args=[image_pk, 0, 0, 0])
    return url.removesuffix("0/0/0") + "{level}/{column}/{row}"


def _grid(level: dict[str, int]) -> tuple[int, int]:
    """Columns and rows of tiles of a level as describe() gives it."""
    return -(-level["width"] // level["tile_width"]), -(-level["height"] // level["tile_height"])


def preview_level(levels: list[dict[str, int]]) -> int:
    """The finest level of at most PREVIEW_TILES tiles (the coarsest, if none is): the
    viewer draws it first, whatever the screen, then refines; so the page can name its
    tiles for the browser to fetch while the viewer's scripts load."""
    fits = [i for i, lv in enumerate(levels) if _grid(lv)[0] * _grid(lv)[1] <= PREVIEW_TILES]
    return fits[0] if fits else len(levels) - 1


def preview_tile_urls(geometry: dict[str, Any]) -> list[str]:
    """The permission-checked URLs of the preview level's tiles."""
    level = geometry["preview_level"]
    columns, rows = _grid(geometry["levels"][level])
    return [
        geometry["tile_url"].format(level=level, column=column, row=row)
        for row in range(rows)
        for column in range(columns)
    ]


def slide_geometry(*, image: Image, pyramid: tiles.Pyramid) -> dict[str, Any]:
    """Size, pixel spacing (µm), levels, the level shown first and the tile URL: what
    OpenSeadragon opens with."""
    mpp = (
        [image.voxel_width_mm * 1000, image.voxel_height_mm * 1000]
        if image.voxel_width_mm and image.voxel_height_mm
        else None
    )
    levels = pyramid.describe()
    return {
        "name": image.name,
        "width": image.width,
        "height": image.height,
        "mpp": mpp,
        "levels": levels,
        "preview_level": preview_level(levels),
        "tile_url": tile_url_template(image.pk),
    }


def _embedded_geometry(image: Image, image_file: ImageFile) -> dict[str, Any] | None:
    # parsed once per process (cases.tiles); a slide that cannot be parsed is left to
    # the descriptor, which says why
    try:
        return slide_geometry(image=image, pyramid=tiles.pyramid(image_file.file.name))
    except tiles.TileError:
        return None


def _poster(key: str, geometry: dict[str, Any] | None) -> str:
    """The smallest level as a data URL, when that level is one small tile: the whole
    slide, painted with the page itself (no request of its own) while the viewer starts."""
    if geometry is None:
        return ""
    smallest = geometry["levels"][-1]
    if smallest["width"] > smallest["tile_width"] or smallest["height"] > smallest["tile_height"]:
        return ""
    try:
        tile = tiles.tile(key=key, level=len(geometry["levels"]) - 1, column=0, row=0)
    except (tiles.TileError, tiles.TileNotFound):
        return ""  # the viewer says why, once it asks
    content = tile.content if tile.content_type == "image/jpeg" else _jpeg(tile.content, 85)
    if len(content) > POSTER_MAX_BYTES:  # a noisy tile: a preview can be coarser
        content = _jpeg(content, 60)
    if len(content) > POSTER_MAX_BYTES:
        return ""
    return f"data:image/jpeg;base64,{base64.b64encode(content).decode()}"


def _jpeg(picture: bytes, quality: int) -> bytes:
    # a lossless tile (PNG) is several times larger; a preview need not be lossless
    out = io.BytesIO()
    PILImage.open(io.BytesIO(picture)).convert("RGB").save(out, format="JPEG", quality=quality)
    return out.getvalue()


def slide_config(*, image: Image) -> dict[str, Any] | None:
    """The viewer's JSON for a slide; pages with a case add its annotation values
    (components.viewing.annotations: GC JSON in mm), which the viewer draws."""
    image_file = slide_file(image)
    if image_file is None:
        return None
    geometry = _embedded_geometry(image, image_file)
    return {
        "kind": "slide",
        "image": {
            "pk": str(image.pk),
            "name": image.name,
            "descriptor_url": reverse("cases:slide", args=[image.pk]),
            "origin": [float(v) for v in (image.origin_mm or [0.0, 0.0])[:2]],
        },
        "slide": geometry,
        "poster": _poster(image_file.file.name, geometry),
        # for the page's preload links; the viewer asks for the same URLs
        "preview_tiles": preview_tile_urls(geometry) if geometry else [],
        "overlays": [],
        "annotations": [],
    }
