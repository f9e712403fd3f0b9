"""Where builders write: one fresh folder per image under the caller's work directory.

Names are random, so no file name can carry anything from the input (de-identification).
"""

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def image_folder(work_dir: Path) -> Iterator[Path]:
    """A new folder for one image's files; removed again if the build of that image fails."""
    folder = work_dir / "images" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    try:
        yield folder
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
