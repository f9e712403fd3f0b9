"""The demo reader study `make run` registers over the demo CT cases, so a new user can
read at once: a choice, a number and a 2D bounding box question, with ground truth for
every case (the lesion's real place and size, from the synthetic generator).

Public with "accept all" access requests: a brand-new user asks for access on the
study's page and reads straight away. The first superuser is its editor and a reader.
Idempotent: a study with the demo's title is reused and only what it lacks is added.
"""

from collections.abc import Callable, Sequence
from typing import Any

from django.contrib.auth.models import User

from app.models import AccessRequestHandling
from archives.demo import DEMO_SOCKET, DemoCase, demo_admin, ensure_demo_ct_archive
from cases.synthetic import LESION_SPACING_MM
from components.models import ComponentInterface
from components.services import socket_value_create
from reader_studies import services
from reader_studies.models import (
    Answer,
    AnswerType,
    DisplaySet,
    ImagePort,
    Question,
    ReaderStudy,
    Widget,
)

DEMO_TITLE = "Demo: find the lesion"
DEMO_DESCRIPTION = (
    "Three synthetic CT volumes with one bright lesion each. Say whether there is a lesion, "
    "estimate its diameter and draw a box around it on the slice through its centre; your "
    "answers are scored against the ground truth."
)
CHOICE, NUMBER, BOX = "Is there a lesion?", "Lesion diameter (mm)", "Draw a box around the lesion"
CHOICE_OPTIONS = ("Yes", "No")


def _study(admin: User) -> ReaderStudy:
    study = ReaderStudy.objects.filter(title=DEMO_TITLE).order_by("created").first()
    if study is not None:
        return study
    return services.reader_study_create(
        creator=admin,
        title=DEMO_TITLE,
        description=DEMO_DESCRIPTION,
        public=True,
        access_request_handling=AccessRequestHandling.ACCEPT_ALL,
        view_content={"main": [DEMO_SOCKET]},
        allow_case_navigation=True,
        allow_answer_modification=True,
    )


def _questions(study: ReaderStudy) -> dict[str, Question]:
    specs: list[dict[str, Any]] = [
        {
            "question_text": CHOICE,
            "answer_type": AnswerType.CHOICE,
            "widget": Widget.RADIO_SELECT,
            "options": [{"title": title} for title in CHOICE_OPTIONS],
        },
        {
            "question_text": NUMBER,
            "answer_type": AnswerType.NUMBER,
            "widget": Widget.NUMBER_INPUT,
            "answer_min_value": 0,
            "answer_max_value": 100,
        },
        {
            "question_text": BOX,
            "answer_type": AnswerType.BOUNDING_BOX_2D,
            "image_port": ImagePort.MAIN,
        },
    ]
    existing = {q.question_text: q for q in study.questions.all()}
    for order, spec in enumerate(specs, start=1):
        if spec["question_text"] not in existing:
            question = services.question_create(reader_study=study, order=order, **spec)
            existing[question.question_text] = question
    return existing


def lesion_box(case: DemoCase) -> dict[str, Any]:
    """The box around the lesion on the axial slice through its centre, in world mm."""
    (x0, x1), (y0, y1), _ = case.truth.lesion_box_mm
    half_x, half_y = LESION_SPACING_MM[0] / 2, LESION_SPACING_MM[1] / 2
    x0, x1, y0, y1 = x0 - half_x, x1 + half_x, y0 - half_y, y1 + half_y  # voxel edges
    z = _centre_slice_z(case)
    return {
        "type": "2D bounding box",
        "version": {"major": 1, "minor": 0},
        "name": "lesion",
        "corners": [[x0, y0, z], [x1, y0, z], [x1, y1, z], [x0, y1, z]],
    }


def _centre_slice_z(case: DemoCase) -> float:
    # A box lies on one slice: the voxel-centre plane nearest the lesion's centre.
    _, _, (z0, z1) = case.truth.lesion_box_mm
    spacing = LESION_SPACING_MM[2]
    return z0 + round(((z0 + z1) / 2 - z0) / spacing) * spacing


def _display_sets(study: ReaderStudy, cases: Sequence[DemoCase]) -> list[DisplaySet]:
    socket = ComponentInterface.objects.get(slug=DEMO_SOCKET)
    sets = []
    for n, case in enumerate(cases, start=1):
        title = f"Case {n}"
        display_set = study.display_sets.filter(title=title).first()
        if display_set is None:
            display_set = services.display_set_create(reader_study=study, title=title)
        if not display_set.values.filter(interface=socket).exists():
            services.display_set_value_set(
                display_set=display_set,
                value=socket_value_create(socket=socket, image=case.image),
            )
        sets.append(display_set)
    return sets


def _ground_truth(
    *,
    admin: User,
    questions: dict[str, Question],
    display_sets: Sequence[DisplaySet],
    cases: Sequence[DemoCase],
) -> None:
    yes = questions[CHOICE].options.get(title="Yes").pk
    for display_set, case in zip(display_sets, cases, strict=True):
        truth = {
            CHOICE: yes,
            NUMBER: case.truth.lesion_diameter_mm,
            BOX: lesion_box(case),
        }
        for text, value in truth.items():
            question = questions[text]
            if Answer.objects.filter(
                question=question, display_set=display_set, is_ground_truth=True
            ).exists():
                continue
            services.answer_create(
                creator=admin,
                question=question,
                display_set=display_set,
                answer=value,
                is_ground_truth=True,
            )


def register_demo_reader_study(*, log: Callable[[str], object] = print) -> ReaderStudy | None:
    admin = demo_admin()
    if admin is None:
        log("No superuser: the demo reader study is not registered.")
        return None
    _, cases = ensure_demo_ct_archive(creator=admin, log=log)
    study = _study(admin)
    if not admin.groups.filter(pk=study.readers_group_id).exists():
        services.reader_study_member_add(
            reader_study=study, role="readers", user=admin, actor=admin
        )
    questions = _questions(study)
    display_sets = _display_sets(study, cases)
    _ground_truth(admin=admin, questions=questions, display_sets=display_sets, cases=cases)
    log(f"demo reader study '{study.slug}' ready with {len(display_sets)} cases")
    return study
