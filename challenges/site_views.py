"""The challenge site a participant uses: list, overview, pages, phases, joining,
submitting and one's own submissions. Thin: reads through `selectors` (a page shows no
more than the API would), writes through `services`."""

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from algorithms.models import AlgorithmImage
from algorithms.selectors import images_for
from app.http import request_user
from app.permissions import may_create, require_creator
from challenges import selectors, services
from challenges.forms import (
    AlgorithmSubmitForm,
    ChallengeForm,
    PredictionsSubmitForm,
    RegistrationForm,
    add_service_errors,
)
from challenges.models import Challenge, Evaluation, Phase, RegistrationRequest, Submission
from uploads.selectors import completed_uploads_for


def posted(request: HttpRequest) -> tuple[Any, Any]:
    """A form's data and files on POST (bound even when empty: a Join with no questions),
    None on GET."""
    return (request.POST, request.FILES) if request.method == "POST" else (None, None)


def visible_challenge(request: HttpRequest, slug: str) -> Challenge:
    """Hidden challenges are 404 to all but their admins and participants."""
    return get_object_or_404(selectors.challenges_visible_to(request.user), slug=slug)


def site_context(request: HttpRequest, challenge: Challenge, tab: str) -> dict[str, Any]:
    """What every tab of the site needs: roles, the readable pages, the request if any."""
    user = request.user
    registration = (
        challenge.registration_requests.filter(user_id=user.pk).first()
        if user.is_authenticated
        else None
    )
    return {
        "challenge": challenge,
        "tab": tab,
        "is_admin": selectors.is_admin(user, challenge),
        "is_participant": selectors.is_participant(user, challenge),
        "site_pages": selectors.pages_visible_to(user, challenge).filter(hidden=False),
        "registration": registration,
        "open_requests": challenge.registration_requests.filter(
            status=RegistrationRequest.Status.PENDING
        ).count()
        if selectors.is_admin(user, challenge)
        else 0,
    }


def _phase(request: HttpRequest, challenge: Challenge, phase_slug: str) -> Phase:
    return get_object_or_404(
        selectors.phases_visible_to(request.user), challenge=challenge, slug=phase_slug
    )


@require_GET
def challenge_list(request: HttpRequest) -> HttpResponse:
    challenges = selectors.challenges_visible_to(request.user).prefetch_related("phases")
    mine = set(
        selectors.challenges_visible_to(request.user)
        .filter(pk__in=selectors.challenges_taken_part_in(request.user))
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "challenges/challenge_list.html",
        {
            "challenges": challenges,
            "mine": mine,
            "may_create": may_create(request.user, Challenge),
        },
    )


@login_required
def challenge_create(request: HttpRequest) -> HttpResponse:
    require_creator(request.user, Challenge)
    form = ChallengeForm(*posted(request))
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        images = {k: fields.pop(k) for k in ("logo", "banner")}
        try:
            challenge = services.challenge_create(
                creator=request_user(request), request=request, **fields
            )
            if any(images.values()):
                services.challenge_update(
                    challenge=challenge,
                    actor=request_user(request),
                    fields={k: v for k, v in images.items() if v},
                    request=request,
                )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, f"Challenge {challenge} created. Now add a phase.")
            return redirect("challenges:phase-create", slug=challenge.slug)
    return render(request, "challenges/challenge_form.html", {"form": form, "creating": True})


@require_GET
def overview(request: HttpRequest, slug: str) -> HttpResponse:
    challenge = visible_challenge(request, slug)
    context = site_context(request, challenge, "overview")
    context["phases"] = selectors.phases_visible_to(request.user).filter(challenge=challenge)
    return render(request, "challenges/overview.html", context)


@require_GET
def page_detail(request: HttpRequest, slug: str, page_slug: str) -> HttpResponse:
    challenge = visible_challenge(request, slug)
    page = get_object_or_404(selectors.pages_visible_to(request.user, challenge), slug=page_slug)
    context = site_context(request, challenge, f"page-{page.slug}")
    context["page"] = page
    return render(request, "challenges/page_detail.html", context)


@require_GET
def phase_list(request: HttpRequest, slug: str) -> HttpResponse:
    challenge = visible_challenge(request, slug)
    phases = selectors.phases_visible_to(request.user).filter(challenge=challenge)
    context = site_context(request, challenge, "phases")
    rows = []
    for phase in phases:
        limit = (
            selectors.submission_limit(phase=phase, user=request.user)
            if context["is_participant"] or context["is_admin"]
            else None
        )
        rows.append({"phase": phase, "limit": limit})
    context["rows"] = rows
    context["combined_boards"] = selectors.combined_leaderboards_visible_to(
        challenge=challenge, user=request.user
    )
    return render(request, "challenges/phase_list.html", context)


