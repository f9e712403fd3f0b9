"""Pages and permission-checked file URLs for images and upload sessions."""

from django.contrib.auth.decorators import login_required
from django.db.models import F, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET
from rest_framework.request import Request

from app.file_urls import file_url_view
from app.listing import Choice, Listing, Sort, list_page
from cases import selectors, services, viewing
from cases.crumbs import image_crumbs, target_crumbs
from cases.models import Image, RawImageUploadSession


def _redirect(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "no-store"  # the signed URL must not outlive its check
    return response


@file_url_view  # anonymous users get the same 404 as outsiders below
def image_file(request: Request, pk: str, file_pk: str, ext: str) -> HttpResponse:
    """Check the user may see the image, record the download, redirect to a signed URL."""
    image_file = (
        selectors.image_files_visible_to(request.user).filter(pk=file_pk, image_id=pk).first()
    )
    if image_file is None or image_file.extension != ext.lower():
        raise Http404("No such image file")
    url = services.image_file_download_url(
        image_file=image_file,
        user=request.user,  # type: ignore[arg-type]
        request=request._request,
    )
    return _redirect(url)


@file_url_view
def image_thumbnail(request: Request, pk: str) -> HttpResponse:
    image = selectors.images_visible_to(request.user).filter(pk=pk).first()
    if image is None or not image.thumbnail:
        raise Http404("No such thumbnail")
    return _redirect(services.image_thumbnail_url(key=image.thumbnail))


IMAGE_SORTS = (
    Sort("-created", "Newest first", ("-created",)),
    Sort("created", "Oldest first", ("created",)),
    Sort("name", "Name", ("name",)),
    Sort(
        "-size",
        "Most slices first",
        (F("depth").desc(nulls_last=True), F("height").desc()),
    ),
)


@login_required
@require_GET
def image_list(request: HttpRequest) -> HttpResponse:
    """The images the user may see: search by name, filter by modality, kind and date."""
    modalities = selectors.image_modalities_visible_to(request.user)
    listing = Listing(
        noun="images",
        sorts=IMAGE_SORTS,
        search_fields=("name",),
        search_label="Name contains",
        filters=(
            Choice("modality", "Modality", [(m, m) for m in modalities], "modality"),
            Choice(
                "kind",
                "Kind",
                [("image", "Images"), ("label-map", "Label maps (masks)")],
                lambda v: Q(segments__isnull=v == "image"),
            ),
        ),
    )
    images = list_page(
        params=request.GET, queryset=selectors.images_visible_to(request.user), listing=listing
    )
    return render(request, "cases/image_list.html", {"list": images})


@require_GET
def image_detail(request: HttpRequest, pk: str) -> HttpResponse:
    image = get_object_or_404(
        selectors.images_visible_to(request.user)
        .select_related("origin")
        .prefetch_related("files"),
        pk=pk,
    )
    files = list(image.files.all())
    report = image.origin.deidentification_report if image.origin else {}
    return render(
        request,
        "cases/image_detail.html",
        {
            "image": image,
            "files": [
                (f, reverse("cases:image-file", args=[image.pk, f.pk, f.extension])) for f in files
            ],
            "viewer": viewing.viewer_config(image=image),
            "crumbs": image_crumbs(
                user=request.user, image=image, hint=request.GET.get("from", "")
            ),
            "deidentification": sorted(report.items()),
            "from_dicom": bool(image.series_key),
        },
    )


SESSION_SORTS = (
    Sort("-created", "Newest first", ("-created",)),
    Sort("created", "Oldest first", ("created",)),
    Sort("status", "Status", ("status", "-created")),
)


@login_required
@require_GET
def upload_session_list(request: HttpRequest) -> HttpResponse:
    """The user's imports: status, the images they gave (with thumbnails), errors."""
    listing = Listing(
        noun="imports",
        sorts=SESSION_SORTS,
        search_fields=("image__name",),
        search_label="Image name contains",
        filters=(Choice("status", "Status", RawImageUploadSession.Status.choices, "status"),),
    )
    sessions = list_page(
        params=request.GET,
        queryset=selectors.upload_sessions_listed_for(request.user),
        listing=listing,
    )
    return render(request, "cases/upload_session_list.html", {"list": sessions})


@login_required
@require_GET
def upload_session_detail(request: HttpRequest, pk: str) -> HttpResponse:
    session = get_object_or_404(selectors.upload_sessions_of(request.user), pk=pk)
    return render(
        request,
        "cases/upload_session_detail.html",
        {
            "session": session,
            "status_url": reverse("cases:upload-session-status", args=[pk]),
            "crumbs": target_crumbs(user=request.user, target=session.target),
        },
    )


@login_required
@require_GET
def upload_session_status(request: HttpRequest, pk: str) -> JsonResponse:
    """What the session page polls: status, per-file errors and the images built."""
    session = get_object_or_404(selectors.upload_sessions_of(request.user), pk=pk)
    images = Image.objects.filter(origin=session).order_by("created", "pk")
    return JsonResponse(
        {
            "status": session.status,
            "finished": session.is_finished,
            "error_message": session.error_message,
            "file_errors": session.file_errors,
            "uploads": list(session.user_uploads.values_list("filename", flat=True)),
            "images": [
                {"name": i.name, "url": reverse("cases:image", args=[i.pk])} for i in images
            ],
        }
    )
