"""Job pages: list with live status, job detail, cancel, re-run, try-it-out form."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from algorithms.jobs import selectors
from algorithms.jobs.charts import chart_svg
from algorithms.jobs.forms import TryOutForm
from algorithms.jobs.inputs import InputsInvalid
from algorithms.jobs.permissions import share_job
from algorithms.jobs.services import JobRefused, job_cancel, job_create, job_rerun
from algorithms.models import Job
from algorithms.selectors import algorithms_for
from app.http import request_user
from app.listing import Choice, Listing, Sort, list_page
from app.models import AuditRecord
from app.services import audit_record
from app.storage import signed_url
from cases.viewing import with_ids
from components.viewing import side_by_side
from hanging_protocols.viewing import viewport_layout


def _job_or_404(request: HttpRequest, pk: str) -> Job:
    job = selectors.jobs_for(user=request.user).filter(pk=pk).first()
    if job is None:
        raise Http404("No job matches the given query.")
    return job


JOB_SORTS = (
    Sort("-created", "Newest first", ("-created",)),
    Sort("created", "Oldest first", ("created",)),
    Sort("status", "Status", ("status", "-created")),
    Sort("-duration", "Longest first", (F("exec_duration").desc(nulls_last=True),)),
)


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    algorithms, sockets = selectors.job_list_choices(user=request.user)
    listing = Listing(
        noun="jobs",
        sorts=JOB_SORTS,
        search_fields=("algorithm_image__algorithm__title", "inputs__image__name"),
        search_label="Algorithm or input name contains",
        filters=(
            Choice("status", "Status", Job.Status.choices, "status"),
            Choice("algorithm", "Algorithm", algorithms, "algorithm_image__algorithm__slug"),
            Choice("socket", "Input socket", sockets, "inputs__interface__slug"),
        ),
    )
    jobs = list_page(
        params=request.GET, queryset=selectors.jobs_listed_for(user=request.user), listing=listing
    )
    rows = []
    for job in jobs.rows:
        inputs = list(job.inputs.all())
        image = next((c.image for c in inputs if c.image_id), None)
        rows.append({"job": job, "image": image, "inputs": inputs})
    return render(request, "algorithms/job_list.html", {"list": jobs, "rows": rows})


@login_required
def job_statuses(request: HttpRequest) -> JsonResponse:
    """Small JSON the list and job pages poll: status and note per job."""
    ids = [i for i in request.GET.get("ids", "").split(",") if i][:100]
    try:
        jobs = selectors.jobs_for(user=request.user).filter(pk__in=ids)
        data = {
            str(j.pk): {"status": j.status, "note": j.status_note or j.error_message} for j in jobs
        }
    except Exception as e:
        raise Http404("Unknown job ids") from e
    return JsonResponse({"jobs": data})


def _value_view(request: HttpRequest, job: Job, civ) -> dict:  # type: ignore[no-untyped-def]
    socket = civ.interface
    value = civ.value
    if value is None and civ.file and socket.super_kind == "Value":
        try:
            with civ.file.open("rb") as f:
                value = json.loads(f.read(2 * 1024 * 1024))
        except Exception:
            value = None
    return {
        "socket": socket,
        "civ": civ,
        "image": civ.image,
        "file_url": reverse("algorithms:job-value-file", args=[job.pk, civ.pk])
        if civ.file
        else None,
        "json": json.dumps(value, indent=2, sort_keys=True) if value is not None else None,
        "chart": chart_svg(value) if socket.kind == "Chart" else None,
    }


def _state_context(request: HttpRequest, job: Job) -> dict:
    """Status, actions and outputs of one job, read together from one row, so the page
    never shows a final status next to a Cancel button or "no outputs yet"."""
    outputs = [
        _value_view(request, job, c) for c in job.outputs.select_related("interface", "image")
    ]
    if not job.is_final:
        no_outputs = "No outputs yet: they appear here when the job succeeds."
    elif job.status == Job.Status.SUCCEEDED:
        no_outputs = "This job produced no outputs."
    else:
        no_outputs = f"No outputs: the job {job.status.lower()}."
    # The note repeats the error on failure: show each text once.
    note = job.status_note if job.status_note != job.error_message else ""
    return {
        "job": job,
        "outputs": outputs,
        "no_outputs": no_outputs,
        "note": note,
        "may_cancel": selectors.may_cancel(user=request.user, job=job) and not job.is_final,
        "active": not job.is_final,
        "state_url": reverse("algorithms:job-state", args=[job.pk]),
    }


def _viewer_context(job: Job) -> dict:
    """The page's viewers: the algorithm's hanging protocol lays out inputs and outputs,
    else inputs beside outputs."""
    inputs = list(job.inputs.select_related("interface", "image").prefetch_related("image__files"))
    outputs = list(
        job.outputs.select_related("interface", "image").prefetch_related("image__files")
    )
    algorithm = job.algorithm_image.algorithm
    layout = viewport_layout(settings=algorithm, values=[*inputs, *outputs])
    input_viewers, output_viewers = (
        ([], []) if layout else side_by_side(inputs=inputs, outputs=outputs)
    )
    return {
        "layout": layout,
        "input_viewers": with_ids(input_viewers, "input-viewer"),
        "output_viewers": with_ids(output_viewers, "output-viewer"),
        "algorithm": algorithm,
        "input_values": inputs,
    }


def _live_context(request: HttpRequest, job: Job) -> dict:
    """Everything on the job page that changes while it runs, from one read of the job."""
    return {
        **_state_context(request, job),
        "steps": [
            {"status": step.get("status"), "at": parse_datetime(str(step.get("at", "")))}
            for step in job.status_history
        ],
        "may_view_logs": selectors.may_view_logs(user=request.user, job=job),
    }


@login_required
def job_detail(request: HttpRequest, pk: str) -> HttpResponse:
    job = _job_or_404(request, pk)
    viewers = _viewer_context(job)
    context = {
        **_live_context(request, job),
        **viewers,
        "inputs": [_value_view(request, job, c) for c in viewers["input_values"]],
        "may_share": selectors.may_share(user=request.user, job=job),
        "shared_with": selectors.shared_with(job=job),
    }
    return render(request, "algorithms/job_detail.html", context)


@login_required
def job_state(request: HttpRequest, pk: str) -> JsonResponse:
    """What the job page polls: every part that changes while the job runs (status,
    outputs, timings, logs), rendered from one read so they never contradict each other;
    once the job has ended, also its viewers, now with the output images."""
    job = _job_or_404(request, pk)
    context = _live_context(request, job)
    parts = {
        "status_html": render_to_string("algorithms/_job_status.html", context, request),
        "outputs_html": render_to_string("algorithms/_job_outputs.html", context, request),
        "timings_html": render_to_string("algorithms/_job_timings.html", context, request),
        "logs_html": render_to_string("algorithms/_job_logs.html", context, request),
    }
    if job.is_final:
        viewers = _viewer_context(job)
        if not viewers["layout"]:  # a protocol's grid is laid out by its own script once
            parts["viewers_html"] = render_to_string(
                "algorithms/_job_viewers.html", {**context, **viewers}, request
            )
    return JsonResponse(
        {"status": job.status, "final": job.is_final, **parts},
        headers={"Cache-Control": "no-store"},
    )


@login_required
def job_value_file(request: HttpRequest, pk: str, value_pk: int) -> HttpResponseRedirect:
    job = _job_or_404(request, pk)
    civ = job.inputs.filter(pk=value_pk).first() or job.outputs.filter(pk=value_pk).first()
    if civ is None or not civ.file:
        raise Http404("No such file on this job.")
    audit_record(
        action=AuditRecord.Action.DOWNLOAD,
        actor=request.user,
        obj=civ,
        request=request,
        detail={"job": str(job.pk), "socket": civ.interface.slug},
    )
    return HttpResponseRedirect(
        signed_url(bucket="protected", key=civ.file.name, filename=civ.filename)
    )


@require_POST
@login_required
def job_cancel_view(request: HttpRequest, pk: str) -> HttpResponse:
    job = _job_or_404(request, pk)
    if not selectors.may_cancel(user=request.user, job=job):
        raise Http404("No job matches the given query.")
    try:
        job_cancel(job=job, actor=request_user(request))
        messages.success(request, "The job was cancelled.")
    except JobRefused as e:
        messages.error(request, str(e))
    return redirect("algorithms:job-detail", pk=job.pk)


@require_POST
@login_required
def job_share_view(request: HttpRequest, pk: str) -> HttpResponse:
    """The creator shares the job with another user, named by username."""
    job = _job_or_404(request, pk)
    if not selectors.may_share(user=request.user, job=job):
        raise Http404("No job matches the given query.")
    username = request.POST.get("username", "").strip()
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        messages.error(request, f"There is no user {username!r}.")
    else:
        share_job(job=job, user=user, actor=request.user, request=request)  # type: ignore[arg-type]
        messages.success(request, f"The job is now shared with {user.get_username()}.")
    return redirect("algorithms:job-detail", pk=job.pk)


@require_POST
@login_required
def job_rerun_view(request: HttpRequest, pk: str) -> HttpResponse:
    job = _job_or_404(request, pk)
    try:
        new = job_rerun(job=job, actor=request_user(request))
    except (JobRefused, InputsInvalid) as e:
        messages.error(request, str(e))
        return redirect("algorithms:job-detail", pk=job.pk)
    messages.success(request, "A new job with the same inputs was queued.")
    return redirect("algorithms:job-detail", pk=new.pk)


@login_required
def job_try_out(request: HttpRequest, slug: str) -> HttpResponse:
    """Run the algorithm on images the user may see (or new uploads) and typed values."""
    algorithm = algorithms_for(user=request.user, slug=slug).first()
    if algorithm is None:
        raise Http404("No algorithm matches the given query.")
    form = TryOutForm(
        request.POST or None, request.FILES or None, algorithm=algorithm, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            job, _ = job_create(
                creator=request_user(request), algorithm=algorithm, specs=form.specs()
            )
        except InputsInvalid as e:
            for key, errors in e.errors.items():
                form.add_error(None, f"{key}: {' '.join(errors)}")
        except JobRefused as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, "The job was queued.")
            return redirect("algorithms:job-detail", pk=job.pk)
    from archives.selectors import archives_visible_to

    archives = archives_visible_to(request.user).order_by("title")
    return render(
        request,
        "algorithms/job_try_out.html",
        {"algorithm": algorithm, "form": form, "archives": archives},
    )


@require_POST
@login_required
def job_archive_run(request: HttpRequest, slug: str) -> HttpResponse:
    """One job per item of an archive the user may see (no duplicates when asked twice)."""
    from algorithms.jobs.archive_runs import jobs_for_archive
    from archives.selectors import archives_visible_to

    algorithm = algorithms_for(user=request.user, slug=slug).first()
    archive = archives_visible_to(request.user).filter(slug=request.POST.get("archive", "")).first()
    if algorithm is None or archive is None:
        raise Http404("No such algorithm or archive.")
    try:
        run = jobs_for_archive(creator=request_user(request), algorithm=algorithm, archive=archive)
    except (JobRefused, InputsInvalid) as e:
        messages.error(request, str(e))
        return redirect("algorithms:job-try-out", slug=slug)
    messages.success(
        request,
        f"{len(run.created)} job(s) queued, {len(run.reused)} already run or running"
        + (f", {len(run.skipped)} item(s) without matching inputs" if run.skipped else "")
        + ".",
    )
    return redirect(f"{reverse('algorithms:job-list')}?algorithm={algorithm.slug}")
