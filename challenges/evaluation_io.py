"""What an evaluation container sees and what it must write (contracts §B.5), as pure
functions: the /input layout from an evaluation's inputs, the predictions file's place by
its detected type, and the checks on /output/metrics.json."""

import json
import math
from dataclasses import dataclass, field
from typing import Any

from challenges.ranking import get_jsonpath

INPUT_DIR = "/input/"
GROUND_TRUTH_DIR = "/opt/ml/input/data/ground_truth/"
METRICS_PATH = "/output/metrics.json"

# GC's prepare_and_execute_evaluation: the sniffed MIME type picks the socket.
PREDICTIONS_PATHS = {
    "application/zip": "predictions.zip",
    "text/plain": "predictions.csv",
    "application/csv": "predictions.csv",
    "text/csv": "predictions.csv",
}


class EvaluationRefused(ValueError):
    """The evaluation cannot go on; the message is shown to the submitter and admins."""


@dataclass(frozen=True)
class InputValue:
    """One input socket value of an evaluation, as the layout needs it."""

    pk: int
    data: dict  # internal form: {socket, interface, value, file, image: {pk, name}|None, pk}
    relative_path: str  # the socket's
    super_kind: str  # "Image", "File" or "Value"
    source: str = ""  # object key of the file (File) or image file (Image)
    filename: str = ""  # Image: the image file's name inside its directory
    bucket: str = "protected"  # where `source` is
    content: bytes | None = None  # the bytes at `source` when read already (not fetched again)


@dataclass(frozen=True)
class Placement:
    path: str  # absolute path in the container
    value: Any = None  # JSON written there (Value sockets, inputs.json)
    source: str = ""  # object key copied there
    extract: bool = False  # a tarball extracted into the directory `path`
    bucket: str = "protected"
    content: bytes | None = None  # the bytes at `source`, when read already


@dataclass
class Layout:
    placements: list[Placement] = field(default_factory=list)

    def paths(self) -> list[str]:
        return sorted(p.path for p in self.placements)


def job_output_prefixes(job_outputs: dict[str, list[int]]) -> dict[str, str]:
    """`input_prefixes` of an algorithm-phase evaluation: each output value of job J is
    mounted under `<J>/output/` (GC's set_evaluation_inputs)."""
    return {
        str(civ_pk): f"{job_pk}/output/" for job_pk, pks in job_outputs.items() for civ_pk in pks
    }


def _check_relative(path: str) -> str:
    parts = path.split("/")
    if path.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise EvaluationRefused(f"The input path {path!r} is not a plain relative path.")
    return path


def evaluation_layout(
    *,
    inputs: list[InputValue],
    input_prefixes: dict[str, str],
    ground_truth_key: str = "",
) -> Layout:
    """Every input at /input/<prefix><relative_path> (images as a directory holding the image
    file), /input/inputs.json listing them all, the ground truth extracted at
    /opt/ml/input/data/ground_truth/."""
    layout = Layout()
    seen: dict[str, int] = {}
    for item in inputs:
        relative = _check_relative(input_prefixes.get(str(item.pk), "") + item.relative_path)
        if relative in seen:
            raise EvaluationRefused(
                f"Two inputs ({seen[relative]} and {item.pk}) would both be at /input/{relative}."
            )
        seen[relative] = item.pk
        path = INPUT_DIR + relative
        if item.super_kind == "Image":
            name = _check_relative(item.filename)
            layout.placements.append(
                Placement(path=f"{path}/{name}", source=item.source, bucket=item.bucket)
            )
        elif item.super_kind == "File":
            layout.placements.append(
                Placement(path=path, source=item.source, bucket=item.bucket, content=item.content)
            )
        else:
            layout.placements.append(Placement(path=path, value=item.data["value"]))
    layout.placements.append(
        Placement(path=INPUT_DIR + "inputs.json", value=[item.data for item in inputs])
    )
    if ground_truth_key:
        layout.placements.append(
            Placement(
                path=GROUND_TRUTH_DIR, source=ground_truth_key, extract=True, bucket="private"
            )
        )
    return layout


def detect_mimetype(head: bytes) -> str:
    """The MIME type of a predictions file from its first bytes (what libmagic would say
    for the types GC accepts)."""
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "application/zip"
    if head.startswith(b"\x1f\x8b"):
        return "application/gzip"
    if head.startswith(b"%PDF"):
        return "application/pdf"
    if b"\x00" in head:
        return "application/octet-stream"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        # a multi-byte character cut at the end of the head is still text
        if e.start < len(head) - 3:
            return "application/octet-stream"
    return "text/plain"


def predictions_relative_path(mimetype: str) -> str:
    try:
        return PREDICTIONS_PATHS[mimetype]
    except KeyError:
        raise EvaluationRefused(f"{mimetype} files are not supported.") from None


def parse_metrics(raw: bytes | None, *, score_jsonpath: str) -> dict:
    """/output/metrics.json as a dict with a number at the score path, or a clear refusal."""
    if raw is None:
        raise EvaluationRefused("The evaluation container wrote no /output/metrics.json.")
    try:
        metrics = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise EvaluationRefused(f"/output/metrics.json is not valid JSON: {e}.") from None
    if not isinstance(metrics, dict):
        raise EvaluationRefused(
            f"/output/metrics.json must be a JSON object, not a {_json_type(metrics)}."
        )
    score = get_jsonpath(metrics, score_jsonpath)
    if score == "":
        raise EvaluationRefused(
            f"/output/metrics.json has no value at the score path {score_jsonpath!r}."
        )
    if isinstance(score, bool) or not isinstance(score, (int, float)) or not math.isfinite(score):
        raise EvaluationRefused(
            f"The score at {score_jsonpath!r} in /output/metrics.json must be a number, "
            f"not {json.dumps(score)[:80]}."
        )
    return metrics


def _json_type(value: Any) -> str:
    return {list: "list", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number"
    )
