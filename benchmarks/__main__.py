"""`python -m benchmarks` (make bench): run every benchmark module, print, save JSON."""

import json
import sys
from pathlib import Path

from benchmarks import bench_jobs, dicom_to_mha

RESULTS = Path("var/bench/results.json")


def main() -> int:
    results = {"dicom_to_mha": dicom_to_mha.run()}
    # last: it sets up Django in this process on its own scratch database and buckets
    results["jobs"] = bench_jobs.run()
    print(json.dumps(results["jobs"], indent=2))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    print(f"\nwrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
