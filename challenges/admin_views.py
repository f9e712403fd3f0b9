"""Pages for a challenge's admins: settings, phases with every leaderboard setting,
evaluation method and ground-truth uploads, evaluations (re-run, publish), registration
requests with their answers, participants, pages and registration questions. Everything
is 404 to non-admins, as the admin API is to them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from app.http import request_user
from app.permissions import role_group, visible_to
from archives.models import Archive
from challenges import selectors, services
from challenges.forms import (
    ChallengeForm,
    ChallengeMemberForm,
    PageForm,
    PhaseForm,
    QuestionForm,
    VersionUploadForm,
    add_service_errors,
)
from challenges.models import (
    Challenge,
    ChallengePage,
    Evaluation,
    EvaluationGroundTruth,
    Method,
    Phase,
    RegistrationQuestion,
    RegistrationRequest,
    Submission,
)
from challenges.site_views import posted, site_context, visible_challenge
from uploads.selectors import completed_uploads_for


def administered_challenge(request: HttpRequest, slug: str) -> Challenge:
    challenge = visible_challenge(request, slug)
    if not selectors.is_admin(request.user, challenge):
        raise Http404("No challenge matches the given query.")
    return challenge


def _phase(challenge: Challenge, phase_slug: str) -> Phase:
    return get_object_or_404(Phase, challenge=challenge, slug=phase_slug)


def _render(
    request: HttpRequest, template: str, challenge: Challenge, tab: str, **extra: object
) -> HttpResponse:
    context = site_context(request, challenge, tab)
    context.update(extra)
    return render(request, f"challenges/admin/{template}", context)


@login_required
def settings(request: HttpRequest, slug: str) -> HttpResponse:
    challenge = administered_challenge(request, slug)
    form = ChallengeForm(*posted(request), instance=challenge)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        for image in ("logo", "banner"):
            # an empty file input keeps the image; the clear box sends False
            if fields.get(image) is None:
                fields.pop(image)
            elif fields[image] is False:
                fields[image] = ""
        try:
            services.challenge_update(
                challenge=Challenge.objects.get(pk=challenge.pk),
                actor=request_user(request),
                fields=fields,
                request=request,
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, "Challenge saved.")
            return redirect("challenges:settings", slug=slug)
    return _render(request, "settings.html", challenge, "admin", form=form)


def _archives_for(request: HttpRequest, phase: Phase | None):  # type: ignore[no-untyped-def]
    """Archives the admin edits, plus the phase's own (another admin may have set it)."""
    editable = visible_to(request.user, Archive.objects.all(), "change_archive").values("pk")
    current = Q(pk=phase.archive_id) if phase and phase.archive_id else Q(pk__in=[])
    return Archive.objects.filter(Q(pk__in=editable) | current)


