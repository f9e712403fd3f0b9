"""Studies, cases and questions for reader-study tests, made through the services."""

from typing import Any

from django.contrib.auth.models import User

from cases.models import Image, RawImageUploadSession
from components.models import ComponentInterface
from components.services import socket_value_create
from reader_studies import services
from reader_studies.models import DisplaySet, Question, ReaderStudy
from tests.archives.helpers import stored_image
from tests.factories import UserFactory

BOX = {
    "type": "2D bounding box",
    "version": {"major": 1, "minor": 0},
    "corners": [[0, 0, 0.5], [10, 0, 0.5], [10, 8, 0.5], [0, 8, 0.5]],
}

# One valid answer per answer type (HEAD is not answerable); points within a 40x30 mm slice.
V = {"major": 1, "minor": 0}
ANSWERS: dict[str, Any] = {
    "TEXT": "free text",
    "BOOL": True,
    "NUMB": 3.5,
    "CHOI": None,  # an option id, filled in by the test
    "MCHO": None,
    "2DBB": BOX,
    "M2DB": {
        "type": "Multiple 2D bounding boxes",
        "version": V,
        "boxes": [{"corners": BOX["corners"], "name": "a", "probability": 0.5}],
    },
    "DIST": {
        "type": "Distance measurement",
        "version": V,
        "start": [1, 2, 0.5],
        "end": [4, 6, 0.5],
    },
    "MDIS": {
        "type": "Multiple distance measurements",
        "version": V,
        "lines": [{"start": [1, 2, 0.5], "end": [4, 6, 0.5], "type": "Distance measurement"}],
    },
    "POIN": {"type": "Point", "version": V, "point": [3, 4, 0.5], "name": "lesion"},
    "MPOI": {
        "type": "Multiple points",
        "version": V,
        "points": [{"name": "lesion 1", "point": [3, 4, 0.5]}, {"point": [7, 1, 0.5]}],
    },
    "POLY": {
        "type": "Polygon",
        "version": V,
        "seed_point": [1, 1, 0.5],
        "path_points": [[1, 1, 0.5], [5, 1, 0.5], [3, 4, 0.5]],
        "sub_type": "poly",
        "groups": [],
    },
    "MPOL": {
        "type": "Multiple polygons",
        "version": V,
        "polygons": [
            {
                "seed_point": [1, 1, 0.5],
                "path_points": [[1, 1, 0.5], [5, 1, 0.5]],
                "sub_type": "poly",
                "groups": ["g"],
            }
        ],
    },
    "LINE": {
        "type": "Line",
        "version": V,
        "seed_points": [[0, 0, 0.5], [5, 5, 0.5]],
        "path_point_lists": [[[0, 0, 0.5], [2, 3, 0.5], [5, 5, 0.5]]],
    },
    "MLIN": {
        "type": "Multiple lines",
        "version": V,
        "lines": [{"seed_points": [[0, 0, 0.5]], "path_point_lists": [[[0, 0, 0.5]]]}],
    },
    "ANGL": {
        "type": "Angle",
        "version": V,
        "lines": [[[0, 0, 0.5], [5, 0, 0.5]], [[0, 0, 0.5], [0, 5, 0.5]]],
    },
    "MANG": {
        "type": "Multiple angles",
        "version": V,
        "angles": [{"lines": [[[0, 0, 0.5], [5, 0, 0.5]], [[0, 0, 0.5], [0, 5, 0.5]]]}],
    },
    "ELLI": {
        "type": "Ellipse",
        "version": V,
        "major_axis": [[0, 0, 0.5], [10, 0, 0.5]],
        "minor_axis": [[5, -0.2, 0.5], [5, 2, 0.5]],
    },
    "MELL": {
        "type": "Multiple ellipses",
        "version": V,
        "ellipses": [
            {"major_axis": [[0, 0, 0.5], [10, 0, 0.5]], "minor_axis": [[5, 0, 0.5], [5, 2, 0.5]]}
        ],
    },
    "3ANG": {
        "type": "Three-point angle",
        "version": V,
        "angle": [[5, 0, 0.5], [0, 0, 0.5], [0, 5, 0.5]],
    },
    "M3AN": {
        "type": "Multiple three-point angles",
        "version": V,
        "angles": [{"angle": [[5, 0, 0.5], [0, 0, 0.5], [0, 5, 0.5]], "probability": 1}],
    },
}


def new_user(**fields: object) -> User:
    return UserFactory(**fields)  # type: ignore[return-value]


def geometry_image(name: str = "slice") -> Image:
    """A 40 x 30 voxel 2-D slice of 1 mm voxels with its first voxel centre at (0, 0):
    world x in -0.5..39.5 mm, y in -0.5..29.5 mm."""
    image = stored_image(name)
    image.width, image.height = 40, 30
    image.voxel_width_mm = image.voxel_height_mm = 1.0
    image.origin_mm = [0.0, 0.0]
    image.direction = [1.0, 0.0, 0.0, 1.0]
    image.save()
    return image


def mask_session(
    user: User, *, shape: tuple[int, int] = (40, 30), segments: list[int] | None = None
) -> RawImageUploadSession:
    """A finished upload session of user's that built one label-map image."""
    session = RawImageUploadSession.objects.create(creator=user, status="Succeeded")
    mask = stored_image("mask")
    mask.width, mask.height = shape
    mask.segments = [0, 1] if segments is None else segments
    mask.origin = session
    mask.save()
    return session


def study_with_case(
    editor: User, *, title: str = "Chest study", **settings: Any
) -> tuple[ReaderStudy, DisplaySet]:
    study = services.reader_study_create(creator=editor, title=title, **settings)
    case = services.display_set_create(reader_study=study, title="case 1")
    socket = ComponentInterface.objects.get(slug="generic-medical-image")
    case.values.add(socket_value_create(socket=socket, image=geometry_image()))
    return study, case


def question_for(study: ReaderStudy, answer_type: str, **fields: Any) -> Question:
    """A valid question of answer_type with the fields GC's rules demand."""
    defaults: dict[str, Any] = {"question_text": f"Q {answer_type}", "answer_type": answer_type}
    if answer_type == "TEXT":
        defaults["widget"] = "TEXT_INPUT"
    if answer_type in ("CHOI", "MCHO"):
        defaults["options"] = [{"title": "yes", "default": True}, {"title": "no"}]
        defaults["widget"] = "RADIO_SELECT" if answer_type == "CHOI" else "SELECT_MULTIPLE"
    if answer_type in ("BOOL", "HEAD"):
        defaults["required"] = False
    if answer_type not in ("TEXT", "BOOL", "NUMB", "HEAD", "CHOI", "MCHO"):
        defaults["image_port"] = "M"
    defaults.update(fields)
    return services.question_create(reader_study=study, **defaults)
