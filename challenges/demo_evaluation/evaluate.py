"""Demo evaluation container (GC's contract): Dice of each body mask and the error of the
reported body volume, against the ground-truth masks.

Reads `/input/predictions.json` (one entry per successful job), each job's segmentation
at `/input/<job pk>/output/images/segmentation/*.mha` and its
`/input/<job pk>/output/results.json`; the ground truth is
`/opt/ml/input/data/ground_truth/<case name>.mha`, named after the job's input image.
Writes `/output/metrics.json`: `{"results": [...], "aggregates": {"dice": {"mean", "std"},
"volume_error_ml": {"mean", "std"}}}`.
"""

import json
import sys
from pathlib import Path

import numpy as np

try:  # imported as part of the project (tests)
    from workers.demo_algorithm.mha import read_mha
except ImportError:  # run as a script in the container, next to mha.py
    from mha import read_mha  # type: ignore[no-redef]

INPUT = Path("/input")
GROUND_TRUTH = Path("/opt/ml/input/data/ground_truth")
OUTPUT = Path("/output")
SEGMENTATION = "segmentation"


def dice(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a > 0, b > 0
    total = int(a.sum()) + int(b.sum())
    return 1.0 if total == 0 else 2.0 * int((a & b).sum()) / total


def _case_name(job: dict) -> str:
    for value in job["inputs"]:
        if value.get("image"):
            return str(value["image"]["name"]).removesuffix(".mha")
    raise SystemExit(f"job {job['pk']} has no input image")


def _output_folder(job: dict, slug: str, input_dir: Path) -> Path:
    for value in job["outputs"]:
        if value["interface"]["slug"] == slug:
            return input_dir / str(job["pk"]) / "output" / value["interface"]["relative_path"]
    raise SystemExit(f"job {job['pk']} has no '{slug}' output")


def evaluate_job(job: dict, input_dir: Path, ground_truth: Path) -> dict:
    case = _case_name(job)
    truth = read_mha(ground_truth / f"{case}.mha")
    masks = sorted(_output_folder(job, SEGMENTATION, input_dir).glob("*.mha"))
    if not masks:
        raise SystemExit(f"job {job['pk']} ({case}): no segmentation .mha")
    prediction = read_mha(masks[0])
    if prediction.array.shape != truth.array.shape:
        raise SystemExit(
            f"{case}: the segmentation is {prediction.array.shape}, the truth {truth.array.shape}"
        )
    results = json.loads(_output_folder(job, "results-json-file", input_dir).read_text())
    voxel_ml = float(np.prod(truth.spacing[:3])) / 1000.0
    true_ml = int((truth.array > 0).sum()) * voxel_ml
    return {
        "case": case,
        "dice": round(dice(prediction.array, truth.array), 6),
        "volume_error_ml": round(abs(float(results["body_volume_ml"]) - true_ml), 3),
    }


def _aggregate(values: list[float]) -> dict:
    return {"mean": round(float(np.mean(values)), 6), "std": round(float(np.std(values)), 6)}


def run(input_dir: Path = INPUT, ground_truth: Path = GROUND_TRUTH, output: Path = OUTPUT) -> dict:
    jobs = json.loads((input_dir / "predictions.json").read_text())
    if not jobs:
        raise SystemExit("predictions.json lists no successful job")
    results = sorted(
        (evaluate_job(job, input_dir, ground_truth) for job in jobs), key=lambda r: r["case"]
    )
    metrics = {
        "results": results,
        "aggregates": {
            key: _aggregate([r[key] for r in results]) for key in ("dice", "volume_error_ml")
        },
    }
    (output / "metrics.json").write_text(json.dumps(metrics))
    print(json.dumps(metrics["aggregates"]))
    return metrics


if __name__ == "__main__":
    run()
    sys.exit(0)
