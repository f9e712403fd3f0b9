"""What the reading page needs to let a reader paint a mask answer: the question's
segments (one pen each), the exact geometry of the image it is painted on (the browser
writes the label map with it), the reader's saved mask to show again and, in educational
verification, the correct one. One query for the saved masks' files, and none when there
are none."""

from collections.abc import Sequence
from typing import Any

from cases.models import Image
from cases.viewing import viewable_file, viewer_config
from components.models import ComponentInterfaceValue
from reader_studies.models import Answer, AnswerType, ReaderStudy
from reader_studies.reading import QuestionState
from reader_studies.validation import viewport_name


def _image_for(
    state: QuestionState, study: ReaderStudy, values: Sequence[ComponentInterfaceValue]
) -> ComponentInterfaceValue | None:
    """The image the mask is painted on: the first viewable image of the viewport the
    question's image port shows (as `services._images_for` checks it), else of the case."""
    q = state.question
    slugs = None
    if q.image_port and study.view_content:
        slugs = study.view_content.get(viewport_name(q.image_port))
    for civ in values:
        image = civ.image if civ.image_id else None
        if image is None or (slugs and civ.interface.slug not in slugs):
            continue
        if image.timepoints is None and viewable_file(image) is not None:
            return civ
    return None


def geometry(image: Image) -> dict[str, list[Any]]:
    """Size, spacing, origin and row-major direction as the image's metadata holds them
    (2-D images stay 2-D: the mask's shape must equal the image's)."""
    n = 3 if image.depth is not None else 2
    size = [image.width, image.height, image.depth][:n]
    spacing = [image.voxel_width_mm, image.voxel_height_mm, image.voxel_depth_mm][:n]
    origin = list(image.origin_mm or [])
    direction = list(image.direction or [])
    return {
        "size": size,
        "spacing": [float(s) if s else 1.0 for s in spacing],
        "origin": [float(v) for v in origin] if len(origin) == n else [0.0] * n,
        "direction": [float(v) for v in direction] if len(direction) == n * n else [],
    }


def _file_of(saved: dict[Any, Image], answer: Answer | None) -> dict[str, Any] | None:
    """{url, name} of a mask answer's label map for the viewer, or None."""
    image = saved.get(answer.answer_image_id) if answer and answer.answer_image_id else None
    view = viewer_config(image=image) if image and viewable_file(image) else None
    return view["image"]["file"] if view else None


def mask_configs(
    *,
    study: ReaderStudy,
    states: Sequence[QuestionState],
    values: Sequence[ComponentInterfaceValue],
) -> dict[Any, dict[str, Any]]:
    """{question pk: the painting config} for the mask questions of the case."""
    masks = [s for s in states if s.question.answer_type == AnswerType.MASK]
    if not masks:
        return {}
    stored = [s.answer for s in masks] + [s.ground_truth for s in masks]
    saved_pks = [a.answer_image_id for a in stored if a and a.answer_image_id]
    saved = (
        {i.pk: i for i in Image.objects.filter(pk__in=saved_pks).prefetch_related("files")}
        if saved_pks
        else {}
    )
    configs = {}
    for state in masks:
        q = state.question
        civ = _image_for(state, study, values)
        mask_view = _file_of(saved, state.answer)
        truth_view = _file_of(saved, state.ground_truth)
        configs[q.pk] = {
            "id": str(q.pk),
            "label": q.question_text,
            "readOnly": state.read_only,
            "socket": civ.interface.slug if civ else None,
            "geometry": geometry(civ.image) if civ and civ.image else None,
            # Niivue draws 8-bit: one pen per segment whose value fits
            "segments": [
                {"name": s["name"], "voxel_value": int(s["voxel_value"])}
                for s in q.overlay_segments or []
                if 0 < int(s["voxel_value"]) < 256
            ],
            "saved": mask_view,  # {url, name}
            # educational studies, once answered: the correct mask over the image
            "truth": truth_view,
        }
    return configs
