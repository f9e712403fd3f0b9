"""Algorithm pages: list, create, see, edit, members and images. Thin: work is in services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from algorithms import selectors, services
from algorithms.forms import AlgorithmForm, AlgorithmImageForm, MemberForm
from algorithms.images.services import (
    algorithm_image_activate,
    algorithm_image_create,
    max_image_bytes,
)
from algorithms.models import Algorithm, AlgorithmImage
from app import access_request_views
from app.access_requests import pending_request_of, requests_for
from app.http import request_user
from app.listing import Choice, Listing, Sort, list_page
from app.models import AccessRequest
from app.permissions import may_create, require_creator
from hanging_protocols.views import viewer_settings_page
from uploads.selectors import completed_uploads_for


def _editable_or_404(request: HttpRequest, slug: str) -> Algorithm:
    algorithm = get_object_or_404(selectors.algorithms_for(user=request.user), slug=slug)
    if not selectors.is_editor(user=request.user, algorithm=algorithm):
        raise Http404("No algorithm matches the given query.")
    return algorithm


def _form_errors(form: AlgorithmForm, error: ValidationError) -> None:
    for field, problems in error.message_dict.items():
        target = field if field in form.fields else None
        for problem in problems:
            form.add_error(target, problem)


ALGORITHM_SORTS = (
    Sort("title", "Title", ("title",)),
    Sort("-created", "Newest first", ("-created",)),
    Sort("-modified", "Recently changed", ("-modified",)),
)


@login_required
def algorithm_list(request: HttpRequest) -> HttpResponse:
    listing = Listing(
        noun="algorithms",
        sorts=ALGORITHM_SORTS,
        search_fields=("title", "description"),
        search_label="Title or description contains",
        filters=(
            Choice(
                "gpu",
                "GPU",
                [("yes", "Needs a GPU"), ("no", "CPU only")],
                lambda v: Q(requires_gpu=v == "yes"),
            ),
            Choice(
                "public",
                "Visibility",
                [("yes", "Public"), ("no", "Members only")],
                lambda v: Q(public=v == "yes"),
            ),
        ),
    )
    algorithms = list_page(
        params=request.GET,
        queryset=selectors.algorithms_for(user=request.user),
        listing=listing,
    )
    return render(
        request,
        "algorithms/algorithm_list.html",
        {"list": algorithms, "may_create": may_create(request.user, Algorithm)},
    )


@login_required
def algorithm_create(request: HttpRequest) -> HttpResponse:
    require_creator(request.user, Algorithm)
    form = AlgorithmForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k not in ("inputs", "outputs")}
        logo = fields.pop("logo", None) or None
        try:
            algorithm = services.algorithm_create(
                creator=request_user(request),
                interfaces=form.interfaces(),
                logo=logo,
                request=request,
                **fields,
            )
        except ValidationError as e:
            _form_errors(form, e)
        else:
            messages.success(request, f"Algorithm {algorithm.title} created.")
            return redirect("algorithms:detail", slug=algorithm.slug)
    return render(request, "algorithms/algorithm_form.html", {"form": form, "creating": True})


@login_required
def algorithm_detail(request: HttpRequest, slug: str) -> HttpResponse:
    algorithm = get_object_or_404(selectors.algorithms_for(user=request.user), slug=slug)
    is_editor = selectors.is_editor(user=request.user, algorithm=algorithm)
    return render(
        request,
        "algorithms/algorithm_detail.html",
        {
            "algorithm": algorithm,
            "is_editor": is_editor,
            "may_run": selectors.may_run(user=request.user, algorithm=algorithm),
            "pending_request": pending_request_of(user=request.user, obj=algorithm),
            "open_requests": requests_for(algorithm)
            .filter(status=AccessRequest.Status.PENDING)
            .count()
            if is_editor
            else 0,
        },
    )


@login_required
def algorithm_request_access(request: HttpRequest, slug: str) -> HttpResponse:
    algorithm = get_object_or_404(selectors.algorithms_for(user=request.user), slug=slug)
    if selectors.may_run(user=request.user, algorithm=algorithm):
        messages.info(request, f"You may already run {algorithm.title}.")
        return redirect("algorithms:detail", slug=algorithm.slug)
    return access_request_views.request_page(
        request,
        target=algorithm,
        role="users",
        what=f"use of the algorithm “{algorithm.title}”",
        back=reverse("algorithms:detail", kwargs={"slug": algorithm.slug}),
    )


@login_required
def algorithm_requests(request: HttpRequest, slug: str) -> HttpResponse:
    algorithm = _editable_or_404(request, slug)
    return access_request_views.requests_page(
        request,
        target=algorithm,
        title=f"Access requests for {algorithm.title}",
        back=reverse("algorithms:detail", kwargs={"slug": algorithm.slug}),
    )


@login_required
@require_http_methods(["GET", "POST"])
def algorithm_viewer_settings(request: HttpRequest, slug: str) -> HttpResponse:
    """How the viewer lays out this algorithm's jobs (inputs and outputs)."""
    algorithm = _editable_or_404(request, slug)
    return viewer_settings_page(
        request,
        obj=algorithm,
        back_url=reverse("algorithms:detail", args=[algorithm.slug]),
        heading=algorithm.title,
    )


