"""An oblique CT series keeps its tilted geometry, exactly as SimpleITK reads it."""

import math
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk

from cases.synthetic import OBLIQUE_DEGREES, ORIGIN_MM, SLICE_SPACING_MM, write_ct_series
from tests.cases.builders.conftest import build


def test_oblique_series_keeps_direction_origin_and_spacing(tmp_path: Path) -> None:
    files = write_ct_series(tmp_path / "ct", slices=5, oblique=True)
    result = build(files, tmp_path / "work")
    assert result.file_errors == {}
    [image] = result.images
    ours = sitk.ReadImage(str(image.files[0].path))
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(tmp_path / "ct")))
    ref = reader.Execute()

    c, s = math.cos(math.radians(OBLIQUE_DEGREES)), math.sin(math.radians(OBLIQUE_DEGREES))
    # columns of the direction matrix: row, column and slice-normal directions
    assert ours.GetDirection() == pytest.approx((1, 0, 0, 0, c, -s, 0, s, c), abs=1e-6)
    assert ours.GetOrigin() == pytest.approx(ORIGIN_MM, abs=1e-4)
    assert ours.GetSpacing()[2] == pytest.approx(SLICE_SPACING_MM, abs=1e-5)
    assert ours.GetDirection() == pytest.approx(ref.GetDirection(), abs=1e-6)
    assert np.array_equal(sitk.GetArrayViewFromImage(ours), sitk.GetArrayViewFromImage(ref))
