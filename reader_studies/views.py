"""Minimal pages: the studies a user may see, and one study's summary. The reading page
comes with the viewer."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from app.http import request_user
from app.markdown import md2html
from app.permissions import may_create
from hanging_protocols.views import viewer_settings_page
from reader_studies import results, selectors, services
from reader_studies.models import ReaderStudy, ReaderStudyPermissionRequest


@require_GET
def reader_study_list(request: HttpRequest) -> HttpResponse:
    studies = selectors.reader_studies_visible_to(request.user).order_by("title", "pk")
    return render(
        request,
        "reader_studies/list.html",
        {"studies": studies, "may_create": may_create(request.user, ReaderStudy)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def reader_study_viewer_settings(request: HttpRequest, slug: str) -> HttpResponse:
    study = get_object_or_404(selectors.reader_studies_visible_to(request.user), slug=slug)
    if not selectors.may_edit(request.user, study):
        raise Http404("No reader study matches the given query.")
    return viewer_settings_page(
        request, obj=study, back_url=study.get_absolute_url(), heading=study.title
    )


@require_GET
def reader_study_detail(request: HttpRequest, slug: str) -> HttpResponse:
    study = selectors.reader_studies_visible_to(request.user).filter(slug=slug).first()
    if study is None:
        return private_study_request_page(request, slug)
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
        "access_request": (
            study.access_requests.filter(user=user).first()
            if user.is_authenticated and not may_read
            else None
        ),
        "pending_requests": (
            study.access_requests.filter(status=ReaderStudyPermissionRequest.Status.PENDING).count()
            if may_edit
            else 0
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


def private_study_request_page(request: HttpRequest, slug: str) -> HttpResponse:
    """A private study's shared link: anonymous users sign in first; a signed-in outsider
    sees the title and may ask to read it, and nothing else of the study."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    study = get_object_or_404(selectors.reader_studies_requestable_by(request.user), slug=slug)
    return render(
        request,
        "reader_studies/request_access.html",
        {"study": study, "access_request": study.access_requests.filter(user=request.user).first()},
    )


def edited_study(request: HttpRequest, slug: str) -> ReaderStudy:
    """The study the editor pages work on: 404 to anyone who does not edit it."""
    return get_object_or_404(selectors.reader_studies_edited_by(request.user), slug=slug)


BAR_WIDTH = 300  # px of the plot's bars for a score (or agreement) of 1


@require_GET
def reader_study_results(request: HttpRequest, slug: str) -> HttpResponse:
    """Editors' results: progress per reader, leaderboard, scores by question and case with
    the agreement of readers, and a bar plot drawn as plain SVG (no script, so strict CSP)."""
    study = edited_study(request, slug)
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
        "has_ground_truth": selectors.has_ground_truth(study),
        "progress": results.progress_table(study),
        "leaderboard": selectors.leaderboard(study),
        "by_question": by_question,
        "by_case": results.scores_by_case(study),
        "agreement": list(agreement.values()),
        "bars": bars,
        "plot_height": 24 * len(bars) + 4,
        "bar_width": BAR_WIDTH,
        "half_width": BAR_WIDTH // 2,
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


@login_required
@require_http_methods(["GET", "POST"])
def reader_study_access_requests(request: HttpRequest, slug: str) -> HttpResponse:
    """POST without a decision: the user asks to read this study. Editors see the
    requests here and accept or reject them (POST `access_request`, `decision`)."""
    study = get_object_or_404(selectors.reader_studies_requestable_by(request.user), slug=slug)
    user = request_user(request)
    may_edit = selectors.may_edit(user, study)
    if request.method == "POST":
        decision = request.POST.get("decision")
        try:
            if decision is None:
                access = services.access_request_create(
                    reader_study=study, user=user, request=request
                )
                messages.success(
                    request,
                    f"Your request to read {study.title} is {access.get_status_display().lower()}.",
                )
                return redirect("reader_studies:detail", slug=study.slug)
            if not may_edit:
                raise Http404("No reader study matches the given query.")
            access = get_object_or_404(study.access_requests, pk=request.POST.get("access_request"))
            services.access_request_decide(
                access=access, accept=decision == "accept", actor=user, request=request
            )
            verdict = "accepted" if decision == "accept" else "rejected"
            messages.success(request, f"{access.user.username}: request {verdict}.")
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
            if not may_edit:
                return redirect("reader_studies:detail", slug=study.slug)
        return redirect("reader_studies:access-requests", slug=study.slug)
    if not may_edit:
        raise Http404("No reader study matches the given query.")
    requests = study.access_requests.select_related("user").order_by("status", "-created")
    return render(
        request,
        "reader_studies/access_requests.html",
        {
            "study": study,
            "requests": requests,
            "pending": ReaderStudyPermissionRequest.Status.PENDING,
        },
    )
