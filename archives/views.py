"""Archive pages: list, create, see items, add cases by browser upload, manage members."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from rest_framework.request import Request

from app import access_request_views
from app.access_requests import pending_request_of, requests_for
from app.file_urls import file_url_view
from app.listing import Choice, Listing, Sort, list_page
from app.models import AccessRequest, AuditRecord
from app.permissions import may_create, require_creator
from app.services import audit_record
from app.storage import signed_url
from archives import selectors, services
from archives.forms import ArchiveAccessForm, ArchiveForm, MemberForm
from archives.models import Archive
from cases.viewing import with_ids
from components.forms import ImageCasesForm
from components.selectors import annotation_sockets
from components.viewing import viewer_configs
from hanging_protocols.viewing import viewport_layout
from hanging_protocols.views import viewer_settings_page
from uploads.selectors import completed_uploads_for

ITEMS_PER_PAGE = 24
ARCHIVE_SORTS = (
    Sort("title", "Title", ("title",)),
    Sort("-created", "Newest first", ("-created",)),
    Sort("-items", "Most items first", ("-item_count",)),
)
ITEM_SORTS = (
    Sort("-created", "Newest first", ("-created",)),
    Sort("created", "Oldest first", ("created",)),
    Sort("title", "Title", ("title",)),
)


def _archive(request: HttpRequest | Request, slug: str) -> Archive:
    return get_object_or_404(selectors.archives_visible_to(request.user), slug=slug)


@require_GET
def archive_list(request: HttpRequest) -> HttpResponse:
    listing = Listing(
        noun="archives",
        sorts=ARCHIVE_SORTS,
        search_fields=("title", "description"),
        search_label="Title or description contains",
    )
    archives = list_page(
        params=request.GET, queryset=selectors.archive_list_for(request.user), listing=listing
    )
    return render(
        request,
        "archives/archive_list.html",
        {"list": archives, "may_create": may_create(request.user, Archive)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def archive_create(request: HttpRequest) -> HttpResponse:
    require_creator(request.user, Archive)
    form = ArchiveForm(request.POST, request.FILES) if request.method == "POST" else ArchiveForm()
    if request.method == "POST" and form.is_valid():
        try:
            archive = services.archive_create(
                creator=request.user,  # type: ignore[arg-type]
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                logo=form.cleaned_data.get("logo"),
                public=form.cleaned_data["public"],
                request=request,
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, f"Archive “{archive.title}” created.")
            return redirect(archive)
    return render(request, "archives/archive_form.html", {"form": form})


@require_GET
def archive_detail(request: HttpRequest, slug: str) -> HttpResponse:
    archive = get_object_or_404(selectors.archives_listed_for(request.user), slug=slug)
    if not selectors.is_member(request.user, archive):  # a public archive: ask to join
        return render(
            request,
            "archives/archive_detail.html",
            {
                "archive": archive,
                "is_member": False,
                "pending_request": pending_request_of(user=request.user, obj=archive),
            },
        )
    listing = Listing(
        noun="items",
        sorts=ITEM_SORTS,
        search_fields=("title", "values__image__name"),
        search_label="Item or image name contains",
        filters=(
            Choice("socket", "Socket", selectors.sockets_in(archive), "values__interface__slug"),
        ),
        per_page=ITEMS_PER_PAGE,
    )
    items = list_page(params=request.GET, queryset=selectors.items_of(archive), listing=listing)
    rows = []
    for item in items.rows:
        values = list(item.values.all())
        image = next((v.image for v in values if v.image_id), None)
        rows.append({"item": item, "image": image, "values": values})
    return render(
        request,
        "archives/archive_detail.html",
        {
            "archive": archive,
            "list": items,
            "is_member": True,
            "rows": rows,
            "may_upload": selectors.may_upload(request.user, archive),
            "may_edit": selectors.may_edit(request.user, archive),
            "open_requests": requests_for(archive)
            .filter(status=AccessRequest.Status.PENDING)
            .count(),
        },
    )


@require_GET
def archive_logo(request: HttpRequest, slug: str) -> HttpResponse:
    archive = _archive(request, slug)
    if not archive.logo:
        raise Http404("No logo")
    return HttpResponseRedirect(signed_url(bucket="public", key=archive.logo.name))


@login_required
@require_http_methods(["GET", "POST"])
def archive_add_cases(request: HttpRequest, slug: str) -> HttpResponse:
    archive = _archive(request, slug)
    if not selectors.may_upload(request.user, archive):
        raise PermissionDenied("You may not add cases to this archive.")
    form = ImageCasesForm(
        request.POST if request.method == "POST" else None,
        case_noun="item",
        default_socket=selectors.default_image_socket_slug(archive),
    )
    if request.method == "POST" and form.is_valid():
        try:
            uploads = completed_uploads_for(
                user=request.user, api_urls_or_pks=form.cleaned_data["user_uploads"]
            )
            session = services.archive_cases_add(
                archive=archive,
                creator=request.user,  # type: ignore[arg-type]
                uploads=uploads,
                interface=form.cleaned_data["interface"],
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            return redirect("cases:upload-session", pk=session.pk)
    return render(
        request,
        "archives/add_cases.html",
        {"archive": archive, "form": form},
    )


@require_GET
def item_detail(request: HttpRequest, slug: str, pk: str) -> HttpResponse:
    archive = _archive(request, slug)
    item = get_object_or_404(selectors.items_of(archive), pk=pk)
    values = list(item.values.select_related("interface", "image").prefetch_related("image__files"))
    layout = viewport_layout(settings=archive, values=values)
    viewers = [] if layout else with_ids(viewer_configs(main=values), "viewer")
    # Whoever may change the item may draw annotations and save them as its values.
    annotating = None
    if (viewers or (layout and layout["has_viewers"])) and selectors.may_upload(
        request.user, archive
    ):
        annotating = {
            "api_url": reverse("api:archive-item-detail", args=[item.pk]),
            "sockets": [
                {"slug": s.slug, "title": s.title, "kind": s.kind} for s in annotation_sockets()
            ],
        }
    return render(
        request,
        "archives/item_detail.html",
        {
            "archive": archive,
            "item": item,
            "values": values,
            "viewers": viewers,
            "layout": layout,
            "annotating": annotating,
        },
    )


@file_url_view  # the API's `file` of an item value: Bearer token or session
def item_value_file(request: Request, slug: str, pk: str, value_pk: int) -> HttpResponse:
    """A file value of an item: check, record the download, redirect to a signed URL."""
    archive = _archive(request, slug)
    item = get_object_or_404(archive.items, pk=pk)
    civ = get_object_or_404(item.values, pk=value_pk)
    if not civ.file:
        raise Http404("This value has no file")
    audit_record(
        action=AuditRecord.Action.DOWNLOAD,
        actor=request.user,
        obj=civ,
        request=request._request,
        detail={"archive_item": str(item.pk)},
    )
    filename = civ.file.name.rsplit("/", 1)[-1]
    response = HttpResponseRedirect(
        signed_url(bucket="protected", key=civ.file.name, filename=filename)
    )
    response["Cache-Control"] = "no-store"  # the signed URL must not outlive its check
    return response


@login_required
@require_http_methods(["GET", "POST"])
def archive_viewer_settings(request: HttpRequest, slug: str) -> HttpResponse:
    archive = _archive(request, slug)
    if not selectors.may_edit(request.user, archive):
        raise PermissionDenied("Only editors change the viewer settings of an archive.")
    return viewer_settings_page(
        request, obj=archive, back_url=archive.get_absolute_url(), heading=archive.title
    )


@login_required
@require_http_methods(["GET", "POST"])
def archive_members(request: HttpRequest, slug: str) -> HttpResponse:
    archive = _archive(request, slug)
    if not selectors.may_edit(request.user, archive):
        raise PermissionDenied("Only editors manage the members of an archive.")
    actor = request.user
    assert isinstance(actor, User)
    form = MemberForm(request.POST or None) if request.POST.get("action") == "add" else MemberForm()
    if request.method == "POST":
        try:
            if request.POST.get("action") == "add":
                if form.is_valid():
                    services.archive_member_add(
                        archive=archive,
                        role=form.cleaned_data["role"],
                        user=form.cleaned_data["username"],
                        actor=actor,
                        request=request,
                    )
                    messages.success(request, "Member added.")
                    return redirect("archives:members", slug=slug)
            elif request.POST.get("action") == "remove":
                member = get_object_or_404(User, pk=request.POST.get("user"))
                services.archive_member_remove(
                    archive=archive,
                    role=request.POST.get("role", ""),
                    user=member,
                    actor=actor,
                    request=request,
                )
                messages.success(request, f"{member.username} removed.")
                return redirect("archives:members", slug=slug)
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
            return redirect("archives:members", slug=slug)
    return render(
        request,
        "archives/members.html",
        {"archive": archive, "members": selectors.members_of(archive), "form": form},
    )


@login_required
def archive_request_access(request: HttpRequest, slug: str) -> HttpResponse:
    archive = get_object_or_404(selectors.archives_listed_for(request.user), slug=slug)
    back = archive.get_absolute_url()
    if selectors.is_member(request.user, archive):
        messages.info(request, f"You already see the archive “{archive.title}”.")
        return redirect(back)
    return access_request_views.request_page(
        request,
        target=archive,
        role="users",
        what=f"access to the archive “{archive.title}”",
        back=back,
    )


@login_required
@require_http_methods(["GET", "POST"])
def archive_requests(request: HttpRequest, slug: str) -> HttpResponse:
    """Requests to view the archive, for its editors, with its public flag and the policy
    for answering them."""
    archive = _archive(request, slug)
    if not selectors.may_edit(request.user, archive):
        raise PermissionDenied("Only editors answer requests to view an archive.")
    initial = {
        "public": archive.public,
        "access_request_handling": archive.access_request_handling,
    }
    form = ArchiveAccessForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.archive_access_update(
            archive=archive,
            public=form.cleaned_data["public"],
            access_request_handling=form.cleaned_data["access_request_handling"],
            actor=request.user,  # type: ignore[arg-type]
            request=request,
        )
        messages.success(request, "Access settings saved.")
        return redirect("archives:requests", slug=slug)
    return access_request_views.requests_page(
        request,
        target=archive,
        title=f"Access requests for {archive.title}",
        back=archive.get_absolute_url(),
        settings_form=form,
    )
