"""Pages for access requests; the apps' views call `request_page` and `requests_page` with
an object they fetched under their own visibility rules."""

from django import forms
from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from app import access_requests
from app.forms import AccessRequestForm
from app.models import AccessRequest
from app.permissions import CREATOR_GROUPS, may_create
from app.views import staff_member_required


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def request_page(
    request: HttpRequest, *, target: models.Model, role: str, what: str, back: str
) -> HttpResponse:
    """Show the "why" form for `what` and create the request on POST."""
    form = AccessRequestForm(request.POST or None)
    pending = access_requests.pending_request_of(user=request.user, obj=target)
    if request.method == "POST" and form.is_valid() and pending is None:
        try:
            access_requests.access_request_create(
                user=request.user,  # type: ignore[arg-type]
                target=target,
                role=role,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as e:  # a form page: the reason goes next to the form
            form.add_error(None, e)
        else:
            messages.success(
                request, f"Request for {what} sent. You will get an e-mail when it is decided."
            )
            return redirect(back)
    return render(
        request,
        "app/access_request_form.html",
        {"form": form, "what": what, "back": back, "pending": pending},
    )


def requests_page(
    request: HttpRequest,
    *,
    target: models.Model,
    title: str,
    back: str,
    settings_form: forms.Form | None = None,
) -> HttpResponse:
    """The requests for one object, for those who may decide on them; `settings_form`
    (the object's public flag and handling policy) is shown above them when given."""
    rows = list(access_requests.requests_for(target)[:200])
    if not access_requests.may_decide_on(user=request.user, target=target):
        raise Http404("No such page")
    return render(
        request,
        "app/access_requests.html",
        {
            "requests": rows,
            "title": title,
            "target": target,
            "back": back,
            "settings_form": settings_form,
        },
    )


@login_required
def creator_request(request: HttpRequest) -> HttpResponse:
    label = request.GET.get("for", "")
    if label not in CREATOR_GROUPS:
        raise Http404(f"No creator rights for {label!r}")
    model = apps.get_model(label)
    back = reverse_list(label)
    if may_create(request.user, model):
        messages.info(request, f"You may already create {model._meta.verbose_name_plural}.")
        return redirect(back)
    group = access_requests.creator_group_for(label)
    if group is None:
        raise Http404("That creator group does not exist.")
    return request_page(
        request, target=group, role="", what=access_requests.group_rights(group), back=back
    )


def reverse_list(label: str) -> str:
    try:
        return reverse(f"{label.split('.')[0]}:list")
    except NoReverseMatch:
        return reverse("home")


@staff_member_required
def staff_requests(request: HttpRequest) -> HttpResponse:
    rows = list(access_requests.creator_requests().select_related("user")[:200])
    return render(
        request,
        "app/access_requests.html",
        {"requests": rows, "title": "Creator rights requests", "target": None, "back": None},
    )


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    access_request = get_object_or_404(AccessRequest, pk=pk)
    if not access_requests.may_decide(user=request.user, access_request=access_request):
        raise Http404("No such request")
    accept = request.POST.get("decision") == "accept"
    default = "/staff/requests/" if isinstance(access_request.target, Group) else "/"
    try:
        decided = access_requests.access_request_decide(
            access_request=access_request,
            accept=accept,
            actor=request.user,  # type: ignore[arg-type]
            request=request,
        )
    except ValidationError as e:  # decided meanwhile (another tab, another editor)
        messages.error(request, " ".join(e.messages))
        return redirect(_safe_next(request, default))
    messages.success(
        request,
        f"{decided.user.get_username()}'s request for {access_requests.describe(decided)} "
        f"{decided.get_status_display().lower()}.",
    )
    return redirect(_safe_next(request, default))
