"""The JSON the viewer's annotation tools build (static/viewer/annotation-json.mjs, run in
node) meets GC's answer schemas and the socket kinds' schemas, for all sixteen kinds."""

import json
import subprocess
from pathlib import Path

import jsonschema
import pytest
from django.conf import settings

from components.kinds import ANNOTATION_KINDS
from components.schemas import kind_schema
from reader_studies.models import ANNOTATION_TYPES, AnswerType
from reader_studies.schemas import schema_problem

MODULE = Path(settings.BASE_DIR) / "static" / "viewer" / "annotation-json.mjs"
# every kind with two objects, each named and with a probability, points (i, 2i, 3i + 0.5)
SCRIPT = """
import { ANNOTATION_KINDS, buildValue, kindInfo } from "%s";
const count = { Point: 1, Line: 3, "2D bounding box": 4, "Distance measurement": 2, Polygon: 5,
  Angle: 4, "Three-point angle": 3, Ellipse: 4 };
const out = {};
for (const kind of ANNOTATION_KINDS) {
  const single = kindInfo(kind).single;
  const shape = { type: single, extra: { name: "finding", probability: 0.8 },
    points: Array.from({ length: count[single] }, (_, i) => [i, 2 * i, 3 * i + 0.5]) };
  out[kind] = buildValue(kind, [shape, shape], { name: "all" });
}
console.log(JSON.stringify(out));
"""


@pytest.fixture(scope="module")
def built() -> dict:
    result = subprocess.run(
        ["node", "--input-type=module", "-e", SCRIPT % MODULE.as_uri()],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


DRAWN_TYPES = sorted(ANNOTATION_TYPES - {AnswerType.MASK})  # a mask is painted, not drawn


def test_the_viewer_knows_gcs_sixteen_annotation_kinds(built: dict) -> None:
    assert set(built) == {t.label for t in DRAWN_TYPES} == set(ANNOTATION_KINDS)


@pytest.mark.parametrize("answer_type", DRAWN_TYPES)
def test_built_values_meet_the_answer_and_socket_schemas(built: dict, answer_type) -> None:  # type: ignore[no-untyped-def]
    value = built[answer_type.label]
    assert schema_problem(answer_type.value, value) is None, (answer_type, value)
    schema = kind_schema(answer_type.label)
    assert schema is not None, answer_type.label
    jsonschema.validate(value, schema)
