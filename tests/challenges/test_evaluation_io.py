"""The evaluation container's /input layout and the predictions type, as pure functions."""

import pytest

from challenges.evaluation_io import (
    EvaluationRefused,
    InputValue,
    Placement,
    detect_mimetype,
    evaluation_layout,
    job_output_prefixes,
    predictions_relative_path,
)

JOB_A = "0b6c2d36-0000-4000-8000-00000000000a"
JOB_B = "0b6c2d36-0000-4000-8000-00000000000b"


def civ(pk: int, slug: str, relative_path: str, super_kind: str, **extra) -> InputValue:  # type: ignore[no-untyped-def]
    data = {
        "pk": pk,
        "interface": {"slug": slug, "relative_path": relative_path},
        "socket": {"slug": slug, "relative_path": relative_path},
        "value": extra.pop("value", None),
        "file": None,
        "image": None,
    }
    return InputValue(pk=pk, data=data, relative_path=relative_path, super_kind=super_kind, **extra)


def test_algorithm_phase_layout_is_gcs():
    predictions = civ(
        1,
        "predictions-json-file",
        "predictions.json",
        "Value",
        value=[{"pk": JOB_A}, {"pk": JOB_B}],
    )
    outputs = [
        civ(11, "results-json-file", "results.json", "Value", value={"n": 1}),
        civ(
            12,
            "lesion-mask",
            "images/lesion-mask",
            "Image",
            source="images/x/mask.mha",
            filename="mask.mha",
        ),
        civ(21, "results-json-file", "results.json", "Value", value={"n": 2}),
        civ(22, "report", "report.pdf", "File", source="files/r.pdf"),
    ]
    prefixes = job_output_prefixes({JOB_A: [11, 12], JOB_B: [21, 22]})
    assert prefixes == {
        "11": f"{JOB_A}/output/",
        "12": f"{JOB_A}/output/",
        "21": f"{JOB_B}/output/",
        "22": f"{JOB_B}/output/",
    }
    layout = evaluation_layout(
        inputs=[predictions, *outputs], input_prefixes=prefixes, ground_truth_key="gt/1.tar.gz"
    )
    assert layout.paths() == sorted(
        [
            "/input/predictions.json",
            f"/input/{JOB_A}/output/results.json",
            f"/input/{JOB_A}/output/images/lesion-mask/mask.mha",
            f"/input/{JOB_B}/output/results.json",
            f"/input/{JOB_B}/output/report.pdf",
            "/input/inputs.json",
            "/opt/ml/input/data/ground_truth/",
        ]
    )
    by_path = {p.path: p for p in layout.placements}
    assert by_path["/input/predictions.json"].value == [{"pk": JOB_A}, {"pk": JOB_B}]
    assert by_path[f"/input/{JOB_B}/output/results.json"].value == {"n": 2}
    assert (
        by_path[f"/input/{JOB_A}/output/images/lesion-mask/mask.mha"].source == "images/x/mask.mha"
    )
    assert by_path["/input/inputs.json"].value == [c.data for c in [predictions, *outputs]]
    assert by_path["/opt/ml/input/data/ground_truth/"] == Placement(
        path="/opt/ml/input/data/ground_truth/",
        source="gt/1.tar.gz",
        extract=True,
        bucket="private",
    )


def test_predictions_phase_layout_without_ground_truth():
    upload = civ(5, "predictions-csv-file", "predictions.csv", "File", source="p/1.csv")
    layout = evaluation_layout(inputs=[upload], input_prefixes={})
    assert layout.paths() == ["/input/inputs.json", "/input/predictions.csv"]


def test_two_inputs_at_one_path_are_refused():
    a = civ(1, "results-json-file", "results.json", "Value", value=1)
    b = civ(2, "results-json-file", "results.json", "Value", value=2)
    with pytest.raises(
        EvaluationRefused, match=r"Two inputs \(1 and 2\) would both be at /input/results.json"
    ):
        evaluation_layout(inputs=[a, b], input_prefixes={})


def test_a_path_escaping_input_is_refused():
    bad = civ(1, "x", "results.json", "Image", source="k", filename="../../etc/passwd")
    with pytest.raises(EvaluationRefused, match="not a plain relative path"):
        evaluation_layout(inputs=[bad], input_prefixes={})


@pytest.mark.parametrize(
    "head,mimetype,path",
    [
        (b"PK\x03\x04....", "application/zip", "predictions.zip"),
        (b"case,score\n1,0.5\n", "text/plain", "predictions.csv"),
        (b'[{"case": 1}]', "text/plain", "predictions.csv"),  # as GC: JSON sniffs as text
    ],
)
def test_predictions_type_by_content(head, mimetype, path):
    assert detect_mimetype(head) == mimetype
    assert predictions_relative_path(mimetype) == path


@pytest.mark.parametrize(
    "head,message",
    [
        (b"\x1f\x8b\x08\x00", "application/gzip files are not supported."),
        (b"%PDF-1.7", "application/pdf files are not supported."),
        (b"\x00\x01\x02\xff", "application/octet-stream files are not supported."),
    ],
)
def test_unsupported_predictions_types(head, message):
    with pytest.raises(EvaluationRefused) as e:
        predictions_relative_path(detect_mimetype(head))
    assert str(e.value) == message
