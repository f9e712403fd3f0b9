"""Turn what a container wrote under /output into socket values.

Images must convert (the `cases` builders, so an output image is stored like an
uploaded one), JSON must match the socket's schema, files must be of their kind
(`components.services.socket_value_create` checks both).

Call `parse_outputs` outside any transaction: converting and uploading take seconds to
minutes, and no lock (on SQLite, the whole database's write lock) may be held meanwhile.
Its rows are written in short transactions of their own and attached to the job by the
caller's short settling transaction; `ParsedOutputs.discard` removes the rows and the
stored objects when the job is not settled with them (or on any problem, here).
"""

import json
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from algorithms.jobs.sockets import super_kind
from cases.builders import build_images
from cases.builders.segments import label_values
from cases.builders.types import BuiltFile, BuiltImage
from cases.models import Image, ImageFile
from cases.storing import delete_stored_objects, store_built_image
from components.models import ComponentInterface, ComponentInterfaceValue
from components.services import image_segments_problem, socket_value_create
from workers.io import CollectedOutput, OutputError, OutputSpec, collect_outputs

logger = logging.getLogger(__name__)


class OutputsInvalid(Exception):
    """One or more outputs are missing or invalid; the message names each socket."""


@dataclass
class ParsedOutputs:
    """The outputs' socket values (saved), the images saved for them and the object keys
    stored for both."""

    values: list[ComponentInterfaceValue] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    stored_keys: list[str] = field(default_factory=list)

    def discard(self) -> None:
        """Delete the rows and then the objects; never raises (called on failures)."""
        try:
            ComponentInterfaceValue.objects.filter(pk__in=[v.pk for v in self.values]).delete()
            Image.objects.filter(pk__in=[i.pk for i in self.images]).delete()
        except Exception:
            logger.exception("Could not delete the rows of discarded outputs")
        delete_stored_objects(self.stored_keys)


def output_specs(sockets: list[ComponentInterface]) -> list[OutputSpec]:
    return [
        OutputSpec(
            slug=s.slug,
            kind=s.kind,
            super_kind=super_kind(s),  # type: ignore[arg-type]
            relative_path=s.relative_path,
        )
        for s in sockets
    ]


def parse_outputs(*, sockets: list[ComponentInterface], output_dir: Path) -> ParsedOutputs:
    """Check and store every output socket's value; raise OutputsInvalid naming each
    socket that is missing or invalid. Call outside a transaction; `discard` the result
    when it is not kept."""
    by_slug = {s.slug: s for s in sockets}
    collected = collect_outputs(directory=output_dir, outputs=output_specs(sockets))
    errors = [c.message for c in collected if isinstance(c, OutputError)]
    if errors:
        raise OutputsInvalid("; ".join(errors))
    parsed = ParsedOutputs()
    try:
        with tempfile.TemporaryDirectory(prefix="job-outputs-") as work:
            for item in collected:
                assert isinstance(item, CollectedOutput)
                problem = _parse_one(
                    socket=by_slug[item.slug], item=item, parsed=parsed, work_dir=Path(work)
                )
                if problem:
                    errors.append(f"Output {item.slug!r}: {problem}")
        if errors:
            raise OutputsInvalid("; ".join(errors))
    except BaseException:
        parsed.discard()
        raise
    return parsed


def _parse_one(
    *, socket: ComponentInterface, item: CollectedOutput, parsed: ParsedOutputs, work_dir: Path
) -> str | None:
    kind = super_kind(socket)
    if kind == "Image":
        return _parse_image(socket=socket, item=item, parsed=parsed, work_dir=work_dir)
    try:
        if kind == "Value":
            civ = socket_value_create(socket=socket, value=item.value)
        else:
            with open(item.path, "rb") as f:
                civ = socket_value_create(socket=socket, file=f, filename=item.path.name)
    except ValidationError as e:
        return " ".join(e.messages)
    if civ.file:
        parsed.stored_keys.append(civ.file.name)
    parsed.values.append(civ)
    return None


def _parse_image(  # type: ignore[no-untyped-def]
    *, socket: ComponentInterface, item: CollectedOutput, parsed: ParsedOutputs, work_dir: Path
):
    out = work_dir / socket.slug
    result = build_images(files=[item.path], work_dir=out, names={item.path: item.path.name})
    built = result.images[0] if len(result.images) == 1 else None
    if built is None and item.path.suffix.lower() == ".mha":
        built = _read_mha(item.path)
    if built is None:
        reasons = "; ".join(result.file_errors.values()) or "no image could be read"
        return f"{item.path.name} is not a readable image: {reasons}"
    # checked before storing, so a refused image leaves no object behind
    problem = image_segments_problem(socket=socket, segments=built.segments)
    if problem:
        return f"{item.path.name} {problem}"
    stored = store_built_image(built=built, stored_keys=parsed.stored_keys)
    with transaction.atomic():
        stored.image.save(force_insert=True)
        ImageFile.objects.bulk_create(stored.files)
    parsed.images.append(stored.image)
    parsed.values.append(socket_value_create(socket=socket, image=stored.image))
    return None


def _read_mha(path: Path) -> BuiltImage | None:
    """A MetaImage kept as it is, when the builders cannot take it: header checked with
    SimpleITK, pixels read once to prove the file is whole."""
    import SimpleITK as sitk

    try:
        image = sitk.ReadImage(str(path))
    except RuntimeError:
        return None
    size = list(image.GetSize())
    spacing = list(image.GetSpacing())
    channels = image.GetNumberOfComponentsPerPixel()
    return BuiltImage(
        name=path.name,
        width=size[0],
        height=size[1] if len(size) > 1 else 1,
        depth=size[2] if len(size) > 2 else None,
        timepoints=size[3] if len(size) > 3 else None,
        voxel_width_mm=spacing[0],
        voxel_height_mm=spacing[1] if len(spacing) > 1 else None,
        voxel_depth_mm=spacing[2] if len(spacing) > 2 else None,
        origin_mm=list(image.GetOrigin()),
        direction=list(image.GetDirection()),
        pixel_type=image.GetPixelIDTypeAsString(),
        color_space="RGB" if channels == 3 else "GRAY",
        segments=label_values(sitk.GetArrayViewFromImage(image)) if channels == 1 else None,
        files=[BuiltFile(path=path, image_type="MHD")],
    )


def json_preview(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True)[:100_000]
