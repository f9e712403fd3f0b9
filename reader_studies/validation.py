"""The rules a question and an answer must meet (GC's `Question.clean`, `Answer.validate`),
each refusal naming the question and what is wrong. Pure checks: nothing is written."""

import math
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from cases.models import Image
from components.models import overlay_segments_problem
from reader_studies.models import (
    ANNOTATION_TYPES,
    INTERFACE_KINDS,
    WIDGET_REQUIRED,
    WIDGETS,
    AnswerType,
    Question,
    Widget,
)
from reader_studies.schemas import schema_problem
from reader_studies.viewports import image_port_problem
from reader_studies.viewports import viewport_name as viewport_name  # callers import it here

TOLERANCE_MM = 1e-6


def question_problems(question: Question, *, option_count: int | None = None) -> dict[str, str]:
    """GC's Question rules; `option_count` is the number of options it will have."""
    q = question
    errors: dict[str, str] = {}
    annotation = q.answer_type in ANNOTATION_TYPES
    if annotation and not q.image_port:
        errors["image_port"] = "An annotation question needs an image port."
    if not annotation and q.image_port:
        errors["image_port"] = "Only annotation questions have an image port."
    view_content = q.reader_study.view_content
    if (
        q.image_port
        and view_content
        and (problem := image_port_problem(q.image_port, view_content=view_content))
    ):
        errors["image_port"] = problem
    if q.answer_type in (AnswerType.BOOL, AnswerType.HEADING) and q.required:
        errors["required"] = f"{AnswerType(q.answer_type).label} questions cannot be required."
    if q.default_annotation_color and not annotation:
        errors["default_annotation_color"] = "Only annotation questions have an annotation colour."
    if q.empty_answer_confirmation:
        if q.required:
            errors["empty_answer_confirmation"] = (
                "Confirming an empty answer makes no sense for a required question."
            )
        elif not (annotation or q.answer_type in (AnswerType.NUMBER, AnswerType.TEXT)):
            errors["empty_answer_confirmation"] = (
                "Empty-answer confirmation is only for annotation, number and text questions."
            )
    if q.interface is not None:
        allowed = INTERFACE_KINDS.get(q.answer_type, ())
        if q.interface.kind not in allowed:
            errors["interface"] = (
                f"A {AnswerType(q.answer_type).label} question cannot take its default answer "
                f"from socket '{q.interface.slug}' ({q.interface.kind})."
            )
    widgets = WIDGETS.get(q.answer_type, ())
    if q.widget and q.widget not in widgets:
        errors["widget"] = (
            f"Widget '{Widget(q.widget).label}' does not go with "
            f"{AnswerType(q.answer_type).label} questions."
        )
    elif not q.widget and q.answer_type in WIDGET_REQUIRED:
        errors["widget"] = f"{AnswerType(q.answer_type).label} questions need a widget."
    if q.widget == Widget.ACCEPT_REJECT and q.interface_id is None:
        errors["widget"] = "Accept/Reject Findings needs a socket with the findings (interface)."
    number_fields = (q.answer_min_value, q.answer_max_value, q.answer_step_size)
    number_widget = q.answer_type == AnswerType.NUMBER and q.widget in (
        Widget.NUMBER_INPUT,
        Widget.NUMBER_RANGE,
    )
    if any(v is not None for v in number_fields) and not number_widget:
        errors["answer_min_value"] = (
            "Minimum, maximum and step are only for number questions with a number widget."
        )
    if q.widget == Widget.NUMBER_RANGE and any(v is None for v in number_fields):
        errors["answer_step_size"] = "A number range needs a minimum, a maximum and a step."
    if (
        q.answer_min_value is not None
        and q.answer_max_value is not None
        and q.answer_max_value <= q.answer_min_value
    ):
        errors["answer_max_value"] = "The maximum must be greater than the minimum."
    text_fields = (q.answer_min_length, q.answer_max_length)
    if (any(v is not None for v in text_fields) or q.answer_match_pattern) and (
        q.answer_type != AnswerType.TEXT
    ):
        errors["answer_min_length"] = "Length and pattern are only for text questions."
    if (
        q.answer_min_length is not None
        and q.answer_max_length is not None
        and q.answer_max_length < q.answer_min_length
    ):
        errors["answer_max_length"] = "The maximum length must be at least the minimum length."
    if q.answer_match_pattern:
        try:
            re.compile(q.answer_match_pattern)
        except re.error as e:
            errors["answer_match_pattern"] = f"Not a regular expression: {e}."
    if q.overlay_segments and q.answer_type != AnswerType.MASK:
        errors["overlay_segments"] = "Only mask questions have overlay segments."
    elif q.overlay_segments and (problem := overlay_segments_problem(q.overlay_segments)):
        errors["overlay_segments"] = problem
    elif (
        q.overlay_segments
        and q.interface is not None
        and q.interface.overlay_segments
        and q.overlay_segments != q.interface.overlay_segments
    ):
        errors["overlay_segments"] = "The overlay segments must equal those of the socket."
    if option_count is not None:
        if q.answer_type in (AnswerType.CHOICE, AnswerType.MULTIPLE_CHOICE):
            if option_count < 1:
                errors["options"] = "A choice question needs at least one option."
        elif option_count:
            errors["options"] = "Only choice questions have options."
    return errors


