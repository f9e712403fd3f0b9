"""The `make run` demo reader study: made once over the imported demo CT cases, with ground
truth a new user's answers are scored against."""

import pytest
from django.contrib.auth.models import User

from archives.models import Archive, ArchiveItem
from cases.models import Image
from reader_studies import services
from reader_studies.demo import BOX, CHOICE, DEMO_TITLE, NUMBER, register_demo_reader_study
from reader_studies.models import Answer, DisplaySet, ReaderStudy
from tests.cases.helpers import keys_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_running_the_demo_twice_makes_one_study_over_three_imported_cases():  # type: ignore[no-untyped-def]
    admin = User.objects.create_superuser("admin", "admin@localhost", "pw")
    lines: list[str] = []
    first = register_demo_reader_study(log=lines.append)
    second = register_demo_reader_study(log=lines.append)

    assert first is not None and second is not None and first.pk == second.pk
    assert ReaderStudy.objects.filter(title=DEMO_TITLE).count() == 1
    assert Archive.objects.filter(title="Demo CT").count() == 1
    assert ArchiveItem.objects.filter(archive__title="Demo CT").count() == 3
    images = list(Image.objects.order_by("name"))
    assert [i.name for i in images] == ["demo-ct-001", "demo-ct-002", "demo-ct-003"]
    assert [(i.width, i.height, i.depth) for i in images] == [(64, 64, 32)] * 3
    for image in images:  # a real import: the .mha is in the object store
        assert any(k.endswith(".mha") for k in keys_in("protected", f"images/{image.pk}/"))
    assert lines.count("imported 3 synthetic CT case(s) into the archive 'Demo CT'") == 1

    study = first
    assert sorted(study.questions.values_list("question_text", flat=True)) == sorted(
        [CHOICE, NUMBER, BOX]
    )
    assert DisplaySet.objects.filter(reader_study=study).count() == 3
    assert Answer.objects.filter(question__reader_study=study, is_ground_truth=True).count() == 9
    assert admin.groups.filter(pk=study.editors_group_id).exists()
    assert admin.groups.filter(pk=study.readers_group_id).exists()


def test_a_new_user_gets_access_at_once_and_is_scored_against_the_lesion():  # type: ignore[no-untyped-def]
    User.objects.create_superuser("admin", "admin@localhost", "pw")
    study = register_demo_reader_study(log=lambda line: None)
    assert study is not None
    newcomer: User = UserFactory()  # type: ignore[assignment]

    access = services.access_request_create(reader_study=study, user=newcomer)

    assert access.status == "ACPT"
    display_set = study.display_sets.order_by("order")[0]
    box = study.questions.get(question_text=BOX)
    truth = Answer.objects.get(question=box, display_set=display_set, is_ground_truth=True)
    exact = services.answer_create(
        creator=newcomer, question=box, display_set=display_set, answer=truth.answer
    )
    assert exact.score == 1.0
    number = study.questions.get(question_text=NUMBER)
    wrong = services.answer_create(
        creator=newcomer, question=number, display_set=display_set, answer=99.0
    )
    assert wrong.score == 0.0
    # the box lies on one axial slice, inside the 96 x 96 x 96 mm volume, around the lesion
    corners = truth.answer["corners"]  # type: ignore[index]
    assert len({c[2] for c in corners}) == 1
    assert all(-48.75 <= c[0] <= 47.25 and -48.75 <= c[1] <= 47.25 for c in corners)
