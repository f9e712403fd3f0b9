"""Socket kinds: what a socket holds and how it travels (image, file or JSON value).

Kind values are the human names grand-challenge's API returns (`"Image"`, `"Float"`,
`"Multiple points"`...), so gcapi scripts that compare kinds keep working.
"""

from django.db import models


class Kind(models.TextChoices):
    # plain values
    STRING = "String"
    INTEGER = "Integer"
    FLOAT = "Float"
    BOOL = "Bool"
    CHOICE = "Choice"
    MULTIPLE_CHOICE = "Multiple choice"
    ANY = "Anything"
    CHART = "Chart"
    # annotations
    BOUNDING_BOX_2D = "2D bounding box"
    MULTIPLE_BOUNDING_BOXES_2D = "Multiple 2D bounding boxes"
    POINT = "Point"
    MULTIPLE_POINTS = "Multiple points"
    LINE = "Line"
    MULTIPLE_LINES = "Multiple lines"
    POLYGON = "Polygon"
    MULTIPLE_POLYGONS = "Multiple polygons"
    DISTANCE_MEASUREMENT = "Distance measurement"
    MULTIPLE_DISTANCE_MEASUREMENTS = "Multiple distance measurements"
    ANGLE = "Angle"
    MULTIPLE_ANGLES = "Multiple angles"
    ELLIPSE = "Ellipse"
    MULTIPLE_ELLIPSES = "Multiple ellipses"
    THREE_POINT_ANGLE = "Three-point angle"
    MULTIPLE_THREE_POINT_ANGLES = "Multiple three-point angles"
    # images
    IMAGE = "Image"
    SEGMENTATION = "Segmentation"
    HEAT_MAP = "Heat Map"
    DISPLACEMENT_FIELD = "Displacement field"
    # files
    PDF = "PDF file"
    CSV = "CSV file"
    ZIP = "ZIP file"
    PNG = "Thumbnail png"
    JPEG = "Thumbnail jpg"
    MP4 = "MP4 file"
    OBJ = "OBJ file"


class SuperKind(models.TextChoices):
    IMAGE = "Image"
    FILE = "File"
    VALUE = "Value"


# the kinds whose values the viewer draws (GC's annotation answer types, contracts §A.6)
ANNOTATION_KINDS = frozenset(
    {
        Kind.BOUNDING_BOX_2D,
        Kind.MULTIPLE_BOUNDING_BOXES_2D,
        Kind.POINT,
        Kind.MULTIPLE_POINTS,
        Kind.LINE,
        Kind.MULTIPLE_LINES,
        Kind.POLYGON,
        Kind.MULTIPLE_POLYGONS,
        Kind.DISTANCE_MEASUREMENT,
        Kind.MULTIPLE_DISTANCE_MEASUREMENTS,
        Kind.ANGLE,
        Kind.MULTIPLE_ANGLES,
        Kind.ELLIPSE,
        Kind.MULTIPLE_ELLIPSES,
        Kind.THREE_POINT_ANGLE,
        Kind.MULTIPLE_THREE_POINT_ANGLES,
    }
)

IMAGE_KINDS = frozenset({Kind.IMAGE, Kind.SEGMENTATION, Kind.HEAT_MAP, Kind.DISPLACEMENT_FIELD})

# file kind -> the extensions its relative path may end with
FILE_KINDS: dict[str, tuple[str, ...]] = {
    Kind.PDF: (".pdf",),
    Kind.CSV: (".csv",),
    Kind.ZIP: (".zip",),
    Kind.PNG: (".png",),
    Kind.JPEG: (".jpg", ".jpeg"),
    Kind.MP4: (".mp4",),
    Kind.OBJ: (".obj",),
}


def super_kind_of(kind: str) -> SuperKind:
    if kind in IMAGE_KINDS:
        return SuperKind.IMAGE
    if kind in FILE_KINDS:
        return SuperKind.FILE
    return SuperKind.VALUE