def _phase_form(request: HttpRequest, challenge: Challenge, phase: Phase | None) -> HttpResponse:
    form = PhaseForm(
        posted(request)[0],
        # a copy: the form writes posted values into its instance, the page shows the saved one
        instance=Phase.objects.get(pk=phase.pk) if phase else None,
        challenge=challenge,
        archives=_archives_for(request, phase),
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.phase_save(
                challenge=challenge,
                actor=request_user(request),
                phase=Phase.objects.get(pk=phase.pk) if phase else None,
                fields=form.phase_fields(),
                algorithm_interfaces=list(form.cleaned_data["algorithm_interfaces"]),
                request=request,
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, f"Phase {saved.title} saved.")
            return redirect("challenges:phase-settings", slug=challenge.slug, phase_slug=saved.slug)
    return _render(
        request,
        "phase_form.html",
        challenge,
        "admin",
        form=form,
        phase=phase,
        method=selectors.active_method(phase) if phase else None,
        ground_truth=selectors.active_ground_truth(phase) if phase else None,
    )


@login_required
def phase_create(request: HttpRequest, slug: str) -> HttpResponse:
    return _phase_form(request, administered_challenge(request, slug), None)


@login_required
def phase_settings(request: HttpRequest, slug: str, phase_slug: str) -> HttpResponse:
    challenge = administered_challenge(request, slug)
    return _phase_form(request, challenge, _phase(challenge, phase_slug))


def _versions(request: HttpRequest, slug: str, phase_slug: str, *, kind: str) -> HttpResponse:
    """Evaluation methods (kind "methods") or ground truths: the versions and an upload."""
    challenge = administered_challenge(request, slug)
    phase = _phase(challenge, phase_slug)
    versions = phase.methods.all() if kind == "methods" else phase.ground_truths.all()
    if request.POST.get("activate"):
        try:
            version = get_object_or_404(versions, pk=request.POST["activate"])
            assert isinstance(version, Method | EvaluationGroundTruth)
            services.version_activate(
                version=version,
                actor=request_user(request),
                request=request,
            )
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
        else:
            messages.success(request, "That version is now the active one.")
        return redirect(f"challenges:{kind}", slug=slug, phase_slug=phase_slug)
    form = VersionUploadForm(posted(request)[0])
    if request.method == "POST" and form.is_valid():
        create = services.method_create if kind == "methods" else services.ground_truth_create
        try:
            [upload] = completed_uploads_for(
                user=request.user, api_urls_or_pks=form.cleaned_data["user_upload"]
            )
            create(
                phase=phase,
                creator=request_user(request),
                user_upload=upload,
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, "Uploaded; it is being checked. Reload to see the result.")
            return redirect(f"challenges:{kind}", slug=slug, phase_slug=phase_slug)
    return _render(
        request,
        "versions.html",
        challenge,
        "admin",
        phase=phase,
        form=form,
        kind=kind,
        versions=versions.select_related("creator"),
    )


@login_required
def methods(request: HttpRequest, slug: str, phase_slug: str) -> HttpResponse:
    return _versions(request, slug, phase_slug, kind="methods")


@login_required
def ground_truths(request: HttpRequest, slug: str, phase_slug: str) -> HttpResponse:
    return _versions(request, slug, phase_slug, kind="ground-truths")


@login_required
def evaluations(request: HttpRequest, slug: str) -> HttpResponse:
    challenge = administered_challenge(request, slug)
    rows = (
        Evaluation.objects.filter(submission__phase__challenge=challenge)
        .select_related("submission__phase", "submission__creator", "submission__team", "method")
        .order_by("-created")[:500]
    )
    return _render(request, "evaluations.html", challenge, "admin", evaluations=rows)


@login_required
@require_POST
def evaluation_rerun(request: HttpRequest, slug: str, pk: str) -> HttpResponse:
    challenge = administered_challenge(request, slug)
    submission = get_object_or_404(Submission, phase__challenge=challenge, pk=pk)
    try:
        services.evaluation_rerun(
            submission=submission, actor=request_user(request), request=request
        )
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, "A new evaluation is queued.")
    return redirect("challenges:evaluations", slug=slug)


@login_required
@require_POST
def evaluation_publish(request: HttpRequest, slug: str, pk: str) -> HttpResponse:
    challenge = administered_challenge(request, slug)
    evaluation = get_object_or_404(Evaluation, submission__phase__challenge=challenge, pk=pk)
    published = request.POST.get("published") == "true"
    services.evaluation_publish(
        evaluation=evaluation, published=published, actor=request_user(request), request=request
    )
    messages.success(request, "Published." if published else "Unpublished.")
    return redirect("challenges:evaluations", slug=slug)


@login_required
def registration_requests(request: HttpRequest, slug: str) -> HttpResponse:
    challenge = administered_challenge(request, slug)
    if request.method == "POST":
        registration = get_object_or_404(
            RegistrationRequest, challenge=challenge, pk=request.POST.get("pk") or 0
        )
        accept = request.POST.get("decision") == "accept"
        services.registration_request_decide(
            registration=registration, accept=accept, actor=request_user(request), request=request
        )
        verb = "accepted" if accept else "rejected"
        messages.success(request, f"{registration.user.username} {verb}.")
        return redirect("challenges:registration-requests", slug=slug)
    rows = challenge.registration_requests.select_related("user").prefetch_related(
        "answers__question"
    )
    return _render(request, "registration_requests.html", challenge, "admin", requests=rows)


