"""The demo body-mask algorithm: its MHA reader/writer and its result, on the host
(numpy only) and in its real container image."""

import json

import numpy as np
import pytest

from workers.demo_algorithm.main import run
from workers.demo_algorithm.mha import Volume, read_mha, write_mha
from workers.executors.base import ContainerLimits

from .phantom import SPACING, ct_phantom


def test_mha_round_trip_keeps_voxels_and_geometry(tmp_path):  # type: ignore[no-untyped-def]
    ct, _ = ct_phantom()
    header = {"Offset": "-10 20.5 3", "TransformMatrix": "1 0 0 0 1 0 0 0 1"}
    write_mha(tmp_path / "ct.mha", Volume(array=ct, spacing=SPACING, header=header))

    volume = read_mha(tmp_path / "ct.mha")

    assert np.array_equal(volume.array, ct)
    assert volume.spacing == SPACING
    assert volume.header["Offset"] == "-10 20.5 3"


def test_reads_uncompressed_big_endian_mha(tmp_path):  # type: ignore[no-untyped-def]
    data = np.arange(24, dtype=">i2").reshape(2, 3, 4)
    header = (
        "ObjectType = Image\nNDims = 3\nDimSize = 4 3 2\nElementType = MET_SHORT\n"
        "BinaryDataByteOrderMSB = True\nElementSpacing = 1 1 2\nElementDataFile = LOCAL\n"
    )
    (tmp_path / "x.mha").write_bytes(header.encode() + data.tobytes())

    volume = read_mha(tmp_path / "x.mha")

    assert volume.array.tolist() == data.astype(np.int16).tolist()
    assert volume.spacing == (1.0, 1.0, 2.0)


def write_phantom(folder) -> int:  # type: ignore[no-untyped-def]
    ct, body_voxels = ct_phantom()
    (folder / "images" / "ct").mkdir(parents=True)
    write_mha(folder / "images" / "ct" / "scan.mha", Volume(array=ct, spacing=SPACING))
    return body_voxels


def check_outputs(output_dir, body_voxels: int) -> None:  # type: ignore[no-untyped-def]
    results = json.loads((output_dir / "results.json").read_text())
    voxel_ml = SPACING[0] * SPACING[1] * SPACING[2] / 1000
    assert results["voxel_count"] == body_voxels  # lung filled, table left out
    assert results["body_volume_ml"] == pytest.approx(body_voxels * voxel_ml)
    mask = read_mha(output_dir / "images" / "segmentation" / "mask.mha")
    assert mask.array.dtype == np.uint8
    assert int(mask.array.sum()) == body_voxels
    assert mask.spacing == SPACING


def test_body_mask_without_scipy_on_the_host(tmp_path):  # type: ignore[no-untyped-def]
    body_voxels = write_phantom(tmp_path / "in")
    run(input_dir=tmp_path / "in", output_dir=tmp_path / "out")
    check_outputs(tmp_path / "out", body_voxels)


@pytest.mark.slow
def test_demo_image_runs_under_the_sandbox(tmp_path, run_job_image):  # type: ignore[no-untyped-def]
    """Builds the debootstrapped Python base once per machine (about a minute, then cached)."""
    from workers.executors.base import ImageRef
    from workers.images.python_base import build_demo_algorithm

    # Already in the engine, so never fetched: loading from the store is tested with
    # busybox images (saving this one would cost seconds for nothing).
    image = ImageRef(sha256=build_demo_algorithm(log=lambda message: None), storage_key="unused")
    body_voxels = write_phantom(tmp_path / "in")
    limits = ContainerLimits(memory_limit_gb=1, time_limit_s=120)

    result, output_dir = run_job_image(image, limits=limits, input_dir=tmp_path / "in")

    assert result.exit_code == 0, result.stderr
    assert "body volume" in result.stdout
    check_outputs(output_dir, body_voxels)
