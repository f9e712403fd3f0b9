"""Minimal pages: the studies a user may see, and one study's summary. The reading page
comes with the viewer."""

import json

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from reader_studies import results, selectors
from reader_studies.markdown import md2html
from reader_studies.models import ReaderStudy


@require_GET
def reader_study_list(request: HttpRequest) -> HttpResponse:
    studies = selectors.reader_studies_visible_to(request.user).order_by("title", "pk")
    return render(request, "reader_studies/list.html", {"studies": studies})


@require_GET
def reader_study_detail(request: HttpRequest, slug: str) -> HttpResponse:
    study = selectors.reader_studies_visible_to(request.user).filter(slug=slug).first()
    if study is None:
        raise Http404("No reader study matches the given query.")
    user = request.user
    may_read = selectors.may_read(user, study)
    may_edit = selectors.may_edit(user, study)
    context = {
        "study": study,
        "help_text_safe": md2html(study.help_text_markdown),
        "may_read": may_read,
        "may_edit": may_edit,
        "case_count": study.display_sets.count() if may_read else None,
        "questions": study.questions.order_by("order", "created") if may_read else [],
        "progress": (
            selectors.progress_for(reader_study=study, user=user)  # type: ignore[arg-type]
            if may_read
            else None
        ),
        "readers": (
            [
                (u.username, selectors.progress_for(reader_study=study, user=u))
                for u in selectors.participants(study)
            ]
            if may_edit
            else []
        ),
    }
    return render(request, "reader_studies/detail.html", context)


def _edited_study(request: HttpRequest, slug: str) -> ReaderStudy:
    study = selectors.reader_studies_edited_by(request.user).filter(slug=slug).first()
    if study is None:
        raise Http404("No reader study matches the given query.")
    return study


BAR_WIDTH = 300  # px of the plot's bars for a score (or agreement) of 1


@require_GET
def reader_study_results(request: HttpRequest, slug: str) -> HttpResponse:
    """Editors' results: progress per reader, leaderboard, scores by question and case with
    the agreement of readers, and a bar plot drawn as plain SVG (no script, so strict CSP)."""
    study = _edited_study(request, slug)
    stats = selectors.statistics(study)
    agreement = {row["question_text"]: row for row in results.agreement_by_question(study)}
    by_question = [
        {**row, "agreement": agreement.get(row["question__question_text"])}
        for row in stats["scores_by_question"]
    ]
    bars = [
        {
            "label": row["question__question_text"],
            "value": row["score__avg"] or 0.0,
            "width": round(max(0.0, min(1.0, row["score__avg"] or 0.0)) * BAR_WIDTH, 1),
            "y": 24 * i,
        }
        for i, row in enumerate(stats["scores_by_question"])
    ]
    context = {
        "study": study,
        "progress": results.progress_table(study),
        "leaderboard": selectors.leaderboard(study),
        "by_question": by_question,
        "by_case": results.scores_by_case(study),
        "agreement": list(agreement.values()),
        "bars": bars,
        "plot_height": 24 * len(bars) + 4,
        "bar_width": BAR_WIDTH,
    }
    return render(request, "reader_studies/results.html", context)


@require_GET
def reader_study_export(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    """Every answer the user may see, one row per answer, as CSV or JSON."""
    if kind not in ("csv", "json"):
        raise Http404("Answers export as .csv or .json.")
    study = selectors.reader_studies_readable_by(request.user).filter(slug=slug).first()
    if study is None:
        raise Http404("No reader study matches the given query.")
    rows = results.export_rows(study, user=request.user)  # type: ignore[arg-type]
    if kind == "csv":
        response = HttpResponse(results.export_csv(rows), content_type="text/csv")
    else:
        response = HttpResponse(json.dumps(rows, indent=1), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="answers-{study.slug}.{kind}"'
    return response
