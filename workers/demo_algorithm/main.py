"""Demo algorithm: body mask of a CT volume and its volume in millilitres.

Reads the CT from `/input/images/ct/` (or the first image socket listed in
`/input/inputs.json`), writes `/output/images/segmentation/mask.mha` and
`/output/results.json`.
"""

import json
import time
from pathlib import Path

import numpy as np

try:  # imported as part of the project (tests)
    from .body_mask import THRESHOLD_HU, body_mask
    from .mha import Volume, read_mha, write_mha
except ImportError:  # run as a script in the container
    from body_mask import THRESHOLD_HU, body_mask  # type: ignore[no-redef]
    from mha import Volume, read_mha, write_mha  # type: ignore[no-redef]

INPUT = Path("/input")
OUTPUT = Path("/output")
IMAGE_SUFFIXES = (".mha", ".tif", ".tiff")


def find_ct(input_dir: Path) -> Path:
    folders = [input_dir / "images" / "ct"]
    listing = input_dir / "inputs.json"
    if listing.exists():
        for entry in json.loads(listing.read_text()):
            interface = entry.get("interface") or {}
            if interface.get("super_kind") == "Image":
                folders.append(input_dir / interface["relative_path"])
    for folder in folders:
        if folder.is_dir():
            images = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".mha")
            if images:
                return images[0]
    raise SystemExit("no CT image (.mha) found under /input/images/")


def run(input_dir: Path = INPUT, output_dir: Path = OUTPUT) -> dict:
    started = time.monotonic()
    ct_path = find_ct(input_dir)
    ct = read_mha(ct_path)
    print(f"read {ct_path.name}: {ct.array.shape[::-1]} voxels, spacing {ct.spacing} mm")
    mask = body_mask(ct.array)
    voxels = int(mask.sum())
    voxel_ml = float(np.prod(ct.spacing[:3])) / 1000.0
    results = {
        "body_volume_ml": round(voxels * voxel_ml, 3),
        "voxel_count": voxels,
        "threshold_hu": THRESHOLD_HU,
    }
    segmentation = output_dir / "images" / "segmentation"
    segmentation.mkdir(parents=True, exist_ok=True)
    write_mha(segmentation / "mask.mha", Volume(array=mask, spacing=ct.spacing, header=ct.header))
    (output_dir / "results.json").write_text(json.dumps(results))
    print(f"body volume {results['body_volume_ml']} ml in {time.monotonic() - started:.1f} s")
    return results


if __name__ == "__main__":
    run()
