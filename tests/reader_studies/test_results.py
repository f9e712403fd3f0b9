"""Results beyond GC: agreement per question, progress, leaderboard, the editors' results
page and the answers export, against values computed by hand."""

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reader_studies import ground_truth, results, services
from reader_studies.models import Answer
from tests.archives.helpers import login
from tests.reader_studies.helpers import new_user, question_for, study_with_case
from tests.reader_studies.test_scores import SEGMENTS, mask_answer

pytestmark = pytest.mark.django_db
API = "/api/v1/reader-studies/"
V = {"major": 1, "minor": 0}


def box(x0: float, x1: float) -> dict:
    corners = [[x0, 0, 0.5], [x1, 0, 0.5], [x1, 8, 0.5], [x0, 8, 0.5]]
    return {"type": "2D bounding box", "version": V, "corners": corners}


@pytest.fixture
def study():
    editor = new_user(username="editor")
    ann, bob = new_user(username="ann"), new_user(username="bob")
    study, first = study_with_case(editor)
    second = services.display_set_create(reader_study=study, title="case 2")
    second.values.set(first.values.all())
    for reader in (ann, bob):
        services.reader_study_member_add(
            reader_study=study, role="readers", user=reader, actor=editor
        )
    choice = question_for(study, "CHOI", question_text="Malignant?")
    yes, no = choice.options.values_list("id", flat=True)
    size = question_for(study, "NUMB", question_text="Size")
    nodule = question_for(study, "2DBB", question_text="Nodule")
    given = {
        ann: {choice: (yes, no), size: (2, 4), nodule: (box(0, 10), box(0, 10))},
        bob: {choice: (yes, yes), size: (3, 5), nodule: (box(5, 15), box(5, 15))},
    }
    for reader, answers in given.items():
        for question, values in answers.items():
            for case, value in zip((first, second), values, strict=True):
                services.answer_create(
                    creator=reader, question=question, display_set=case, answer=value
                )
    for case in (first, second):
        ground_truth.ground_truth_for_case(
            reader_study=study,
            display_set=case,
            creator=editor,
            answers={str(choice.pk): {"answer": yes}, str(nodule.pk): {"answer": box(0, 10)}},
        )
    setup: Any = study  # the study, carrying the people and question the tests need
    setup.editor, setup.ann, setup.bob = editor, ann, bob
    setup.nodule = nodule
    return setup


def test_agreement_and_scores_through_the_api(api_client, study):
    api_client.force_authenticate(study.editor)
    stats = api_client.get(f"{API}{study.pk}/statistics/").json()
    assert stats["agreement"] == [
        # pairs (yes, yes), (no, yes): po 0.5, pe (1*2 + 1*0)/4 = 0.5 -> kappa 0
        {
            "question": str(study.questions.get(question_text="Malignant?").pk),
            "question_text": "Malignant?",
            "statistic": "Cohen's kappa",
            "value": 0.0,
            "readers": 2,
            "cases": 2,
        },
        # [[2, 3], [4, 5]]: BMS 4, JMS 1, EMS 0 -> 4 / (4 + 2 * 1 / 2) = 0.8
        {
            "question": str(study.questions.get(question_text="Size").pk),
            "question_text": "Size",
            "statistic": "ICC(2,1)",
            "value": pytest.approx(0.8),
            "readers": 2,
            "cases": 2,
        },
        # 10x8 boxes shifted by 5 mm in both cases: IoU 40 / 120
        {
            "question": str(study.nodule.pk),
            "question_text": "Nodule",
            "statistic": "Mean pairwise IoU",
            "value": pytest.approx(1 / 3),
            "readers": 2,
            "cases": 2,
        },
    ]
    board = api_client.get(f"{API}{study.pk}/leaderboard/").json()
    # ann: choice 1 + 0, box 1 + 1; bob: choice 1 + 1, box 1/3 + 1/3
    assert [(r["creator__username"], r["score__sum"]) for r in board["grouped_scores"]] == [
        ("ann", 3.0),
        ("bob", pytest.approx(2 + 2 / 3)),
    ]
    progress = api_client.get(f"{API}{study.pk}/progress/").json()
    assert [(p["user"], p["cases_complete"], p["cases"], p["hangings"]) for p in progress] == [
        ("ann", 2, 2, 100.0),
        ("bob", 2, 2, 100.0),
        ("editor", 0, 2, 0.0),
    ]
    api_client.force_authenticate(study.ann)
    assert api_client.get(f"{API}{study.pk}/statistics/").status_code == 403


def test_results_page_for_editors_only(client, study):
    login(client, study.ann)
    assert client.get(f"/reader-studies/{study.slug}/results/").status_code == 404
    login(client, study.editor)
    page = client.get(f"/reader-studies/{study.slug}/results/").content.decode()
    assert "<tr><td>ann</td><td>2 of 2</td><td>100.0%</td><td>6 of 6</td></tr>" in page
    assert "<tr><td>editor</td><td>0 of 2</td><td>0.0%</td><td>0 of 6</td></tr>" in page
    assert "<tr><td>1</td><td>ann</td><td>3.000 of 6</td><td>0.750</td></tr>" in page
    assert "<td>Size</td><td>ICC(2,1)</td><td>0.800</td><td>2</td><td>2</td>" in page
    assert "<td>Nodule</td><td>Mean pairwise IoU</td><td>0.333</td>" in page
    assert "Cohen&#x27;s kappa 0.000" in page
    # the plot: mean score per question as SVG bars 300 px for a score of 1
    # (Malignant? 3/4, Nodule (1 + 1 + 1/3 + 1/3)/4 = 2/3)
    assert '<svg class="plot"' in page
    assert 'width="225.0"' in page
    assert 'width="200.0"' in page
    assert "<script" not in page.split("<main", 1)[-1]


