"""gcapi 0.16.1, unchanged, against reader studies: cases by `add_case_to_reader_study`
and `update_display_set`, questions, display sets and answers of every type."""

import numpy as np
import pytest
import SimpleITK as sitk
from gcapi import SocketValueSpec

from cases.models import RawImageUploadSession
from reader_studies.models import Answer, AnswerType, DisplaySet
from tests.cases.helpers import wait_for_sessions
from tests.reader_studies.helpers import ANSWERS, mask_session, question_for, study_with_case


@pytest.fixture
def mha_file(tmp_path):
    array = np.arange(4 * 5 * 6, dtype=np.int16).reshape(4, 5, 6)
    image = sitk.GetImageFromArray(array)
    image.SetSpacing((0.5, 0.7, 2.0))
    image.SetOrigin((-3.0, 4.0, 10.0))
    path = tmp_path / "chest.mha"
    sitk.WriteImage(image, str(path), useCompression=True)
    return path


def test_add_case_and_update_display_set(gcapi_client, user, celery_worker, mha_file):
    study, first = study_with_case(user, title="Lungs")
    existing = first.values.get().image
    assert existing is not None
    existing_url = f"{gcapi_client.base_url}cases/images/{existing.pk}/"

    created = gcapi_client.add_case_to_reader_study(
        reader_study_slug="lungs",
        values=[
            SocketValueSpec(socket_slug="generic-medical-image", files=[mha_file]),
            SocketValueSpec(socket_slug="probability", value=0.25),
            SocketValueSpec(socket_slug="ct-image", existing_image_api_url=existing_url),
        ],
        title="case 2",
    )
    assert (created.reader_study, created.title, created.order) == ("lungs", "case 2", 20)
    wait_for_sessions(*RawImageUploadSession.objects.values_list("pk", flat=True))
    session = RawImageUploadSession.objects.get()
    assert session.status == "Succeeded", (session.error_message, session.file_errors)

    ds = gcapi_client.reader_studies.display_sets.detail(pk=created.pk)
    values = {v.socket.slug: v for v in ds.values}
    assert set(values) == {"generic-medical-image", "probability", "ct-image"}
    assert values["probability"].value == 0.25
    assert values["ct-image"].image == existing_url
    image = gcapi_client.images.detail(api_url=values["generic-medical-image"].image)
    assert (image.name, image.shape) == ("chest", [4, 5, 6])
    assert ds.descriptions_map_safe == {}
    assert ds.index == 1

    updated = gcapi_client.update_display_set(
        display_set_pk=created.pk,
        values=[SocketValueSpec(socket_slug="probability", value=0.75)],
        title="case two",
    )
    assert updated.title == "case two"
    ds = gcapi_client.reader_studies.display_sets.detail(pk=created.pk)
    got = {v.socket.slug: v.value for v in ds.values if v.value is not None}
    assert got == {"probability": 0.75}
    assert len(ds.values) == 3  # PATCH leaves the other sockets

    listed = list(
        gcapi_client.reader_studies.display_sets.iterate_all(params={"reader_study": study.pk})
    )
    assert [d.title_safe for d in listed] == ["case 1", "case two"]
    (rs,) = list(gcapi_client.reader_studies.iterate_all())
    assert gcapi_client.reader_studies.detail(slug="lungs").pk == rs.pk == str(study.pk)


def test_answers_of_every_type_round_trip(gcapi_client, user):
    study, case = study_with_case(user, title="All types")
    session = mask_session(user)
    expected = {}
    for code in AnswerType.values:
        if code == "HEAD":
            continue
        question = question_for(study, code)
        value = ANSWERS.get(code)
        if code == "CHOI":
            value = question.options.get(title="no").id
        if code == "MCHO":
            value = sorted(question.options.values_list("id", flat=True))
        if code == "MASK":
            value = {"upload_session_pk": str(session.pk)}
            question.overlay_segments = [{"name": "lesion", "voxel_value": 1, "visible": True}]
            question.save()
        answer = gcapi_client.reader_studies.answers.create(
            question=str(question.pk),
            display_set=str(case.pk),
            answer=value,
            last_edit_duration="P0DT00H00M03S",
        )
        expected[answer.pk] = (code, value)
    assert len(expected) == 22
    mask = Answer.objects.get(question__answer_type="MASK")
    assert mask.answer_image is not None
    assert mask.answer_image.origin_id == session.pk
    for pk, (_code, value) in expected.items():
        answer = gcapi_client.reader_studies.answers.detail(pk=pk)
        assert answer.answer == value
        assert (answer.score, answer.is_ground_truth, answer.creator) == (
            None,
            False,
            user.username,
        )
        assert answer.total_edit_duration == "P0DT00H00M03S"
    mine = list(gcapi_client.reader_studies.answers.mine.iterate_all())
    assert {a.pk for a in mine} == set(expected)
    questions = list(
        gcapi_client.reader_studies.questions.iterate_all(params={"reader_study": study.pk})
    )
    labels = {q.answer_type for q in questions}
    assert labels == {label for code, label in AnswerType.choices if code != "HEAD"}
    box = next(q for q in questions if q.answer_type == "2D bounding box")
    assert (box.image_port, box.algorithms, box.widget) == ("Main", [], "")
    assert Answer.objects.filter(display_set=case).count() == 22
    assert DisplaySet.objects.get(pk=case.pk).answers.count() == 22
