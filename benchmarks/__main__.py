"""`python -m benchmarks` (make bench): run every benchmark module, print, save JSON."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks import bench_jobs, dicom_to_mha, stack

RESULTS = Path("var/bench/results.json")
DATABASES = ("sqlite", "postgres")  # the embedded default, then production's database


def _bench_module(module: str, *args: str) -> dict[str, Any]:
    """A benchmark in its own process (Django reads its settings once per process); it
    prints its result as one `RESULT {json}` line."""
    process = subprocess.Popen(
        [sys.executable, "-m", module, *args],
        stdout=subprocess.PIPE,
        text=True,
    )
    result: dict[str, Any] = {}
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("RESULT "):
            result = json.loads(line[7:])
        else:
            print(line, end="", flush=True)
    if process.wait() != 0 or not result:
        raise SystemExit(f"{module} {' '.join(args)} failed")
    return result


def _print_api_table(api: dict[str, dict[str, Any]]) -> None:
    rows: list[tuple[str, str, str, str]] = []
    for database, r in api.items():
        lat = r["latency"]
        get = lat["GET upload p50_ms"]
        rows.append((database, "GET uploads/{pk}/ p50", f"{get:.1f} ms", "reference"))
        for label in ("POST uploads/", "generate-presigned-urls", "complete-multipart-upload"):
            ratio = lat[f"{label} x GET"]
            rows.append(
                (
                    database,
                    f"{label} p50",
                    f"{lat[f'{label} p50_ms']:.1f} ms",
                    f"{ratio:.2f}x GET (<= 2)",
                )
            )
        if "import" in r:
            imp = r["import"]
            rows.append(
                (
                    database,
                    f"gcapi import {imp['slices']} slices",
                    f"{imp['end_to_end s']:.1f} s",
                    f"{imp.get('end_to_end x panimg', float('nan')):.2f}x panimg "
                    f"{imp.get('panimg conversion s', float('nan')):.1f} s (<= 0.5)",
                )
            )
        if "load" in r:
            load = r["load"]
            mixed, trivial = load["mixed"], load["trivial"]
            rows.append(
                (
                    database,
                    "load: trivial gcapi/",
                    f"{trivial['req_per_s']:.1f} req/s",
                    f"p50 {trivial['p50_ms']:.0f} ms, p99 {trivial['p99_ms']:.0f} ms",
                )
            )
            rows.append(
                (
                    database,
                    f"load: mixed, {mixed['clients']} clients",
                    f"{mixed['req_per_s']:.1f} req/s",
                    f"{load['mixed x trivial req/s']:.2f}x trivial (>= 0.5), "
                    f"{mixed['errors']} errors, "
                    f"p50 {mixed['p50_ms']:.0f} ms, p99 {mixed['p99_ms']:.0f} ms",
                )
            )
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    print("\nAPI benchmarks (gunicorn over HTTPS as make run serves it)")
    for row in rows:
        print(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:>{widths[2]}}  {row[3]}")


def _print_slides(r: dict[str, Any]) -> None:
    large, small = r["large"]["first_view_ms"], r["small"]["first_view_ms"]
    gib, mib = r["bytes"]["large"] / 2**30, r["bytes"]["small"] / 2**20
    print(
        f"\nWhole-slide images in Chromium ({r['size_px']} px square, {gib:.2f} GiB"
        f" vs {mib:.1f} MiB; medians of {r['rounds']} cold-cache opens)"
    )
    print(
        f"  first view loaded: large {large:.0f} ms, small {small:.0f} ms,"
        f" ratio {r['large x small first view']:.2f} (<= 1.25)"
    )
    reference = r["reference page+tile ms"]
    print(f"  page + one tile fetched alone: {reference:.0f} ms; the large slide's")
    for key, what in (
        ("first_pixels_ms", "first pixels (the page's preview)"),
        ("canvas_pixels_ms", "first tiles on the viewer's canvas"),
        ("first_view_ms", "first view loaded"),
    ):
        print(
            f"    {what}: {r['large'][key]:.0f} ms, {r[f'large {key} x reference']:.2f}x that"
            f" (median of rounds {r[f'large {key} x reference, median of rounds']:.2f}x; <= 2)"
        )


def main() -> int:
    """`python -m benchmarks [dicom_to_mha] [api] [viewer] [reading] [slides] [jobs]
    [challenge]`: those parts only (default all)."""
    wanted = set(sys.argv[1:]) or {
        "dicom_to_mha",
        "api",
        "viewer",
        "reading",
        "slides",
        "jobs",
        "challenge",
    }
    results: dict[str, Any] = {}
    if "dicom_to_mha" in wanted:
        results["dicom_to_mha"] = dicom_to_mha.run()
    if "api" in wanted:
        try:
            results["api"] = {
                database: _bench_module("benchmarks.bench_api", "--database", database)
                for database in DATABASES
            }
        finally:
            stack.stop_object_store()
    if "viewer" in wanted:
        try:
            results["viewer"] = _bench_module("benchmarks.bench_viewer")
            print(json.dumps(results["viewer"], indent=2))
        finally:
            stack.stop_object_store()
    if "reading" in wanted:
        results["reading"] = _bench_module("benchmarks.bench_reading")
    if "slides" in wanted:
        try:
            results["slides"] = _bench_module("benchmarks.bench_slides")
        finally:
            stack.stop_object_store()
        _print_slides(results["slides"])
    if "jobs" in wanted:
        # last: it sets up Django in this process on its own scratch database and buckets
        results["jobs"] = bench_jobs.run()
        print(json.dumps(results["jobs"], indent=2))
    if "challenge" in wanted:
        # its own scratch database, so its own process
        results["challenge"] = _bench_module("benchmarks.bench_challenge")
        print(json.dumps(results["challenge"], indent=2))
    if "api" in results:
        _print_api_table(results["api"])
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    print(f"\nwrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