def is_empty(question: Question, value: Any) -> bool:
    """GC: an answer equal to the type's empty value (MASK is never empty)."""
    if question.answer_type == AnswerType.MASK:
        return False
    return value is None or value == question.empty_answer


def answer_problem(
    question: Question, value: Any, *, option_ids: Iterable[int], images: Iterable[Image] = ()
) -> str | None:
    """Why value is no valid answer to question (GC's `Answer.validate` and the question's
    validators, plus: annotation points inside the case's image), or None."""
    if question.answer_type == AnswerType.HEADING:
        return "Headings are not answerable."
    if value is None and question.empty_answer is None:
        if question.required and question.answer_type != AnswerType.MASK:
            return "An answer is required."
        return None
    problem = schema_problem(question.answer_type, value)
    if problem:
        return f"Not a valid {AnswerType(question.answer_type).label} answer: {problem}"
    if is_empty(question, value):
        return "An answer is required." if question.required else None
    options = set(option_ids)
    if question.answer_type == AnswerType.CHOICE and value not in options:
        return f"{value!r} is not one of the options ({', '.join(map(str, sorted(options)))})."
    if question.answer_type == AnswerType.MULTIPLE_CHOICE:
        unknown = [v for v in value if v not in options]
        if unknown:
            return f"{unknown!r} are not options ({', '.join(map(str, sorted(options)))})."
    if question.answer_type == AnswerType.NUMBER:
        return _number_problem(question, value)
    if question.answer_type == AnswerType.TEXT:
        return _text_problem(question, value)
    if question.answer_type in ANNOTATION_TYPES and question.answer_type != AnswerType.MASK:
        return _bounds_problem(value, list(images))
    return None


def _number_problem(q: Question, value: float) -> str | None:
    if q.answer_min_value is not None and value < q.answer_min_value:
        return f"{value} is below the minimum {q.answer_min_value}."
    if q.answer_max_value is not None and value > q.answer_max_value:
        return f"{value} is above the maximum {q.answer_max_value}."
    if q.answer_step_size is not None:
        offset = Decimal(q.answer_min_value or 0)
        step = Decimal(str(q.answer_step_size))
        steps = (Decimal(str(value)) - offset) / step
        if steps != steps.to_integral_value():
            return (
                f"{value} is not a multiple of the step {q.answer_step_size} counted from {offset}."
            )
    return None


def _text_problem(q: Question, value: str) -> str | None:
    if q.answer_min_length is not None and len(value) < q.answer_min_length:
        return f"The answer must be at least {q.answer_min_length} characters long."
    if q.answer_max_length is not None and len(value) > q.answer_max_length:
        return f"The answer must be at most {q.answer_max_length} characters long."
    if q.answer_match_pattern and not re.fullmatch(q.answer_match_pattern, value):
        return (
            "Enter a valid answer that matches with the requested format "
            f"({q.answer_match_pattern})."
        )
    return None


def points_of(value: Any) -> Iterator[list[float]]:
    """Every `[x, y, z]` in an annotation answer."""
    if isinstance(value, list):
        if len(value) == 3 and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in value
        ):
            yield value
        else:
            for item in value:
                yield from points_of(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from points_of(item)


def _continuous_index(image: Image, point: list[float]) -> list[float] | None:
    """point (mm) in image's voxel index space, or None when the geometry is unknown."""
    size = [image.width, image.height] + ([image.depth] if image.depth else [])
    dims = len(size)
    spacing = [image.voxel_width_mm, image.voxel_height_mm, image.voxel_depth_mm][:dims]
    origin = list(image.origin_mm or [])[:dims]
    if any(s is None or s <= 0 for s in spacing) or len(origin) != dims:
        return None
    direction = list(image.direction or [])
    if len(direction) != dims * dims:
        direction = [1.0 if i % (dims + 1) == 0 else 0.0 for i in range(dims * dims)]
    # direction is orthonormal: its inverse is its transpose
    diff = [point[i] - origin[i] for i in range(dims)]
    return [
        sum(direction[r * dims + c] * diff[r] for r in range(dims)) / spacing[c]  # type: ignore[operator]
        for c in range(dims)
    ]


def inside(image: Image, point: list[float]) -> bool | None:
    """Whether point lies within image's voxels (±half a voxel), None if unknowable."""
    index = _continuous_index(image, point)
    if index is None:
        return None
    size = [image.width, image.height] + ([image.depth] if image.depth else [])
    return all(
        -0.5 - TOLERANCE_MM <= i <= n - 0.5 + TOLERANCE_MM and math.isfinite(i)
        for i, n in zip(index, size, strict=True)
    )


def world_bounds(image: Image) -> str:
    corners = []
    size = [image.width, image.height] + ([image.depth] if image.depth else [])
    spacing = [image.voxel_width_mm, image.voxel_height_mm, image.voxel_depth_mm]
    for n, s, o in zip(size, spacing, image.origin_mm or [], strict=False):
        lo, hi = o - 0.5 * (s or 0), o + (n - 0.5) * (s or 0)
        corners.append(f"{lo:g}..{hi:g}")
    return " x ".join(corners) + " mm"


def _bounds_problem(value: Any, images: list[Image]) -> str | None:
    known = [img for img in images if inside(img, [0.0, 0.0, 0.0]) is not None]
    if not known:
        return None
    for point in points_of(value):
        if not any(inside(img, point) for img in known):
            return (
                f"The point {point} lies outside the image '{known[0].name}' "
                f"({world_bounds(known[0])})."
            )
    return None
