"""Scores of answers against the ground truth: GC's accuracy for the non-drawn types,
and beyond GC geometric scores for drawings (`reader_studies.geometry`), with masks read
from the object store."""

import tempfile
from typing import Any

import numpy as np
import SimpleITK as sitk

from app.storage import bucket_name, s3_client
from cases.models import Image, ImageFile
from reader_studies import geometry
from reader_studies.models import AnswerType, Question


def accuracy(question: Question, answer: Any, ground_truth: Any) -> float:
    """GC's accuracy: multiple choice by position (padded with 0), else equality."""
    if question.answer_type == AnswerType.MULTIPLE_CHOICE:
        answer, ground_truth = list(answer or []), list(ground_truth or [])
        if not answer and not ground_truth:
            return 1.0
        n = max(len(answer), len(ground_truth))
        answer += [0] * (n - len(answer))
        ground_truth += [0] * (n - len(ground_truth))
        return sum(a == g for a, g in zip(answer, ground_truth, strict=True)) / n
    return 1.0 if answer == ground_truth else 0.0


def mask_array(image: Image) -> np.ndarray:
    """The voxels of a mask image, read with SimpleITK from its .mha in the object store."""
    stored = ImageFile.objects.filter(image=image, image_type=ImageFile.ImageType.MHD).first()
    if stored is None:
        raise ValueError(f"The mask '{image.name}' has no .mha file.")
    body = s3_client("protected").get_object(Bucket=bucket_name("protected"), Key=stored.file.name)
    with tempfile.NamedTemporaryFile(suffix=".mha") as f:
        f.write(body["Body"].read())
        f.flush()
        return sitk.GetArrayFromImage(sitk.ReadImage(f.name))


def score(
    question: Question,
    answer: Any,
    ground_truth: Any,
    *,
    answer_image: Image | None = None,
    ground_truth_image: Image | None = None,
    masks: dict[Any, np.ndarray] | None = None,
) -> float | None:
    """The score of an answer (and its mask image) against the ground truth's: Dice for
    masks, IoU or tolerance for drawings, GC's accuracy for the rest. `masks` caches the
    voxels of mask images by pk across many scores (a rescoring)."""
    if question.answer_type == AnswerType.MASK:
        if answer_image is None or ground_truth_image is None:
            return None
        cache = {} if masks is None else masks
        arrays = []
        for image in (answer_image, ground_truth_image):
            if image.pk not in cache:
                cache[image.pk] = mask_array(image)
            arrays.append(cache[image.pk])
        try:
            return geometry.dice(arrays[0], arrays[1])
        except ValueError:
            return 0.0  # masks on different grids share no voxel
    drawn = geometry.annotation_score(
        question.answer_type, answer, ground_truth, tolerance_mm=question.score_tolerance_mm
    )
    return drawn if drawn is not None else accuracy(question, answer, ground_truth)