@login_required
def register(request: HttpRequest, slug: str) -> HttpResponse:
    challenge = visible_challenge(request, slug)
    context = site_context(request, challenge, "register")
    if context["is_admin"] or context["is_participant"]:
        messages.info(request, f"You already take part in {challenge}.")
        return redirect("challenges:overview", slug=slug)
    questions = list(challenge.registration_questions.all())
    form = RegistrationForm(posted(request)[0], questions=questions)
    if request.method == "POST" and form.is_valid():
        try:
            registration = services.registration_request_create(
                challenge=challenge,
                user=request_user(request),
                answers=form.answers(),
                request=request,
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            if registration.status == RegistrationRequest.Status.ACCEPTED:
                messages.success(request, f"Welcome to {challenge}: you may submit now.")
            else:
                messages.success(
                    request, "Your request was sent; the organisers will decide on it."
                )
            return redirect("challenges:overview", slug=slug)
    context["form"] = form
    return render(request, "challenges/register.html", context)


@login_required
def submit(request: HttpRequest, slug: str, phase_slug: str) -> HttpResponse:
    challenge = visible_challenge(request, slug)
    phase = _phase(request, challenge, phase_slug)
    context = site_context(request, challenge, "submit")
    if not (context["is_admin"] or context["is_participant"]):
        messages.info(request, f"Join {challenge} before submitting.")
        return redirect("challenges:register", slug=slug)
    user = request_user(request)
    form: PredictionsSubmitForm | AlgorithmSubmitForm
    if phase.is_algorithm_phase:
        images = images_for(user=user).filter(status=AlgorithmImage.Status.VALID)
        form = AlgorithmSubmitForm(posted(request)[0], images=images)
    else:
        form = PredictionsSubmitForm(posted(request)[0])
    if request.method == "POST" and form.is_valid():
        try:
            kwargs: dict[str, Any] = {}
            if isinstance(form, AlgorithmSubmitForm):
                kwargs["algorithm_image"] = form.cleaned_data["algorithm_image"]
            else:
                [kwargs["user_upload"]] = completed_uploads_for(
                    user=user, api_urls_or_pks=form.cleaned_data["user_upload"]
                )
            submission = services.submission_create(
                phase=phase,
                creator=user,
                comment=form.cleaned_data["comment"],
                request=request,
                **kwargs,
            )
        except ValidationError as e:
            add_service_errors(form, e)
        except PermissionDenied as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, "Submitted; the evaluation is under way.")
            return redirect("challenges:submission", slug=slug, pk=submission.pk)
    context.update(
        phase=phase,
        phases=selectors.phases_visible_to(request.user).filter(challenge=challenge),
        form=form,
        limit=selectors.submission_limit(phase=phase, user=user),
        interfaces=phase.algorithm_interfaces.prefetch_related("inputs", "outputs"),
    )
    return render(request, "challenges/submit.html", context)


@login_required
def submission_list(request: HttpRequest, slug: str) -> HttpResponse:
    """One's own submissions and one's team's (admins see everyone's on the evaluations
    page)."""
    challenge = visible_challenge(request, slug)
    submissions = (
        selectors.submissions_of(request.user)
        .filter(phase__challenge=challenge)
        .prefetch_related("evaluations")
    )
    context = site_context(request, challenge, "submissions")
    context["team"] = selectors.team_of(challenge=challenge, user=request.user)
    context["rows"] = [
        {
            "submission": s,
            "evaluation": s.evaluations.all()[0] if s.evaluations.all() else None,
            "jobs": selectors.submission_jobs(submission=s, user=request.user),
        }
        for s in submissions
    ]
    context["any_jobs"] = any(row["jobs"]["total"] for row in context["rows"])
    return render(request, "challenges/submission_list.html", context)


@login_required
def submission_detail(request: HttpRequest, slug: str, pk: str) -> HttpResponse:
    challenge = visible_challenge(request, slug)
    submission: Submission = get_object_or_404(
        selectors.submissions_visible_to(request.user), phase__challenge=challenge, pk=pk
    )
    # an admin looking at someone else's (not their team's) came from the admin pages
    mine = selectors.submissions_of(request.user).filter(pk=submission.pk).exists()
    context = site_context(request, challenge, "submissions" if mine else "admin")
    visible = set(
        selectors.evaluations_visible_to(request.user)
        .filter(submission=submission)
        .values_list("pk", flat=True)
    )
    evaluations: list[dict[str, Any]] = []
    all_evaluations = list(submission.evaluations.all())  # newest first
    for e in all_evaluations:
        shown = context["is_admin"] or e.pk in visible
        metrics = selectors.metrics_shown(e, admin=context["is_admin"]) if shown else None
        evaluations.append(
            {
                "evaluation": e,
                "shown": shown,
                "metrics": None if metrics is None else json.dumps(metrics, indent=2),
            }
        )
    context.update(
        submission=submission,
        evaluations=evaluations,
        # the page reloads itself until the newest evaluation has ended
        in_progress=bool(all_evaluations) and all_evaluations[0].status not in Evaluation.FINAL,
        jobs=selectors.submission_jobs(submission=submission, user=request.user),
    )
    return render(request, "challenges/submission_detail.html", context)
