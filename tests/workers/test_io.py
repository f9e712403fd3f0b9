"""Staging inputs from the object store and collecting a container's outputs."""

import json
import os
import uuid

import pytest

from app.storage import bucket_name, s3_client
from workers.io import (
    CollectedOutput,
    OutputError,
    OutputSpec,
    StagedInput,
    StagingError,
    SuperKind,
    collect_outputs,
    stage_inputs,
)


def put_object(data: bytes) -> str:
    key = f"tests/{uuid.uuid4()}"
    s3_client("protected").put_object(Bucket=bucket_name("protected"), Key=key, Body=data)
    return key


def test_inputs_staged_in_the_container_layout(tmp_path):  # type: ignore[no-untyped-def]
    image_key = put_object(b"ObjectType = Image\n")
    pdf_key = put_object(b"%PDF-1.4 report")
    inputs = [
        StagedInput(
            slug="generic-medical-image",
            kind="Image",
            super_kind="Image",
            relative_path="images/generic-medical-image",
            bucket="protected",
            key=image_key,
            filename="1b1c2c1e.mha",
            pk=7,
            image_pk="1b1c2c1e",
        ),
        StagedInput(
            slug="report",
            kind="PDF file",
            super_kind="File",
            relative_path="report.pdf",
            bucket="protected",
            key=pdf_key,
        ),
        StagedInput(
            slug="threshold",
            kind="Float",
            super_kind="Value",
            relative_path="threshold.json",
            value=0.5,
        ),
    ]

    stage_inputs(directory=tmp_path, inputs=inputs)

    image_dir = tmp_path / "images" / "generic-medical-image"
    assert [p.name for p in image_dir.iterdir()] == ["1b1c2c1e.mha"]
    assert (image_dir / "1b1c2c1e.mha").read_bytes() == b"ObjectType = Image\n"
    assert (tmp_path / "report.pdf").read_bytes() == b"%PDF-1.4 report"
    assert json.loads((tmp_path / "threshold.json").read_text()) == 0.5
    listing = json.loads((tmp_path / "inputs.json").read_text())
    by_slug = {entry["interface"]["slug"]: entry for entry in listing}
    assert by_slug["threshold"]["value"] == 0.5
    assert by_slug["threshold"]["interface"]["relative_path"] == "threshold.json"
    assert by_slug["generic-medical-image"]["image"] == {"pk": "1b1c2c1e", "name": "1b1c2c1e.mha"}
    assert by_slug["generic-medical-image"]["interface"]["super_kind"] == "Image"
    assert by_slug["report"]["file"] == "/input/report.pdf"


def test_failed_staging_names_the_socket_and_leaves_nothing(tmp_path):  # type: ignore[no-untyped-def]
    inputs = [
        StagedInput(
            slug="a-value", kind="Integer", super_kind="Value", relative_path="a.json", value=1
        ),
        StagedInput(
            slug="lost-file",
            kind="CSV file",
            super_kind="File",
            relative_path="table.csv",
            bucket="protected",
            key="nowhere/missing.csv",
        ),
    ]

    with pytest.raises(StagingError, match=r"lost-file.*missing\.csv"):
        stage_inputs(directory=tmp_path, inputs=inputs)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "relative_path", ["../escape.json", "/etc/passwd", "inputs.json", "a.json/b.json"]
)
def test_unsafe_or_colliding_input_paths_are_refused(tmp_path, relative_path):  # type: ignore[no-untyped-def]
    inputs = [
        StagedInput(
            slug="first", kind="Integer", super_kind="Value", relative_path="a.json", value=1
        ),
        StagedInput(
            slug="second", kind="Integer", super_kind="Value", relative_path=relative_path, value=2
        ),
    ]
    with pytest.raises(StagingError, match="second"):
        stage_inputs(directory=tmp_path, inputs=inputs)


def spec(slug: str, super_kind: SuperKind, relative_path: str, **kwargs) -> OutputSpec:  # type: ignore[no-untyped-def]
    return OutputSpec(
        slug=slug, kind="x", super_kind=super_kind, relative_path=relative_path, **kwargs
    )


def test_valid_outputs_are_collected(tmp_path):  # type: ignore[no-untyped-def]
    (tmp_path / "images" / "mask").mkdir(parents=True)
    (tmp_path / "images" / "mask" / "mask.mha").write_bytes(b"mha")
    (tmp_path / "results.json").write_text('{"volume_ml": 12.5}')
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.4")

    image, value, file = collect_outputs(
        directory=tmp_path,
        outputs=[
            spec("mask", "Image", "images/mask"),
            spec("results-json-file", "Value", "results.json"),
            spec("report", "File", "report.pdf"),
        ],
    )

    assert isinstance(image, CollectedOutput) and image.path.name == "mask.mha"
    assert isinstance(value, CollectedOutput) and value.value == {"volume_ml": 12.5}
    assert isinstance(file, CollectedOutput) and file.size == 8


def reasons(results) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {r.slug: r.reason for r in results if isinstance(r, OutputError)}


def test_each_bad_output_is_named_with_its_reason(tmp_path):  # type: ignore[no-untyped-def]
    (tmp_path / "images" / "two").mkdir(parents=True)
    (tmp_path / "images" / "two" / "a.mha").write_bytes(b"1")
    (tmp_path / "images" / "two" / "b.tif").write_bytes(b"2")
    (tmp_path / "images" / "none").mkdir(parents=True)
    (tmp_path / "images" / "none" / "notes.txt").write_text("no image")
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "big.csv").write_bytes(b"x" * 2000)
    os.symlink("/etc/passwd", tmp_path / "linked.json")
    os.symlink("/etc", tmp_path / "images" / "escape")

    results = collect_outputs(
        directory=tmp_path,
        outputs=[
            spec("two", "Image", "images/two"),
            spec("none", "Image", "images/none"),
            spec("broken", "Value", "broken.json"),
            spec("big", "File", "big.csv", max_bytes=1000),
            spec("linked", "Value", "linked.json"),
            spec("escape", "Value", "images/escape/passwd"),
            spec("missing", "Value", "missing.json"),
            spec("outside", "File", "../outside.csv"),
        ],
    )

    found = reasons(results)
    assert "exactly one" in found["two"] and "a.mha" in found["two"]
    assert "no .mha" in found["none"]
    assert "not valid JSON" in found["broken"]
    assert "over the limit of 1000" in found["big"]
    assert "symlink" in found["linked"]
    assert "symlink" in found["escape"]
    assert "missing" in found["missing"]
    assert "inside the directory" in found["outside"]
    assert all(r.message.startswith(f"Output {r.slug!r}") for r in results)  # type: ignore[union-attr]
