"""Slides become one tiled pyramidal TIFF each, with explicit pixel size (no DZI copy)."""

from pathlib import Path

import numpy as np
import openslide
import pytest
import tifffile

from tests.cases.builders.conftest import build

DATA = Path(__file__).resolve().parents[2] / "data" / "openslide"


def _levels(path: Path) -> list[tifffile.TiffPage]:
    with tifffile.TiffFile(path) as tif:
        return [level.keyframe for level in tif.series[0].levels]


def test_svs_keeps_colours_and_pixel_size(tmp_path: Path) -> None:
    result = build([DATA / "small.svs"], tmp_path)
    assert result.file_errors == {}
    [image] = result.images
    tif = next(f.path for f in image.files if f.image_type == "TIFF")
    [page] = _levels(tif)
    assert page.is_tiled
    assert image.voxel_width_mm == pytest.approx(0.499e-3)
    with openslide.OpenSlide(tif) as ours, openslide.OpenSlide(DATA / "small.svs") as ref:
        assert float(ours.properties["openslide.mpp-x"]) == pytest.approx(0.499)
        region = (0, 0), 0, ref.dimensions
        a = np.asarray(ours.read_region(*region)).astype(int)
        b = np.asarray(ref.read_region(*region)).astype(int)
        assert np.abs(a - b).mean() < 4  # re-encoded JPEG: same picture, same colours


def test_tiled_tiff_tiles_are_copied_without_reencoding(tmp_path: Path) -> None:
    [image] = build([DATA / "boxes.tiff"], tmp_path).images
    tif = next(f.path for f in image.files if f.image_type == "TIFF")
    with tifffile.TiffFile(DATA / "boxes.tiff") as source:
        originals = [level.keyframe.databytecounts for level in source.series[0].levels]
    assert [p.databytecounts for p in _levels(tif)] == originals
    with openslide.OpenSlide(tif) as ours, openslide.OpenSlide(DATA / "boxes.tiff") as ref:
        region = (0, 0), 0, ref.dimensions
        assert np.array_equal(
            np.asarray(ours.read_region(*region)), np.asarray(ref.read_region(*region))
        )
        assert ours.properties["openslide.mpp-x"] == ref.properties["openslide.mpp-x"]


def test_tiled_tiff_keeps_its_pyramid_and_is_the_only_file(tmp_path: Path) -> None:
    [image] = build([DATA / "boxes.tiff"], tmp_path).images
    assert (image.width, image.height, image.resolution_levels) == (300, 250, 4)
    # the viewer reads tiles from the TIFF itself: no Deep Zoom copy is built or stored
    [tif] = [f.path for f in image.files]
    assert tif.suffix == ".tif"
    assert [p.shape[:2] for p in _levels(tif)] == [(250, 300), (125, 150), (62, 75), (31, 37)]
    assert not list(tif.parent.glob("*.zip"))
    assert image.thumbnail_png is not None


def test_dicom_wsi_series_and_made_pyramid(tmp_path: Path) -> None:
    # a large plain RGB TIFF made with tifffile: rendered into a pyramid
    big = tmp_path / "made.tif"
    rng = np.random.default_rng(0)
    tifffile.imwrite(big, rng.integers(0, 255, (700, 900, 3), dtype=np.uint8), photometric="rgb")
    files = [DATA / "boxes_0.dcm", DATA / "boxes_1.dcm", big]
    result = build(files, tmp_path / "work")
    assert result.file_errors == {}
    by_source = {i.source_files[0]: i for i in result.images}
    wsi = by_source["boxes_0.dcm"]
    assert sorted(wsi.source_files) == ["boxes_0.dcm", "boxes_1.dcm"]
    assert wsi.voxel_width_mm == pytest.approx(0.499e-3)
    made = by_source["made.tif"]
    tif = next(f.path for f in made.files if f.image_type == "TIFF")
    shapes = [p.shape[:2] for p in _levels(tif)]
    assert shapes[0] == (700, 900) and len(shapes) == made.resolution_levels
    assert len(shapes) >= 3
    assert all(p.is_tiled for p in _levels(tif))
    assert made.voxel_width_mm is None  # no pixel size in the source: marked unknown


def test_unreadable_tiff_is_refused(tmp_path: Path) -> None:
    result = build([DATA / "unopenable.tiff"], tmp_path / "work")
    assert result.images == []
    assert "could not be read" in result.file_errors["unopenable.tiff"]
    assert not list((tmp_path / "work").rglob("*.tif"))
