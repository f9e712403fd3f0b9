"""Image builders: local files in, `BuildResult` out (see `types.py`).

`build_images` is the one entry point the import task calls; `thumbnail` renders the
small PNG previews shown in lists. Builders never touch the database or object store.
"""

from cases.builders.build import build_images
from cases.builders.thumbnails import thumbnail
from cases.builders.types import BuildResult, BuiltFile, BuiltImage

__all__ = ["BuildResult", "BuiltFile", "BuiltImage", "build_images", "thumbnail"]
