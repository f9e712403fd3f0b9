from pathlib import Path

import pytest

from cases.builders import BuildResult, build_images
from cases.synthetic import IDENTIFYING as HEADER_VALUES
from cases.synthetic import write_ct_series

IDENTIFYING = ("Doe", *HEADER_VALUES.values())


@pytest.fixture(scope="session")
def ct_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic 12-slice CT series (shuffled random file names)."""
    out = tmp_path_factory.mktemp("ct")
    write_ct_series(out, slices=12)
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
