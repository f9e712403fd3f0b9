"""Editors add cases in bulk: upload images (one case per image, the import shows its
progress) or pick items of an archive they may see (one case per item)."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from app.http import request_user
from app.urlresolve import UUID_PATTERN
from archives.selectors import archive_items_visible_to, archives_visible_to
from components.forms import ImageCasesForm
from reader_studies import bulk_cases
from reader_studies.views import edited_study
from uploads.selectors import completed_uploads_for

ITEMS_SHOWN = 500
UUID_RE = re.compile(UUID_PATTERN)


@login_required
@require_http_methods(["GET", "POST"])
def add_cases(request: HttpRequest, slug: str) -> HttpResponse:
    study = edited_study(request, slug)
    user = request_user(request)
    upload_form = ImageCasesForm(
        request.POST if request.POST.get("action") == "upload" else None, case_noun="case"
    )
    if upload_form.is_bound and upload_form.is_valid():
        try:
            uploads = completed_uploads_for(
                user=user, api_urls_or_pks=upload_form.cleaned_data["user_uploads"]
            )
            session = bulk_cases.reader_study_cases_add(
                reader_study=study,
                creator=user,
                uploads=uploads,
                interface=upload_form.cleaned_data["interface"],
            )
        except ValidationError as e:
            upload_form.add_error(None, e)
        else:
            return redirect("cases:upload-session", pk=session.pk)

    archives = archives_visible_to(user).order_by("title")
    archive = archives.filter(slug=request.GET.get("archive") or "").first()
    items = (
        archive_items_visible_to(user)
        .filter(archive=archive)
        .prefetch_related("values__interface", "values__image")
        .order_by("title", "created")
        if archive
        else None
    )
    item_errors: list[str] = []
    if request.POST.get("action") == "items":
        chosen = list(dict.fromkeys(request.POST.getlist("items")))[: bulk_cases.MAX_ITEMS + 1]
        found = {
            str(item.pk): item
            for item in archive_items_visible_to(user)
            .filter(pk__in=[pk for pk in chosen if UUID_RE.fullmatch(pk)])
            .prefetch_related("values")
        }
        picked = [found[pk] for pk in chosen if pk in found]  # in the page's order
        try:
            if len(picked) != len(chosen):
                raise ValidationError({"items": "Some chosen items were not found."})
            created = bulk_cases.display_sets_from_archive_items(reader_study=study, items=picked)
        except ValidationError as e:
            item_errors = e.messages
        else:
            messages.success(request, f"Added {len(created)} case{'s' * (len(created) != 1)}.")
            return redirect("reader_studies:detail", slug=study.slug)

    return render(
        request,
        "reader_studies/add_cases.html",
        {
            "study": study,
            "upload_form": upload_form,
            "archives": archives,
            "archive": archive,
            "items": items[:ITEMS_SHOWN] if items is not None else None,
            "item_count": items.count() if items is not None else 0,
            "items_shown": ITEMS_SHOWN,
            "item_errors": item_errors,
        },
    )
