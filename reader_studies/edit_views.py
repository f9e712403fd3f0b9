"""Editors' pages: create a study and change its settings, add and edit questions, manage
readers and editors, and import ground truth (GC's CSV; drawings as JSON). Every rule is
the services'; a refusal is shown on the form."""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from app.http import request_user
from app.permissions import require_creator
from reader_studies import ground_truth, selectors, services
from reader_studies.forms import (
    STUDY_FIELDS,
    DrawnGroundTruthForm,
    GroundTruthForm,
    MemberForm,
    QuestionForm,
    ReaderStudyForm,
    drawn_ground_truth_questions,
)
from reader_studies.models import ReaderStudy
from reader_studies.views import edited_study


def _show(form: forms.Form, error: ValidationError) -> None:
    """Put each refusal beside its field, or above the form when no field has its name."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
@require_http_methods(["GET", "POST"])
def reader_study_create(request: HttpRequest) -> HttpResponse:
    require_creator(request.user, ReaderStudy)
    form = ReaderStudyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        settings = form.settings()
        try:
            study = services.reader_study_create(
                creator=request_user(request),
                title=settings.pop("title"),
                request=request,
                logo=form.cleaned_data.get("logo"),
                **settings,
            )
        except ValidationError as e:
            _show(form, e)
        else:
            messages.success(request, f"Reader study “{study.title}” created.")
            return redirect("reader_studies:questions", slug=study.slug)
    return render(request, "reader_studies/study_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def reader_study_settings(request: HttpRequest, slug: str) -> HttpResponse:
    study = edited_study(request, slug)
    initial = {name: getattr(study, name) for name in STUDY_FIELDS}
    form = ReaderStudyForm(
        request.POST or None, request.FILES or None, initial=initial, study=study
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.reader_study_update(
                reader_study=study,
                logo=form.cleaned_data.get("logo"),
                remove_logo=bool(form.cleaned_data.get("remove_logo")),
                **form.settings(),
            )
        except ValidationError as e:
            study.refresh_from_db()
            _show(form, e)
        else:
            messages.success(request, "Settings saved.")
            return redirect(study)
    return render(request, "reader_studies/study_form.html", {"form": form, "study": study})


@login_required
@require_http_methods(["GET", "POST"])
def reader_study_questions(request: HttpRequest, slug: str) -> HttpResponse:
    study = edited_study(request, slug)
    if request.POST.get("action") == "delete":
        question = get_object_or_404(study.questions, pk=request.POST.get("question"))
        try:
            services.question_delete(question=question)
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
        else:
            messages.success(request, f"Question “{question.question_text}” deleted.")
        return redirect("reader_studies:questions", slug=study.slug)
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            question = services.question_create(
                reader_study=study, options=form.cleaned_options(), **form.question_fields()
            )
        except ValidationError as e:
            _show(form, e)
        else:
            messages.success(request, f"Question “{question.question_text}” added.")
            return redirect("reader_studies:questions", slug=study.slug)
    questions = study.questions.prefetch_related("options").order_by("order", "created")
    return render(
        request,
        "reader_studies/questions.html",
        {"study": study, "questions": questions, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def reader_study_question_edit(request: HttpRequest, slug: str, pk: str) -> HttpResponse:
    """Every field of a question; once it has answers, `question_update` refuses a change
    to what they depend on, naming the field."""
    study = edited_study(request, slug)
    question = get_object_or_404(study.questions.select_related("interface"), pk=pk)
    form = QuestionForm(request.POST or None, question=question)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_update(
                question=question, options=form.edited_options(), **form.changed_fields()
            )
        except ValidationError as e:
            _show(form, e)
        else:
            messages.success(request, f"Question “{form.cleaned_data['question_text']}” saved.")
            return redirect("reader_studies:questions", slug=study.slug)
    return render(
        request,
        "reader_studies/question_form.html",
        {"study": study, "question": question, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def reader_study_members(request: HttpRequest, slug: str) -> HttpResponse:
    study = edited_study(request, slug)
    actor = request_user(request)
    action = request.POST.get("action")
    form = MemberForm(request.POST if action == "add" else None)
    if request.method == "POST":
        try:
            if action == "add" and form.is_valid():
                member = form.cleaned_data["username"]
                services.reader_study_member_add(
                    reader_study=study,
                    role=form.cleaned_data["role"],
                    user=member,
                    actor=actor,
                    request=request,
                )
                messages.success(
                    request, f"{member.username} added to the {form.cleaned_data['role']}."
                )
                return redirect("reader_studies:members", slug=study.slug)
            if action == "remove":
                member = get_object_or_404(User, pk=request.POST.get("user"))
                services.reader_study_member_remove(
                    reader_study=study,
                    role=request.POST.get("role", ""),
                    user=member,
                    actor=actor,
                    request=request,
                )
                messages.success(request, f"{member.username} removed.")
                return redirect("reader_studies:members", slug=study.slug)
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
            return redirect("reader_studies:members", slug=study.slug)
    members = {
        "editors": list(study.editors_group.user_set.order_by("username"))
        if study.editors_group
        else [],
        "readers": list(study.readers_group.user_set.order_by("username"))
        if study.readers_group
        else [],
    }
    return render(
        request, "reader_studies/members.html", {"study": study, "members": members, "form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def reader_study_ground_truth(request: HttpRequest, slug: str) -> HttpResponse:
    study = edited_study(request, slug)
    action = request.POST.get("action")
    if action in ("from-my-answers", "delete"):
        try:
            if action == "delete":
                n = ground_truth.ground_truth_delete(reader_study=study)
                messages.success(request, f"Ground truth deleted: {n} answers.")
            else:
                n = ground_truth.ground_truth_from_answers(
                    reader_study=study,
                    user=request_user(request),
                    with_annotations=bool(request.POST.get("with_annotations")),
                )
                messages.success(request, f"Your answers are the ground truth now: {n} answers.")
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
        return redirect("reader_studies:ground-truth", slug=study.slug)
    drawn_questions = drawn_ground_truth_questions(study)
    drawn = DrawnGroundTruthForm(
        request.POST if action == "drawn" else None,
        request.FILES if action == "drawn" else None,
        questions=drawn_questions,
        prefix="drawn",
    )
    creator = request_user(request)
    if action == "drawn" and drawn.is_valid():
        question = drawn.cleaned_data["question"]
        done = _imported(
            request,
            study,
            drawn,
            "annotations",
            lambda text: ground_truth.ground_truth_drawn_from_json(
                reader_study=study, question=question, creator=creator, text=text
            ),
            lambda n: f"Ground truth of “{question.question_text}” imported: {n} cases.",
        )
        if done:
            return done
    csv_posted = request.method == "POST" and action != "drawn"
    form = GroundTruthForm(
        request.POST if csv_posted else None, request.FILES if csv_posted else None
    )
    if csv_posted and form.is_valid():
        done = _imported(
            request,
            study,
            form,
            "ground_truth",
            lambda text: ground_truth.ground_truth_from_csv(
                reader_study=study, creator=creator, text=text
            ),
            lambda n: f"Ground truth imported: {n} answers.",
        )
        if done:
            return done
    return render(
        request,
        "reader_studies/ground_truth.html",
        {
            "study": study,
            "form": form,
            "questions": ground_truth.ground_truth_questions(study),
            "drawn": drawn if drawn_questions else None,
            "has_ground_truth": selectors.has_ground_truth(study),
        },
    )


def _imported(
    request: HttpRequest,
    study: ReaderStudy,
    form: forms.Form,
    field: str,
    write: Callable[[str], int],
    message: Callable[[int], str],
) -> HttpResponse | None:
    """Import the uploaded file's text with `write`: the message with the number written
    and a redirect, or None with the refusal on the form."""
    upload = form.cleaned_data[field]
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        form.add_error(field, f"{upload.name} is not UTF-8 text.")
        return None
    try:
        written = write(text)
    except ValidationError as e:
        _show(form, e)
        return None
    messages.success(request, message(written))
    return redirect("reader_studies:ground-truth", slug=study.slug)


@login_required
@require_GET
def reader_study_ground_truth_example(request: HttpRequest, slug: str) -> HttpResponse:
    study = edited_study(request, slug)
    response = HttpResponse(ground_truth.example_csv(reader_study=study), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="ground-truth-{study.slug}.csv"'
    return response
