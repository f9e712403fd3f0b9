import subprocess
import sys
from pathlib import Path

import pytest

from cases.builders import BuildResult, build_images

GEN_CT = Path(__file__).resolve().parents[3] / ".." / "shared" / "data-tools" / "gen_ct.py"
IDENTIFYING = ("Doe^Jane", "Doe", "PID12345", "ACC1", "19700101", "20240101")


@pytest.fixture(scope="session")
def ct_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic 12-slice CT series (shuffled random file names) from the shared tool."""
    out = tmp_path_factory.mktemp("ct")
    subprocess.run([sys.executable, str(GEN_CT), str(out), "12"], check=True, capture_output=True)
    return out


@pytest.fixture
def ct_copy(ct_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the series that a test may damage."""
    out = tmp_path / "series"
    out.mkdir()
    for f in ct_dir.iterdir():
        (out / f.name).write_bytes(f.read_bytes())
    return out


def build(files: list[Path], work_dir: Path, names: dict[Path, str] | None = None) -> BuildResult:
    return build_images(files=sorted(files), work_dir=work_dir, names=names)
