"""Reading-page benchmark: a study of 2,000 display sets and 10 questions, three readers
with answers (the measured one with 1,000): p50 of the reading page, the next unanswered
case (page redirect and API), and the answers lists, as a ratio to the API root in the
same run (target: each <= 5x).

In process (Django's test client on the WSGI handler, a scratch PostgreSQL database), so
the ratio compares the application's own work: TLS and gunicorn add the same constant to
both sides over the network, which only brings the ratios closer to 1.

    python -m benchmarks.bench_reading
"""

import json
import os
import statistics
import time
from typing import Any

from benchmarks import stack

CASES = 2000
QUESTIONS = 10
ANSWERED_CASES = 100  # x 10 questions: the measured reader's 1,000 answers
ROUNDS = 40
WARMUP = 3
TARGET = 5.0


def _configure() -> None:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tessera")
    url = base + "_bench_reading"
    stack._recreate_postgres(url)
    var = stack.VAR / "reading"
    var.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "app.settings",
            "DATABASE_URL": url,
            "TESSERA_VAR_DIR": str(var),
            "SECRET_KEY": "bench-only-secret-key-0123456789-0123456789-0123456789",
        }
    )


def _answer(question: Any, options: dict[Any, list[int]], n: int) -> Any:
    t = question.answer_type
    if t == "CHOI":
        return options[question.pk][n % 2]
    if t == "NUMB":
        return n % 50
    if t == "TEXT":
        return f"note {n}"
    if t == "BOOL":
        return n % 2 == 0
    return {
        "type": "2D bounding box",
        "version": {"major": 1, "minor": 0},
        "corners": [[1, 1, 0.5], [9, 1, 0.5], [9, 8, 0.5], [1, 8, 0.5]],
    }