@login_required
def participants(request: HttpRequest, slug: str) -> HttpResponse:
    """Participants (removed here; they join by registering), admins and external
    evaluators (added by user name, removed here)."""
    challenge = administered_challenge(request, slug)
    form = ChallengeMemberForm(request.POST if request.POST.get("action") == "add" else None)
    actor = request_user(request)
    if request.method == "POST" and request.POST.get("action") == "add":
        if form.is_valid():
            try:
                added = services.challenge_member_add(
                    challenge=challenge, actor=actor, request=request, **form.cleaned_data
                )
            except ValidationError as e:
                add_service_errors(form, e)
            else:
                role = services.GRANTED_ROLES[form.cleaned_data["role"]]
                messages.success(request, f"{added.username} is now an {role}.")
                return redirect("challenges:participants", slug=slug)
    elif request.method == "POST":
        user = get_object_or_404(User, pk=request.POST.get("user") or 0)
        role = request.POST.get("role") or "participants"
        try:
            if role == "participants":
                services.participant_remove(
                    challenge=challenge, user=user, actor=actor, request=request
                )
            else:
                services.challenge_member_remove(
                    challenge=challenge, role=role, user=user, actor=actor, request=request
                )
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
        else:
            messages.success(request, f"{user.username} removed.")
        return redirect("challenges:participants", slug=slug)
    return _render(
        request,
        "participants.html",
        challenge,
        "admin",
        form=form,
        participants=role_group(challenge, "participants").user_set.order_by("username"),
        admins=role_group(challenge, "admins").user_set.order_by("username"),
        evaluators=role_group(challenge, "external_evaluators").user_set.order_by("username"),
    )


@login_required
def pages(request: HttpRequest, slug: str) -> HttpResponse:
    challenge = administered_challenge(request, slug)
    if request.method == "POST":
        page = get_object_or_404(ChallengePage, challenge=challenge, pk=request.POST.get("pk") or 0)
        actor = request_user(request)
        if request.POST.get("action") == "delete":
            services.page_delete(page=page, actor=actor, request=request)
            messages.success(request, f"Page {page.display_title} deleted.")
        else:
            services.page_move(page=page, actor=actor, up=request.POST.get("action") == "up")
        return redirect("challenges:pages", slug=slug)
    return _render(request, "pages.html", challenge, "admin", all_pages=challenge.pages.all())


@login_required
def page_edit(request: HttpRequest, slug: str, page_slug: str = "") -> HttpResponse:
    challenge = administered_challenge(request, slug)
    page = (
        get_object_or_404(ChallengePage, challenge=challenge, slug=page_slug) if page_slug else None
    )
    form = PageForm(posted(request)[0], instance=page)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.page_save(
                challenge=challenge,
                actor=request_user(request),
                page=ChallengePage.objects.get(pk=page.pk) if page else None,
                fields=form.cleaned_data,
                request=request,
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, f"Page {saved.display_title} saved.")
            return redirect("challenges:page", slug=slug, page_slug=saved.slug)
    return _render(request, "page_form.html", challenge, "admin", form=form, page=page)


@login_required
def questions(request: HttpRequest, slug: str) -> HttpResponse:
    challenge = administered_challenge(request, slug)
    form = QuestionForm(request.POST if request.POST.get("action") == "add" else None)
    if request.method == "POST" and request.POST.get("action") == "delete":
        question = get_object_or_404(
            RegistrationQuestion, challenge=challenge, pk=request.POST.get("pk") or 0
        )
        services.registration_question_delete(question=question, actor=request_user(request))
        messages.success(request, "Question deleted.")
        return redirect("challenges:questions", slug=slug)
    if request.method == "POST" and form.is_valid():
        try:
            services.registration_question_create(
                challenge=challenge, actor=request_user(request), **form.cleaned_data
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, "Question added.")
            return redirect("challenges:questions", slug=slug)
    return _render(
        request,
        "questions.html",
        challenge,
        "admin",
        form=form,
        questions=challenge.registration_questions.all(),
    )
