import io
import json
import zipfile

import pytest
from django.core.exceptions import ValidationError

from components.kinds import Kind
from components.models import ComponentInterface, ComponentInterfaceValue
from components.services import socket_create, socket_value_create, validate_value
from tests.components.factories import make_socket

pytestmark = pytest.mark.django_db

GOOD_VALUES = {
    Kind.STRING: "hello",
    Kind.INTEGER: 3,
    Kind.FLOAT: 0.5,
    Kind.BOOL: True,
    Kind.CHOICE: "yes",
    Kind.MULTIPLE_CHOICE: ["a", "b"],
    Kind.ANY: {"whatever": [1, None]},
    Kind.CHART: {"mark": "bar", "data": {"values": []}},
    Kind.POINT: {"type": "Point", "point": [1, 2, 3], "name": "tip"},
    Kind.MULTIPLE_POINTS: {
        "type": "Multiple points",
        "points": [{"point": [1, 2, 3]}, {"point": [4, 5, 6], "probability": 0.9}],
        "version": {"major": 1, "minor": 0},
    },
    Kind.BOUNDING_BOX_2D: {
        "type": "2D bounding box",
        "corners": [[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]],
    },
    Kind.MULTIPLE_BOUNDING_BOXES_2D: {
        "type": "Multiple 2D bounding boxes",
        "boxes": [{"corners": [[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]]}],
    },
    Kind.DISTANCE_MEASUREMENT: {
        "type": "Distance measurement",
        "start": [0, 0, 0],
        "end": [1, 1, 1],
    },
    Kind.MULTIPLE_DISTANCE_MEASUREMENTS: {
        "type": "Multiple distance measurements",
        "lines": [{"start": [0, 0, 0], "end": [1, 1, 1]}],
    },
    Kind.LINE: {
        "type": "Line",
        "seed_points": [[0, 0, 0], [2, 2, 0]],
        "path_point_lists": [[[0, 0, 0], [1, 1, 0], [2, 2, 0]]],
    },
    Kind.MULTIPLE_LINES: {"type": "Multiple lines", "lines": []},
    Kind.POLYGON: {
        "type": "Polygon",
        "seed_point": [0, 0, 0],
        "path_points": [[0, 0, 0], [1, 0, 0], [1, 1, 0]],
    },
    Kind.MULTIPLE_POLYGONS: {
        "type": "Multiple polygons",
        "polygons": [{"seed_point": [0, 0, 0], "path_points": [[0, 0, 0]]}],
    },
    Kind.ANGLE: {
        "type": "Angle",
        "lines": [[[0, 0, 0], [1, 0, 0]], [[0, 0, 0], [0, 1, 0]]],
    },
    Kind.MULTIPLE_ANGLES: {"type": "Multiple angles", "angles": []},
    Kind.ELLIPSE: {
        "type": "Ellipse",
        "major_axis": [[-2, 0, 0], [2, 0, 0]],
        "minor_axis": [[0, -1, 0], [0, 1, 0]],
    },
    Kind.MULTIPLE_ELLIPSES: {
        "type": "Multiple ellipses",
        "ellipses": [
            {"major_axis": [[-2, 0, 0], [2, 0, 0]], "minor_axis": [[0, -1, 0], [0, 1, 0]]}
        ],
    },
    Kind.THREE_POINT_ANGLE: {
        "type": "Three-point angle",
        "angle": [[1, 0, 0], [0, 0, 0], [0, 1, 0]],
        "version": {"major": 1, "minor": 0},
    },
    Kind.MULTIPLE_THREE_POINT_ANGLES: {
        "type": "Multiple three-point angles",
        "angles": [{"type": "Three-point angle", "angle": [[1, 0, 0], [0, 0, 0], [0, 1, 0]]}],
    },
}