def test_answers_export_as_csv_and_json(api_client, client, study):
    api_client.force_authenticate(study.editor)
    rows = api_client.get(f"{API}{study.pk}/export/").json()
    assert len(rows) == 2 * 2 * 3 + 2 * 2  # readers x cases x questions + ground truth
    first_box = next(r for r in rows if r["creator"] == "bob" and r["question_text"] == "Nodule")
    assert first_box["answer"] == box(5, 15)
    assert first_box["answer_type"] == "2DBB"
    assert first_box["score"] == pytest.approx(1 / 3)
    assert first_box["display_set_title"] == "case 1"

    login(client, study.editor)
    response = client.get(f"/reader-studies/{study.slug}/answers.csv")
    assert response["Content-Disposition"] == f'attachment; filename="answers-{study.slug}.csv"'
    table = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(table) == 16
    assert [json.loads(r["answer"]) for r in table] == [r["answer"] for r in rows]
    assert {r["is_ground_truth"] for r in table} == {"true", "false"}

    # readers export only their own answers, never the ground truth
    api_client.force_authenticate(study.ann)
    mine = api_client.get(f"{API}{study.pk}/export/?file=csv").content.decode()
    table = list(csv.DictReader(io.StringIO(mine)))
    assert len(table) == 6
    assert {r["creator"] for r in table} == {"ann"}
    api_client.force_authenticate(new_user())
    assert api_client.get(f"{API}{study.pk}/export/").status_code == 404
    assert Answer.objects.count() == 16


def test_fleiss_kappa_for_three_readers_and_dice_for_masks(study):
    carl = new_user(username="carl")
    services.reader_study_member_add(
        reader_study=study, role="readers", user=carl, actor=study.editor
    )
    choice = study.questions.get(question_text="Malignant?")
    yes, no = choice.options.values_list("id", flat=True)
    first, second = study.display_sets.order_by("order")
    for case, value in ((first, yes), (second, no)):
        services.answer_create(creator=carl, question=choice, display_set=case, answer=value)
    mask_q = question_for(study, "MASK", question_text="Outline", overlay_segments=SEGMENTS)
    a, b = np.zeros((30, 40)), np.zeros((30, 40))
    a[0:2, 0:5] = 1  # 10 voxels
    b[0:4, 0:5] = 1  # 20 voxels, overlap 10
    for reader, voxels in ((study.ann, a), (study.bob, b)):
        services.answer_create(
            creator=reader,
            question=mask_q,
            display_set=first,
            answer=mask_answer(reader, voxels),
        )
    rows = {r["question_text"]: r for r in results.agreement_by_question(study)}
    # cases: (yes, yes, yes) and (no, yes, no); counts [[0, 3], [2, 1]] (no, yes):
    # P1 = 1, P2 = (4 + 1 - 3) / 6 = 1/3, P-bar = 2/3; p = (2/6, 4/6), Pe = 5/9
    # kappa = (2/3 - 5/9) / (1 - 5/9) = 1/4
    assert rows["Malignant?"]["statistic"] == "Fleiss' kappa"
    assert rows["Malignant?"]["value"] == pytest.approx(0.25)
    assert rows["Malignant?"]["readers"] == 3
    assert rows["Outline"]["statistic"] == "Mean pairwise Dice"
    assert rows["Outline"]["value"] == pytest.approx(2 * 10 / 30)
    assert rows["Outline"]["cases"] == 1


def _count(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


def test_export_and_results_queries_do_not_grow_with_cases(api_client, client, study):
    api_client.force_authenticate(study.editor)
    login(client, study.editor)
    paths = (f"{API}{study.pk}/export/", f"/reader-studies/{study.slug}/results/")
    size = study.questions.get(question_text="Size")
    for path in paths:  # warm the per-process permission caches
        _count(api_client if path.startswith(API) else client, path)
    counts = []
    for target in (3, 8):
        while study.display_sets.count() < target:
            case = services.display_set_create(reader_study=study)
            for reader in (study.ann, study.bob):
                services.answer_create(creator=reader, question=size, display_set=case, answer=1)
        counts.append([_count(api_client if p.startswith(API) else client, p) for p in paths])
    assert counts[0] == counts[1]


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(15_000)
            yield page
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.mark.django_db(transaction=True)
def test_results_page_in_chromium(page, live_server, client, study):
    """The editor's results page renders its tables and the SVG plot with no script and
    no console error; the screenshot lands in var/screenshots/."""
    login(client, study.editor)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    errors: list[str] = []
    # script errors and CSP refusals show as console errors; a missing file as a response
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    page.goto(f"{live_server.url}/reader-studies/{study.slug}/results/")
    assert page.locator("h1").inner_text() == f"Results of {study.title}"
    bars = page.locator("svg.plot rect")
    assert bars.count() == 2
    widths = sorted(float(bars.nth(i).get_attribute("width") or 0) for i in range(2))
    assert widths == [200.0, 225.0]
    assert page.locator("#agreement tbody tr").count() == 3
    assert errors == []
    shots = Path(settings.VAR_DIR) / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "reader-study-results.png"), full_page=True)
