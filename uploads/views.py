from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from uploads.forms import UserUploadsField
from uploads.selectors import completed_uploads_for, uploads_for


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
    page = Paginator(uploads_for(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "uploads/upload_list.html", {"form": form, "page": page})
