from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from app.listing import Choice, Listing, Sort, Toggle, list_page
from uploads.forms import UserUploadsField
from uploads.models import UserUpload
from uploads.selectors import completed_uploads_for, uploads_for

UPLOAD_SORTS = (
    Sort("-created", "Newest first", ("-created",)),
    Sort("created", "Oldest first", ("created",)),
    Sort("filename", "File name", ("filename",)),
    Sort("-size", "Largest first", (F("size").desc(nulls_last=True),)),
)
UPLOADS = Listing(
    noun="uploads",
    sorts=UPLOAD_SORTS,
    search_fields=("filename",),
    search_label="File name contains",
    filters=(
        Choice(
            "status",
            "Status",
            [c for c in UserUpload.Status.choices if c[0] != UserUpload.Status.DELETED],
            "status",
        ),
        # consumed uploads are gone from the store: only history, so hidden by default
        Toggle(
            "deleted",
            "Show deleted uploads",
            lambda uploads: uploads.exclude(status=UserUpload.Status.DELETED),
        ),
    ),
    per_page=50,
)


class UploadDemoForm(forms.Form):
    uploads = UserUploadsField(label="Files")


@login_required
def upload_list(request: HttpRequest) -> HttpResponse:
    """Your uploads, and the widget to add more (the form shows what a page receives)."""
    form = UploadDemoForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            received = completed_uploads_for(
                user=request.user, api_urls_or_pks=form.cleaned_data["uploads"]
            )
        except ValidationError as e:
            form.add_error("uploads", e)
        else:
            names = ", ".join(u.filename for u in received)
            messages.success(request, f"Received {len(received)} upload(s): {names}")
            return redirect("uploads:list")
    uploads = list_page(
        params=request.GET, queryset=uploads_for(user=request.user), listing=UPLOADS
    )
    return render(request, "uploads/upload_list.html", {"form": form, "list": uploads})
