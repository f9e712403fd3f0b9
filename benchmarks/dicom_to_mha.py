"""DICOM series → compressed volume, side by side in one run.

Peers: Tessera's builder, panimg (in its own venv, var/bench-venv), SimpleITK's
ImageSeriesReader + WriteImage(useCompression=True), and dcm2niix (.nii.gz) as the
near-limit reference. Each runs in a fresh process on the same files (page cache warm
from one untimed read); the time covers the conversion only, not interpreter start-up.
Peak memory is the process' maximum RSS; "extra" is that minus the RSS just before the
conversion started, compared with the size of the volume.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from cases.synthetic import write_ct_series

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var" / "bench"
BENCH_VENV = ROOT / "var" / "bench-venv"
# 1000 slices took 6 of make bench's 15 minutes (dcm2niix alone 200 s): opt in with
# BENCH_DICOM_SIZES=300,1000.
SIZES = tuple(int(n) for n in os.environ.get("BENCH_DICOM_SIZES", "300").split(","))

_MEASURE = """
import json, resource, sys, time
def rss_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
{setup}
before = rss_kb()
start = time.perf_counter()
{work}
seconds = time.perf_counter() - start
print("RESULT " + json.dumps({{"seconds": seconds, "peak_kb":
    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "before_kb": before}}))
"""

TOOLS = {
    "tessera": (
        sys.executable,
        """
import os, django
from pathlib import Path
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")
django.setup()
from cases.builders import build_images
files = sorted(Path(sys.argv[1]).iterdir())
""",
        """
result = build_images(files=files, work_dir=Path(sys.argv[2]))
assert len(result.images) == 1 and not result.file_errors, result.file_errors
""",
    ),
    "simpleitk": (
        sys.executable,
        "import SimpleITK as sitk",
        """
reader = sitk.ImageSeriesReader()
reader.SetFileNames(reader.GetGDCMSeriesFileNames(sys.argv[1]))
sitk.WriteImage(reader.Execute(), sys.argv[2] + "/out.mha", useCompression=True)
""",
    ),
    "panimg": (
        # make bench installs panimg beside our lock (it adds packages, changes none);
        # a separate var/bench-venv is used instead when present
        str(BENCH_VENV / "bin" / "python")
        if (BENCH_VENV / "bin" / "python").exists()
        else sys.executable,
        """
from pathlib import Path
from panimg import convert
from panimg.image_builders.dicom import image_builder_dicom
""",
        """
result = convert(input_directory=Path(sys.argv[1]), output_directory=Path(sys.argv[2]),
                 builders=[image_builder_dicom])
assert len(result.new_images) == 1, result.file_errors
""",
    ),
}


def _series(n: int) -> Path:
    folder = VAR / f"ct{n}"
    if not folder.is_dir() or len(list(folder.iterdir())) != n:
        shutil.rmtree(folder, ignore_errors=True)
        print(f"generating a {n}-slice CT series ...", flush=True)
        write_ct_series(folder, slices=n)
    for f in folder.iterdir():  # warm the page cache for everyone alike
        f.read_bytes()
    return folder


def _python_tool(name: str, series: Path, out: Path) -> dict[str, float] | None:
    python, setup, work = TOOLS[name]
    if not Path(python).exists():
        return None
    script = _MEASURE.format(setup=setup, work=work)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [python, "-c", script, str(series), str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            data = json.loads(line[7:])
            return {
                "seconds": data["seconds"],
                "peak_mb": data["peak_kb"] / 1024,
                "extra_mb": (data["peak_kb"] - data["before_kb"]) / 1024,
            }
    print(f"{name} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
    return None


def _dcm2niix(series: Path, out: Path) -> dict[str, float] | None:
    binary = shutil.which("dcm2niix")
    if binary is None:
        return None
    start = time.perf_counter()
    proc = subprocess.Popen(
        [binary, "-z", "y", "-o", str(out), "-f", "vol", str(series)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        return None
    return {
        "seconds": seconds,
        "peak_mb": usage.ru_maxrss / 1024,
        "extra_mb": usage.ru_maxrss / 1024,
    }


def run() -> dict[str, object]:
    results: dict[str, object] = {}
    for n in SIZES:
        series = _series(n)
        volume_mb = 512 * 512 * n * 2 / 1024**2
        row: dict[str, object] = {"volume_mb": volume_mb}
        for name in ("tessera", "simpleitk", "panimg", "dcm2niix"):
            out = VAR / "out" / f"{name}-{n}"
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir(parents=True)
            print(f"{n} slices: {name} ...", flush=True)
            measured = (
                _dcm2niix(series, out) if name == "dcm2niix" else _python_tool(name, series, out)
            )
            if measured is not None:
                measured["output_mb"] = (
                    sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 1024**2
                )
            row[name] = measured
            shutil.rmtree(out, ignore_errors=True)
        results[str(n)] = row
    _print(results)
    return results


def _print(results: dict[str, object]) -> None:
    print()
    print(
        f"{'slices':>6} {'tool':<10} {'seconds':>8} {'ours is':>10} {'peak MB':>8} "
        f"{'extra MB':>9} {'out MB':>7}"
    )
    for n, row in results.items():
        assert isinstance(row, dict)
        ours = row.get("tessera")
        for name in ("tessera", "simpleitk", "panimg", "dcm2niix"):
            m = row.get(name)
            if not m:
                print(f"{n:>6} {name:<10} {'n/a':>8}")
                continue
            ratio = m["seconds"] / ours["seconds"] if ours else float("nan")
            print(
                f"{n:>6} {name:<10} {m['seconds']:8.2f} {ratio:9.2f}x {m['peak_mb']:8.0f} "
                f"{m['extra_mb']:9.0f} {m['output_mb']:7.1f}"
            )
        if ours:
            print(
                f"{'':>6} volume {row['volume_mb']:.0f} MB; our extra memory is "
                f"{ours['extra_mb'] / row['volume_mb']:.2f}x the volume"
            )