def _fixture() -> dict[str, Any]:
    """Built in bulk (the services check one row at a time; this is only data)."""
    from django.contrib.auth.models import User

    from cases.models import Image, ImageFile
    from components.models import ComponentInterface, ComponentInterfaceValue
    from reader_studies import services
    from reader_studies.models import Answer, DisplaySet

    editor = User.objects.create_user(username="bench-editor")
    readers = [User.objects.create_user(username=f"bench-reader-{i}") for i in range(3)]
    study = services.reader_study_create(
        creator=editor,
        title="Bench reading",
        view_content={"main": ["generic-medical-image"]},
        allow_case_navigation=True,
        allow_answer_modification=True,
    )
    for reader in readers:
        services.reader_study_member_add(
            reader_study=study, role="readers", user=reader, actor=editor
        )
    kinds = ["CHOI", "NUMB", "TEXT", "BOOL", "2DBB"] * 2
    questions = []
    for i, kind in enumerate(kinds[:QUESTIONS]):
        fields: dict[str, Any] = {"question_text": f"Q{i} {kind}", "answer_type": kind}
        fields["order"] = i
        if kind == "CHOI":
            fields |= {"widget": "RADIO_SELECT", "options": [{"title": "a"}, {"title": "b"}]}
        if kind == "TEXT":
            fields["widget"] = "TEXT_INPUT"
        if kind == "NUMB":
            fields["widget"] = "NUMBER_INPUT"
        if kind == "BOOL":
            fields["required"] = False
        if kind == "2DBB":
            fields["image_port"] = "M"
        questions.append(services.question_create(reader_study=study, **fields))
    options = {q.pk: [o.id for o in q.options.order_by("id")] for q in questions}
    socket = ComponentInterface.objects.get(slug="generic-medical-image")
    images = Image.objects.bulk_create(
        Image(
            name=f"case-{n}",
            width=40,
            height=30,
            depth=1,
            voxel_width_mm=1.0,
            voxel_height_mm=1.0,
            voxel_depth_mm=1.0,
            origin_mm=[0.0, 0.0, 0.0],
            direction=[1, 0, 0, 0, 1, 0, 0, 0, 1],
            pixel_type="int16",
        )
        for n in range(CASES)
    )
    ImageFile.objects.bulk_create(
        ImageFile(image=image, image_type="MHD", file=f"images/{image.pk}/x.mha", size=1)
        for image in images
    )
    values = ComponentInterfaceValue.objects.bulk_create(
        ComponentInterfaceValue(interface=socket, image=image) for image in images
    )
    cases = DisplaySet.objects.bulk_create(
        DisplaySet(reader_study=study, order=10 * (n + 1), title=f"Case {n + 1}")
        for n in range(CASES)
    )
    DisplaySet.values.through.objects.bulk_create(
        DisplaySet.values.through(displayset_id=case.pk, componentinterfacevalue_id=value.pk)
        for case, value in zip(cases, values, strict=True)
    )
    answers = [
        Answer(creator=readers[0], question=q, display_set=case, answer=_answer(q, options, n))
        for n, case in enumerate(cases[:ANSWERED_CASES])
        for q in questions
    ]
    for reader in readers[1:]:  # the others answered the first question of 1,000 cases
        answers += [
            Answer(
                creator=reader,
                question=questions[0],
                display_set=case,
                answer=options[questions[0].pk][0],
            )
            for case in cases[:1000]
        ]
    Answer.objects.bulk_create(answers, batch_size=2000)
    return {
        "study": study,
        "reader": readers[0],
        "open_case": cases[CASES // 2],
        "answered_case": cases[0],
    }


def _p50s(client: Any, paths: dict[str, tuple[str, int]]) -> dict[str, float]:
    """p50 seconds of each path, measured round-robin so that a busy machine slows them
    all alike (the ratios stay fair)."""
    times: dict[str, list[float]] = {label: [] for label in paths}
    for _ in range(WARMUP + ROUNDS):
        for label, (path, status) in paths.items():
            start = time.perf_counter()
            response = client.get(path)
            times[label].append(time.perf_counter() - start)
            if response.status_code != status:
                raise RuntimeError(f"GET {path}: {response.status_code}")
    return {label: statistics.median(t[WARMUP:]) for label, t in times.items()}


def run() -> dict[str, Any]:
    _configure()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # pages name hashed files
    fx = _fixture()
    with connection.cursor() as cursor:  # as autovacuum would after a bulk load
        cursor.execute("ANALYZE")
    study, reader = fx["study"], fx["reader"]
    client = Client(HTTP_HOST="localhost")
    client.force_login(reader)
    read = f"/reader-studies/{study.slug}/read/"
    api = "/api/v1/reader-studies/"
    paths = {
        "reading page": (f"{read}{fx['open_case'].pk}/", 200),
        "reading page, an answered case": (f"{read}{fx['answered_case'].pk}/", 200),
        "next unanswered (page redirect)": (read, 302),
        "next unanswered (API)": (
            f"{api}display-sets/?reader_study={study.pk}&unanswered_by_user=true&limit=1",
            200,
        ),
        "answers/mine/": (f"{api}answers/mine/?question__reader_study={study.pk}", 200),
        "answers?display_set=": (f"{api}answers/?display_set={fx['answered_case'].pk}", 200),
    }
    p50 = _p50s(client, {"API root": ("/api/v1/", 200), **paths})
    root = p50["API root"]
    result: dict[str, Any] = {
        "cases": CASES,
        "questions": QUESTIONS,
        "rounds": ROUNDS,
        "API root p50_ms": round(root * 1000, 2),
        # ratios drift up on a busy machine (each query waits its turn): say how busy
        "load average (1 min)": round(os.getloadavg()[0], 1),
    }
    for label in paths:
        result[f"{label} p50_ms"] = round(p50[label] * 1000, 2)
        result[f"{label} x root"] = round(p50[label] / root, 2)
    result["all within target"] = all(result[f"{label} x root"] <= TARGET for label in paths)
    return result


def main() -> None:
    result = run()
    print(json.dumps(result, indent=1), flush=True)
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
