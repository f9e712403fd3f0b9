"""Beyond GC: ground truth for drawn answers, uploaded per case through the API or taken
from an editor's answers, and scored geometrically (IoU, Dice from the stored masks,
distance tolerance from the question)."""

import tempfile
import uuid
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk

from app.storage import bucket_name, s3_client
from cases.models import Image, ImageFile, RawImageUploadSession
from reader_studies import ground_truth, services
from reader_studies.models import Answer
from tests.reader_studies.helpers import new_user, question_for, study_with_case

pytestmark = pytest.mark.django_db
API = "/api/v1/reader-studies/"
V = {"major": 1, "minor": 0}
SEGMENTS = [{"name": "lesion", "voxel_value": 1, "visible": True}]


def box(x0: float, y0: float, x1: float, y1: float) -> dict:
    corners = [[x0, y0, 0.5], [x1, y0, 0.5], [x1, y1, 0.5], [x0, y1, 0.5]]
    return {"type": "2D bounding box", "version": V, "corners": corners}


def point(x: float, y: float) -> dict:
    return {"type": "Point", "version": V, "point": [x, y, 0.5]}


def mask_answer(user, voxels: np.ndarray) -> dict:
    """An upload session of user's whose one built image is this label map, stored as a
    real .mha in the object store (so scoring reads it back with SimpleITK)."""
    session = RawImageUploadSession.objects.create(creator=user, status="Succeeded")
    height, width = voxels.shape
    image = Image.objects.create(
        name="mask", width=width, height=height, pixel_type="uint8", origin=session
    )
    image.segments = sorted(int(v) for v in np.unique(voxels))
    image.save()
    with tempfile.NamedTemporaryFile(suffix=".mha") as f:
        sitk.WriteImage(sitk.GetImageFromArray(voxels.astype(np.uint8)), f.name)
        body = Path(f.name).read_bytes()
    key = f"images/{image.pk}/{uuid.uuid4()}.mha"
    s3_client("protected").put_object(Bucket=bucket_name("protected"), Key=key, Body=body)
    ImageFile.objects.create(image=image, image_type="MHD", file=key, size=len(body))
    return {"upload_session_pk": str(session.pk)}


def test_drawn_answers_scored_against_ground_truth_posted_per_case(api_client):
    editor, reader = new_user(), new_user()
    study, case = study_with_case(editor)
    services.reader_study_member_add(reader_study=study, role="readers", user=reader, actor=editor)
    q_box = question_for(study, "2DBB", question_text="Nodule box")
    q_point = question_for(study, "POIN", question_text="Nodule centre", score_tolerance_mm=2)
    q_mask = question_for(study, "MASK", question_text="Nodule mask", overlay_segments=SEGMENTS)
    reader_mask = np.zeros((30, 40))
    reader_mask[0:2, 0:5] = 1  # 10 voxels
    truth_mask = np.zeros((30, 40))
    truth_mask[0:4, 0:5] = 1  # 20 voxels, 10 of them the reader's
    for question, value in (
        (q_box, box(0, 0, 10, 8)),
        (q_point, point(3, 4)),
        (q_mask, mask_answer(reader, reader_mask)),
    ):
        services.answer_create(creator=reader, question=question, display_set=case, answer=value)

    path = f"{API}{study.pk}/ground-truth/{case.pk}/"
    api_client.force_authenticate(reader)
    assert api_client.post(path, {}, format="json").status_code == 403
    api_client.force_authenticate(editor)
    truth = {
        str(q_box.pk): {"answer": box(5, 0, 15, 8), "explanation": "the solid part"},
        str(q_point.pk): {"answer": point(0, 0)},
        str(q_mask.pk): {"answer": mask_answer(editor, truth_mask)},
    }
    response = api_client.post(path, truth, format="json")
    assert response.status_code == 201, response.json()
    assert response.json() == {"answers": 3}
    scores = {a.question_id: a.score for a in Answer.objects.filter(is_ground_truth=False)}
    assert scores[q_box.pk] == pytest.approx(40 / 120)  # overlap 5x8, union 80+80-40
    assert scores[q_point.pk] == 0.0  # 5 mm off, tolerance 2 mm
    assert scores[q_mask.pk] == pytest.approx(2 * 10 / (10 + 20))  # Dice

    # a looser tolerance on the question rescores at once
    services.question_update(question=q_point, score_tolerance_mm=5)
    assert Answer.objects.get(question=q_point, is_ground_truth=False).score == 1.0

    # one bad drawing refuses the whole case, naming the question; nothing changes
    bad = {
        str(q_box.pk): {"answer": box(0, 0, 10, 8)},
        str(q_point.pk): {"answer": point(100, 4)},
    }
    response = api_client.post(path, bad, format="json")
    assert response.status_code == 400
    assert "Question 'Nodule centre'" in str(response.json())
    assert Answer.objects.get(question=q_box, is_ground_truth=True).answer == box(5, 0, 15, 8)
    assert Answer.objects.get(question=q_box, is_ground_truth=False).score == pytest.approx(1 / 3)


def test_multiple_boxes_and_ground_truth_from_an_editors_drawings():
    editor, reader = new_user(), new_user()
    study, case = study_with_case(editor)
    services.reader_study_member_add(reader_study=study, role="readers", user=reader, actor=editor)
    boxes = question_for(study, "M2DB", question_text="Nodules")

    def many(*items: dict) -> dict:
        return {
            "type": "Multiple 2D bounding boxes",
            "version": V,
            "boxes": [{"corners": b["corners"]} for b in items],
        }

    services.answer_create(
        creator=editor,
        question=boxes,
        display_set=case,
        answer=many(box(0, 0, 10, 10), box(20, 15, 29, 25)),
    )
    services.answer_create(
        creator=reader, question=boxes, display_set=case, answer=many(box(5, 0, 15, 10))
    )
    # GC's rule leaves drawings out; asked for, the editor's drawings become the truth
    assert ground_truth.ground_truth_from_answers(reader_study=study, user=editor) == 0
    assert (
        ground_truth.ground_truth_from_answers(
            reader_study=study, user=editor, with_annotations=True
        )
        == 1
    )
    # the one box overlaps the first truth by 50/150; the second truth is missed: (1/3)/2
    assert Answer.objects.get(creator=reader).score == pytest.approx(1 / 6)
