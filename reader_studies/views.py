"""Minimal pages: the studies a user may see, and one study's summary. The reading page
comes with the viewer."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from reader_studies import selectors
from reader_studies.markdown import md2html


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
