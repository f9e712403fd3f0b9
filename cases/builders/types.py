"""What the image builders hand back. Builders are pure: files in, these out.

They touch neither the database nor the object store; `cases.services` stores the
results. Every path lies inside the work directory the caller gave.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal


@dataclass
class BuiltFile:
    path: Path
    # MHD means MetaImage (.mha), as gcapi names it; builders no longer make DZI files
    image_type: Literal["MHD", "TIFF"]


@dataclass
class BuiltImage:
    name: str  # never a patient-identifying value
    width: int
    height: int
    depth: int | None = None
    timepoints: int | None = None
    voxel_width_mm: float | None = None
    voxel_height_mm: float | None = None
    voxel_depth_mm: float | None = None
    origin_mm: list[float] = field(default_factory=list)
    direction: list[float] = field(default_factory=list)
    pixel_type: str = ""
    modality: str = ""
    window_center: float | None = None
    window_width: float | None = None
    color_space: Literal["GRAY", "RGB", "RGBA", "YCBCR"] = "GRAY"
    resolution_levels: int | None = None
    segments: list[int] | None = None
    series_key: str = ""
    files: list[BuiltFile] = field(default_factory=list)
    thumbnail_png: Path | None = None
    source_files: list[str] = field(default_factory=list)  # upload names consumed


@dataclass
class BuildResult:
    images: list[BuiltImage] = field(default_factory=list)
    # upload file name -> the reason it gave no image, in words a user understands
    file_errors: dict[str, str] = field(default_factory=dict)
    # what de-identification removed: attribute keyword -> count of files; never values
    deidentification: dict[str, int] = field(default_factory=dict)
