"""The entry point: sort the uploads by format and hand each group to its builder.

Never raises for bad input: every file either ends up in an image (`source_files`) or
gets a message in `file_errors` saying why not.
"""

import logging
from collections.abc import Callable
from pathlib import Path

from cases.builders import archives, dicom, slides, volumes
from cases.builders.sources import Source, read_head
from cases.builders.types import BuildResult

logger = logging.getLogger(__name__)

_VOLUME_SUFFIXES = (".mha", ".mhd", ".nii", ".nii.gz", ".nrrd", ".nhdr", ".png", ".jpg", ".jpeg")
# data files that only make sense next to a header in the same upload
_COMPANION_SUFFIXES = (".raw", ".zraw", ".img", ".dat", ".ini")
_SLIDE_SUFFIXES = (".tif", ".tiff", ".svs", ".ndpi", ".scn", ".bif", ".mrxs", ".vms", ".vmu")

Builder = Callable[[list[Source], Path, BuildResult], None]


def build_images(
    *, files: list[Path], work_dir: Path, names: dict[Path, str] | None = None
) -> BuildResult:
    """Convert `files` into images written under `work_dir`.

    `names` maps each path to the name the user uploaded it as (defaults to the path's
    own name); messages in `file_errors` are keyed by that name.
    """
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    names = names or {}
    result = BuildResult()
    sources = [Source(path=Path(f), name=names.get(Path(f)) or Path(f).name) for f in files]
    sources = archives.unpack_all(sources, work_dir=work_dir / "unpacked", result=result)

    groups: dict[str, list[Source]] = {"dicom": [], "volume": [], "slide": [], "companion": []}
    for source in sources:
        kind = _classify(source, result)
        if kind:
            groups[kind].append(source)

    steps: list[tuple[str, Builder, list[Source]]] = [
        ("dicom", dicom.build, groups["dicom"]),
        ("volume", volumes.build, groups["volume"] + groups["companion"]),
        ("slide", slides.build, groups["slide"]),
    ]
    for kind, builder, group in steps:
        if not group:
            continue
        try:
            builder(group, work_dir, result)
        except Exception:  # a builder bug must not lose the other files' images
            logger.exception("The %s builder failed", kind)
            done = {n for image in result.images for n in image.source_files}
            for source in group:
                if source.name not in done:
                    result.file_errors.setdefault(
                        source.name, f"{source.name}: could not be converted (internal error)."
                    )
    # companion files that no header claimed
    used = {n for image in result.images for n in image.source_files}
    for source in groups["companion"]:
        if source.name not in used and source.name not in result.file_errors:
            result.file_errors[source.name] = (
                f"{source.name}: a data file that no .mhd/.nhdr header in this upload refers to."
            )
    return result


def _classify(source: Source, result: BuildResult) -> str | None:
    try:
        size = source.path.stat().st_size
        head = read_head(source.path, 132) if size else b""
    except OSError:
        result.file_errors[source.name] = f"{source.name}: the file could not be read."
        return None
    if size == 0:
        result.file_errors[source.name] = f"{source.name}: the file is empty."
        return None
    name = source.lower
    if head[128:132] == b"DICM" or name.endswith((".dcm", ".dicom")):
        return "dicom"
    if name.endswith(_VOLUME_SUFFIXES):
        return "volume"
    if name.endswith(_COMPANION_SUFFIXES):
        return "companion"
    if name.endswith(_SLIDE_SUFFIXES) or head[:4] in (b"II*\0", b"MM\0*", b"II+\0", b"MM\0+"):
        return "slide"
    if head[:8] == b"\x89PNG\r\n\x1a\n" or head[:3] == b"\xff\xd8\xff":
        return "volume"
    result.file_errors[source.name] = (
        f"{source.name}: not a supported image format (expected DICOM, MHA/MHD, NIfTI, "
        "NRRD, PNG, JPEG, TIFF or a whole-slide image)."
    )
    return None
