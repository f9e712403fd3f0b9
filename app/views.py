from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, user_passes_test
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from app import health, selectors
from app.forms import AuditFilterForm, GroupMemberForm, TokenCreateForm
from app.permissions import add_creator, remove_creator
from app.services import api_token_create, api_token_revoke

AUDIT_PAGE_SIZE = 50


def _is_staff(user: object) -> bool:
    if getattr(user, "is_authenticated", False) and not getattr(user, "is_staff", False):
        raise PermissionDenied("Only staff may open this page.")
    return bool(getattr(user, "is_authenticated", False))


# Anonymous visitors are sent to sign in; signed-in non-staff get 403.
staff_member_required = user_passes_test(_is_staff)


def https_api_root(request: HttpRequest) -> str:
    """The API root for gcapi, which refuses plain HTTP: on the embedded default's HTTP
    site, point at its HTTPS twin on RUN_HTTPS_PORT."""
    if request.is_secure():
        return request.build_absolute_uri("/api/v1/")
    host = (
        request.get_host().rsplit(":", 1)[0]
        if "]" not in request.get_host()
        else request.get_host()
    )
    return f"https://{host}:{settings.RUN_HTTPS_PORT}/api/v1/"


@never_cache
@require_GET
def health_check(request: HttpRequest) -> HttpResponse:
    """For load balancers: no sign-in, no secrets; 503 when a required part is down."""
    healthy, report = health.health()
    return JsonResponse(report, status=200 if healthy else 503)


def home(request: HttpRequest) -> HttpResponse:
    context: dict = {"api_root": https_api_root(request)}
    if request.user.is_authenticated:
        from app.home import dashboard_for  # composition: reads every app's selectors

        context["dashboard"] = dashboard_for(request.user)  # type: ignore[arg-type]
    return render(request, "app/home.html", context)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    addresses = request.user.emailaddress_set.order_by("-primary", "email")  # type: ignore[union-attr]
    return render(request, "app/profile.html", {"email_addresses": addresses})


NEW_TOKEN_SESSION_KEY = "new_api_token_secret"


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """List the user's tokens and create one. POST-redirect-GET: the new secret travels in
    the session and is popped by the next GET, so it is shown once and a reload of the page
    creates no second token."""
    form = TokenCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _, secret = api_token_create(
            user=request.user,  # type: ignore[arg-type]
            name=form.cleaned_data["name"],
            days=form.cleaned_data["days"],
            request=request,
        )
        request.session[NEW_TOKEN_SESSION_KEY] = secret
        return redirect("api_tokens")
    return render(
        request,
        "app/tokens.html",
        {
            "form": form,
            "secret": request.session.pop(NEW_TOKEN_SESSION_KEY, None),
            "tokens": selectors.tokens_of(request.user),  # type: ignore[arg-type]
            "api_root": https_api_root(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def api_token_revoke_view(request: HttpRequest, pk: str) -> HttpResponse:
    """GET asks to confirm; POST revokes."""
    # Another user's token answers 404, as if it did not exist.
    token = get_object_or_404(selectors.tokens_of(request.user), pk=pk)  # type: ignore[arg-type]
    if request.method == "GET":
        return render(request, "app/token_revoke.html", {"token": token})
    api_token_revoke(token=token, actor=request.user, request=request)  # type: ignore[arg-type]
    messages.success(request, f"Token '{token.name}' revoked: it no longer works.")
    return redirect("api_tokens")


@staff_member_required
def staff_index(request: HttpRequest) -> HttpResponse:
    return render(request, "app/staff/index.html")


@staff_member_required
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None, object_types=selectors.audit_object_types())
    records = selectors.audit_records(form.to_filter())
    page = Paginator(records, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "app/staff/audit.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@staff_member_required
def creator_groups(request: HttpRequest) -> HttpResponse:
    groups = selectors.creator_groups().prefetch_related("user_set")
    return render(
        request,
        "app/staff/groups.html",
        {"groups": [(group, GroupMemberForm(prefix=str(group.pk))) for group in groups]},
    )


@staff_member_required
@require_POST
def creator_group_add(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_object_or_404(selectors.creator_groups(), pk=pk)
    form = GroupMemberForm(request.POST, prefix=str(group.pk))
    if form.is_valid():
        user = form.cleaned_data["username"]
        add_creator(group=group, user=user, actor=request.user, request=request)
        messages.success(request, f"{user.username} added to {group.name}.")
    else:
        messages.error(request, " ".join(str(e) for e in form.errors.get("username", [])))
    return redirect("staff:groups")


@staff_member_required
@require_POST
def creator_group_remove(request: HttpRequest, pk: int, user_pk: int) -> HttpResponse:
    group = get_object_or_404(selectors.creator_groups(), pk=pk)
    user = get_object_or_404(group.user_set.all(), pk=user_pk)
    remove_creator(group=group, user=user, actor=request.user, request=request)
    messages.success(request, f"{user.username} removed from {group.name}.")
    return redirect("staff:groups")
