"""Small PNG previews: the windowed middle slice of a volume, an overview of a slide."""

from pathlib import Path

import numpy as np
from PIL import Image as PILImage

MAX_SIZE = 256


def write_png(plane: np.ndarray, path: Path, *, window: tuple[float, float] | None = None) -> Path:
    """A 2D plane (rows, cols[, channels]) as an 8-bit PNG no larger than 256 px a side."""
    data = np.asarray(plane)
    if data.ndim == 3 and data.shape[-1] in (3, 4) and data.dtype == np.uint8:
        image = PILImage.fromarray(np.ascontiguousarray(data[..., :3]), "RGB")
    else:
        if data.ndim == 3:
            data = data[..., 0]
        values = data.astype(np.float32)
        if window is not None and window[1] > 0:
            lo, hi = window[0] - window[1] / 2, window[0] + window[1] / 2
        else:
            finite = values[np.isfinite(values)]
            lo, hi = (
                (float(np.percentile(finite, 0.5)), float(np.percentile(finite, 99.5)))
                if finite.size
                else (0.0, 1.0)
            )
        scaled = np.clip((values - lo) / max(hi - lo, 1e-6), 0, 1) * 255
        image = PILImage.fromarray(np.nan_to_num(scaled).astype(np.uint8), "L")
    image.thumbnail((MAX_SIZE, MAX_SIZE))
    image.save(path, format="PNG")
    return path


def thumbnail(
    image_path: Path, out_path: Path, *, window: tuple[float, float] | None = None
) -> Path | None:
    """A PNG preview of a built image file (.mha volume or .tif slide); None if unreadable."""
    image_path = Path(image_path)
    try:
        if image_path.suffix.lower() in (".tif", ".tiff"):
            import tifffile

            with tifffile.TiffFile(image_path) as tif:
                series = tif.series[0]
                level = series.levels[-1]
                return write_png(level.asarray(), out_path)
        import SimpleITK as sitk

        image = sitk.ReadImage(str(image_path))
        array = sitk.GetArrayViewFromImage(image)
        while array.ndim > (3 if image.GetNumberOfComponentsPerPixel() > 1 else 2):
            array = array[array.shape[0] // 2]
        return write_png(np.array(array), out_path, window=window)
    except (OSError, RuntimeError, ValueError):
        return None