@login_required
def algorithm_update(request: HttpRequest, slug: str) -> HttpResponse:
    algorithm = _editable_or_404(request, slug)
    interface = algorithm.interfaces.first()
    initial = (
        {
            "inputs": list(interface.inputs.values_list("slug", flat=True)),
            "outputs": list(interface.outputs.values_list("slug", flat=True)),
        }
        if interface
        else {}
    )
    form = AlgorithmForm(
        request.POST or None, request.FILES or None, instance=algorithm, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k not in ("inputs", "outputs")}
        if not fields.get("logo"):
            fields.pop("logo", None)
        try:
            algorithm = services.algorithm_update(
                algorithm=Algorithm.objects.get(pk=algorithm.pk),
                actor=request_user(request),
                interfaces=form.interfaces() if algorithm.interfaces.count() <= 1 else None,
                request=request,
                **fields,
            )
        except ValidationError as e:
            _form_errors(form, e)
        else:
            messages.success(request, "Algorithm saved.")
            return redirect("algorithms:detail", slug=algorithm.slug)
    return render(
        request,
        "algorithms/algorithm_form.html",
        {"form": form, "algorithm": algorithm, "creating": False},
    )


@login_required
def algorithm_members(request: HttpRequest, slug: str) -> HttpResponse:
    algorithm = _editable_or_404(request, slug)
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            added = services.algorithm_member_add(
                algorithm=algorithm,
                role=form.cleaned_data["role"],
                username=form.cleaned_data["username"],
                actor=request.user,
                request=request,
            )
        except ValidationError as e:
            for problem in e.message_dict.get("username", e.messages):
                form.add_error("username", problem)
        else:
            messages.success(request, f"{added.username} added.")
            return redirect("algorithms:members", slug=slug)
    return render(
        request,
        "algorithms/algorithm_members.html",
        {
            "algorithm": algorithm,
            "form": form,
            "editors": algorithm.editors_group.user_set.order_by("username"),  # type: ignore[union-attr]
            "users": algorithm.users_group.user_set.order_by("username"),  # type: ignore[union-attr]
        },
    )


@login_required
@require_POST
def algorithm_member_remove(request: HttpRequest, slug: str) -> HttpResponse:
    algorithm = _editable_or_404(request, slug)
    user = get_object_or_404(User, username=request.POST.get("username", ""))
    try:
        services.algorithm_member_remove(
            algorithm=algorithm,
            role=request.POST.get("role", ""),
            user=user,
            actor=request.user,
            request=request,
        )
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, f"{user.username} removed.")
    return redirect("algorithms:members", slug=slug)


@login_required
def image_list(request: HttpRequest, slug: str) -> HttpResponse:
    algorithm = _editable_or_404(request, slug)
    form = AlgorithmImageForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            (upload,) = completed_uploads_for(
                user=request.user, api_urls_or_pks=form.cleaned_data["user_upload"]
            )
            algorithm_image_create(
                algorithm=algorithm,
                creator=request_user(request),
                user_upload=upload,
                comment=form.cleaned_data["comment"],
                request=request,
            )
        except ValidationError as e:
            form.add_error(None, e.messages)
        else:
            messages.success(request, "Image uploaded; it is being checked.")
            return redirect("algorithms:images", slug=algorithm.slug)
    return render(
        request,
        "algorithms/image_list.html",
        {
            "form": form,
            "algorithm": algorithm,
            "images": algorithm.images.select_related("creator"),
            "max_bytes": max_image_bytes(),
        },
    )


@login_required
def image_detail(request: HttpRequest, slug: str, pk: str) -> HttpResponse:
    algorithm = _editable_or_404(request, slug)
    image = get_object_or_404(AlgorithmImage, algorithm=algorithm, pk=pk)
    return render(request, "algorithms/image_detail.html", {"algorithm": algorithm, "image": image})


@login_required
@require_POST
def image_activate(request: HttpRequest, slug: str, pk: str) -> HttpResponse:
    algorithm = _editable_or_404(request, slug)
    image = get_object_or_404(AlgorithmImage, algorithm=algorithm, pk=pk)
    try:
        algorithm_image_activate(image=image, actor=request_user(request), request=request)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, "That image is now the active one.")
    return redirect("algorithms:images", slug=slug)