BAD_VALUES = {
    Kind.STRING: 3,
    Kind.INTEGER: 1.5,
    Kind.FLOAT: "0.5",
    Kind.BOOL: 1,
    Kind.MULTIPLE_CHOICE: ["a", "a"],
    Kind.CHART: [1, 2],
    Kind.POINT: {"type": "Point", "point": [1, 2]},
    Kind.MULTIPLE_POINTS: {"type": "Point", "points": []},
    Kind.BOUNDING_BOX_2D: {"type": "2D bounding box", "corners": [[0, 0, 0]]},
    Kind.DISTANCE_MEASUREMENT: {"type": "Distance measurement", "start": [0, 0, 0]},
    Kind.ANGLE: {"type": "Angle", "lines": [[[0, 0, 0], [1, 0, 0]]]},
    Kind.ELLIPSE: {"type": "Ellipse", "major_axis": [[0, 0, "x"], [1, 1, 1]], "minor_axis": []},
    Kind.MULTIPLE_POLYGONS: {"type": "Multiple polygons", "polygons": [{"seed_point": [0, 0, 0]}]},
    Kind.THREE_POINT_ANGLE: {"type": "Three-point angle", "angle": [[0, 0, 0], [1, 0, 0]]},
}


def _socket(kind: str) -> ComponentInterface:
    return make_socket(kind=kind)


def test_every_value_kind_accepts_its_documented_shape():
    for kind, value in GOOD_VALUES.items():
        validate_value(socket=_socket(kind), value=value)


@pytest.mark.parametrize("kind", list(BAD_VALUES))
def test_wrong_shapes_are_refused_naming_the_socket(kind):
    socket = _socket(kind)
    with pytest.raises(ValidationError) as e:
        validate_value(socket=socket, value=BAD_VALUES[kind])
    assert socket.slug in str(e.value)
    assert kind in str(e.value)


def test_socket_schema_applies_on_top_of_kind():
    socket = make_socket(kind=Kind.FLOAT, schema={"minimum": 0, "maximum": 1})
    validate_value(socket=socket, value=0.25)
    with pytest.raises(ValidationError, match="greater than the maximum"):
        validate_value(socket=socket, value=1.5)


def test_choice_schema_limits_options():
    socket = make_socket(kind=Kind.CHOICE, schema={"enum": ["benign", "malignant"]})
    validate_value(socket=socket, value="benign")
    with pytest.raises(ValidationError, match="'unsure' is not one of"):
        validate_value(socket=socket, value="unsure")


def test_image_socket_refuses_json_values():
    socket = ComponentInterface.objects.get(slug="generic-medical-image")
    with pytest.raises(ValidationError, match="holds images"):
        validate_value(socket=socket, value=1)


def test_super_kind_is_derived_from_kind():
    assert make_socket(kind=Kind.SEGMENTATION, relative_path="images/s").super_kind == "Image"
    assert make_socket(kind=Kind.PDF, relative_path="report.pdf").super_kind == "File"
    assert make_socket(kind=Kind.MULTIPLE_POINTS).super_kind == "Value"


def test_socket_create_checks_path_schema_and_segments():
    with pytest.raises(ValidationError) as e:
        socket_create(title="Lesions", kind=Kind.SEGMENTATION, relative_path="lesions.json")
    assert "images/" in str(e.value.message_dict["relative_path"])
    with pytest.raises(ValidationError) as e:
        socket_create(title="Report", kind=Kind.PDF, relative_path="report.txt")
    assert ".pdf" in str(e.value.message_dict["relative_path"])
    with pytest.raises(ValidationError) as e:
        socket_create(
            title="Score", kind=Kind.FLOAT, relative_path="score.json", schema={"type": 5}
        )
    assert "Not a valid JSON schema" in str(e.value.message_dict["schema"])
    with pytest.raises(ValidationError) as e:
        socket_create(title="Esc", kind=Kind.FLOAT, relative_path="../x.json")
    assert "relative_path" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        socket_create(
            title="Organs",
            kind=Kind.SEGMENTATION,
            relative_path="images/organs",
            overlay_segments=[
                {"name": "liver", "visible": True, "voxel_value": 1},
                {"name": "spleen", "visible": True, "voxel_value": 1},
            ],
        )
    assert "own voxel value" in str(e.value.message_dict["overlay_segments"])
    assert not ComponentInterface.objects.filter(title__in=["Lesions", "Organs"]).exists()

    socket = socket_create(
        title="Organs",
        kind=Kind.SEGMENTATION,
        relative_path="images/organs",
        overlay_segments=[{"name": "liver", "visible": True, "voxel_value": 1}],
    )
    assert socket.slug == "organs"
    assert socket.store_in_database is False


def test_value_needs_exactly_one_of_value_file_image():
    socket = ComponentInterface.objects.get(slug="probability")
    with pytest.raises(ValidationError, match="exactly one"):
        socket_value_create(socket=socket)
    with pytest.raises(ValidationError, match="got value, file"):
        socket_value_create(socket=socket, value=0.1, file=io.BytesIO(b"0.1"))
    civ = socket_value_create(socket=socket, value=0.1)
    assert civ.value == 0.1 and not civ.file and civ.image is None
    with pytest.raises(ValidationError, match="less than the minimum"):
        socket_value_create(socket=socket, value=-1.0)


def test_value_of_socket_not_kept_in_database_becomes_json_file():
    socket = ComponentInterface.objects.get(slug="results-json-file")
    civ = socket_value_create(socket=socket, value={"lesions": 2})
    assert civ.value is None
    assert civ.filename == "results.json"
    with civ.file.open("rb") as f:
        assert json.load(f) == {"lesions": 2}
    civ.file.delete(save=False)


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "hello")
    return buffer.getvalue()


FILES = {
    # kind: (path, good bytes, bad bytes, words in the refusal)
    Kind.PDF: ("r.pdf", b"%PDF-1.4\n%%EOF\n", b"<html></html>", "not a PDF"),
    Kind.PNG: ("t.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 20, b"GIF89a", "not a PNG"),
    Kind.JPEG: ("t.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 20, b"\x89PNG", "not a JPEG"),
    Kind.CSV: ("t.csv", b"a,b\n1,2\n", b"a,b\n\xff\xfe,2\n", "not a UTF-8 text CSV"),
    Kind.ZIP: ("t.zip", _zip_bytes(), _zip_bytes()[:-30], "not a valid ZIP"),
    Kind.MP4: ("t.mp4", b"\0\0\0\x18ftypmp42" + b"\0" * 8, b"RIFF0000AVI ", "not an MP4"),
    Kind.OBJ: ("t.obj", b"# cube\nv 0 0 0\nv 1 0 0\nf 1 2 1\n", b"<svg/>\n", "not a Wavefront"),
}


@pytest.mark.parametrize("kind", list(FILES))
def test_files_are_checked_by_content(kind):
    path, good, bad, reason = FILES[kind]
    socket = make_socket(kind=kind, relative_path=f"{kind.replace(' ', '-')}/{path}")
    with pytest.raises(ValidationError) as e:
        socket_value_create(socket=socket, file=io.BytesIO(bad), filename=path)
    assert reason in str(e.value)
    assert socket.slug in str(e.value) and path in str(e.value)
    assert not ComponentInterfaceValue.objects.filter(interface=socket).exists()

    civ = socket_value_create(socket=socket, file=io.BytesIO(good), filename=path)
    assert civ.filename == path
    with civ.file.open("rb") as f:
        assert f.read() == good
    civ.file.delete(save=False)


def test_json_file_for_value_socket_is_parsed_and_validated():
    socket = make_socket(kind=Kind.POINT, relative_path="tip.json", store_in_database=True)
    good = json.dumps({"type": "Point", "point": [1, 2, 3]}).encode()
    civ = socket_value_create(socket=socket, file=io.BytesIO(good), filename="tip.json")
    assert civ.value == {"type": "Point", "point": [1, 2, 3]}
    with pytest.raises(ValidationError, match="not valid JSON"):
        socket_value_create(socket=socket, file=io.BytesIO(b"{nope"), filename="tip.json")
    with pytest.raises(ValidationError, match="Invalid value for socket"):
        socket_value_create(
            socket=socket, file=io.BytesIO(b'{"type": "Point"}'), filename="tip.json"
        )
