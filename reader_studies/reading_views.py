"""The reading page: one case of a study in the viewer beside the question form, in the
reader's order, honouring the study's reading settings (navigation, modification,
autosave, roll-over, educational verification). Thin: reads in `reading`, writes in
`services.answers_submit`."""

import datetime
import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from app.access_requests import quiet_about_access_decisions
from app.http import request_user
from app.markdown import md2html
from app.permissions import RightMissing
from cases.viewing import with_ids
from components.viewing import viewer_configs
from hanging_protocols.viewing import viewport_layout
from reader_studies import answer_form, mask_painting, reading, selectors, services
from reader_studies.models import ANNOTATION_TYPES, AnswerType, ReaderStudy, Widget
from reader_studies.validation import viewport_name


def _study(request: HttpRequest, slug: str) -> ReaderStudy:
    """The study, for its readers and editors; a visible study's non-reader gets the 403
    page that links to the access request."""
    study = ReaderStudy.objects.filter(slug=slug).first()
    if study is not None and selectors.may_read(request.user, study):
        return study
    if (
        study is None
        or not selectors.reader_studies_visible_to(request.user).filter(pk=study.pk).exists()
    ):
        raise Http404("No reader study matches the given query.")
    raise RightMissing(
        f"Only readers of {study.title} may read its cases.",
        right="access",
        request_url=f"{study.get_absolute_url()}#access-request",
        decided_by="the study's editors decide",
    )


def _reader(request: HttpRequest, study: ReaderStudy) -> tuple[User, bool]:
    """Whose reading this is: the user, or (`?reader=`, editors only) another reader's,
    read-only."""
    user = request_user(request)
    name = request.GET.get("reader")
    if not name or name == user.username:
        return user, False
    if not selectors.may_edit(user, study):
        raise PermissionDenied("Only the study's editors may view it as another reader.")
    for member in selectors.participants(study):
        if member.username == name:
            return member, True
    raise Http404(f"{name} is not a reader of this study.")


def _case_url(study: ReaderStudy, pk: Any, reader: User | None = None, **query: str) -> str:
    url = reverse("reader_studies:read-case", kwargs={"slug": study.slug, "pk": pk})
    if reader is not None:
        query["reader"] = reader.username
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@quiet_about_access_decisions
@login_required
@require_http_methods(["GET"])
def read(request: HttpRequest, slug: str) -> HttpResponse:
    """The reader's next unanswered case, or the end of the study."""
    study = _study(request, slug)
    reader, viewing_as = _reader(request, study)
    position = reading.position(reader_study=study, user=reader)
    pk = position.next_unanswered()
    if pk is not None:
        return redirect(_case_url(study, pk, reader if viewing_as else None))
    first = position.first
    return render(
        request,
        "reader_studies/read_done.html",
        {
            "study": study,
            "position": position,
            "end_of_study_text_safe": md2html(study.end_of_study_text_markdown),
            "review_url": (
                _case_url(study, first, reader if viewing_as else None)
                if first and (study.allow_case_navigation or viewing_as)
                else None
            ),
            "viewing_as": reader if viewing_as else None,
        },
    )


def _duration(request: HttpRequest) -> datetime.timedelta | None:
    try:
        ms = int(request.POST.get("duration_ms", ""))
    except ValueError:
        return None
    return datetime.timedelta(milliseconds=max(0, ms))


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@quiet_about_access_decisions
@login_required
@require_http_methods(["GET", "POST"])
def read_case(request: HttpRequest, slug: str, pk: str) -> HttpResponse:
    display_set = reading.case_of(slug=slug, pk=pk)  # with its study, in one query
    if display_set is None or not selectors.may_read(request.user, display_set.reader_study):
        _study(request, slug)  # the study's 404 or 403 first
        raise Http404("No display set matches the given query.")
    study = display_set.reader_study
    reader, viewing_as = _reader(request, study)
    questions = selectors.questions_of(study)
    position = reading.position(
        reader_study=study, user=reader, questions=questions, here=display_set.pk
    )
    verify = study.is_educational and request.GET.get("verify") == "1"
    current = position.next_unanswered()
    # Without case navigation a reader only sees the case to answer now (and, right after
    # answering, its verification); the rest of the list sends them there.
    # A save of a case the reader has started still goes through: autosave completes a
    # case before its "Save and next", and where answers may not change the save is
    # refused by name rather than dropped.
    started = display_set.pk in position.started
    if (
        not study.allow_case_navigation
        and not viewing_as
        and display_set.pk != current
        and not (verify and started)
        and not (request.method == "POST" and started)
    ):
        return redirect("reader_studies:read", slug=study.slug)
    values = reading.case_values(display_set)
    states = reading.question_states(
        reader_study=study,
        display_set=display_set,
        values=values,
        user=reader,
        position=position,
        questions=questions,
        read_only=viewing_as or verify,
    )
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        if viewing_as:
            raise PermissionDenied("Viewing as another reader is read-only.")
        autosave = request.POST.get("autosave") == "1"
        answers, errors = answer_form.parse(states, request.POST, skip_empty=autosave)
        if not errors:
            try:
                services.answers_submit(
                    creator=reader,
                    display_set=display_set,
                    answers=answers,
                    last_edit_duration=_duration(request),
                )
            except ValidationError as e:
                errors = e.message_dict
        if _wants_json(request):
            if errors:
                return JsonResponse({"errors": errors}, status=400)
            return JsonResponse({"saved": True})
        if not errors:
            if study.is_educational and study.instant_verification:
                return redirect(_case_url(study, display_set.pk, verify="1"))
            position = reading.position(
                reader_study=study, user=reader, questions=questions, here=display_set.pk
            )
            following = position.next_unanswered(after=display_set.pk)
            if following is None:
                return redirect("reader_studies:read", slug=study.slug)
            return redirect(_case_url(study, following))
        posted = dict(answers)
        for state in states:  # show what was posted, not what is stored
            if state.question in posted:
                state.value = posted[state.question]
    context = _context(
        study=study,
        display_set=display_set,
        values=values,
        states=states,
        position=position,
        reader=reader,
        viewing_as=viewing_as,
        verify=verify,
        errors=errors,
    )
    return render(request, "reader_studies/read.html", context, status=400 if errors else 200)


def _form(question: Any) -> str:
    """Which form control the page shows for the question: chosen once here, so that
    the template tests one string per question instead of type and widget pairs."""
    kind, widget = question.answer_type, question.widget
    if kind == AnswerType.CHOICE:
        return "choice-select" if widget == Widget.SELECT else "choice"
    if kind == AnswerType.MULTIPLE_CHOICE:
        return "multiple-select" if widget == Widget.SELECT_MULTIPLE else "multiple"
    if kind == AnswerType.NUMBER:
        return "range" if widget == Widget.NUMBER_RANGE else "number"
    if kind == AnswerType.TEXT:
        return "textarea" if widget == Widget.TEXT_AREA else "text"
    simple = {AnswerType.BOOL: "bool", AnswerType.MASK: "mask", AnswerType.HEADING: "heading"}
    if kind in simple:
        return simple[kind]
    return "accept-reject" if widget == Widget.ACCEPT_REJECT else ""


def _context(
    *,
    study: ReaderStudy,
    display_set: Any,
    values: list,
    states: list[reading.QuestionState],
    position: reading.Position,
    reader: User,
    viewing_as: bool,
    verify: bool,
    errors: dict[str, list[str]],
) -> dict[str, Any]:
    as_reader = reader if viewing_as else None
    navigate = study.allow_case_navigation or viewing_as
    previous = position.neighbour(display_set.pk, -1) if navigate else None
    following = position.neighbour(display_set.pk, 1) if navigate else None
    unanswered = position.next_unanswered(after=display_set.pk)
    previous_url = _case_url(study, previous, as_reader) if previous else None
    next_url = _case_url(study, following, as_reader) if following else None
    options = {o.id: o.title for s in states for o in s.options}
    masks = mask_painting.mask_configs(study=study, states=states, values=values)
    rows = []
    for state in states:
        q = state.question
        truth = state.ground_truth
        rows.append(
            {
                "state": state,
                "q": q,
                "form": _form(q),
                "name": answer_form.field_name(state),
                "layer_id": f"{answer_form.field_name(state)}-layer",
                "mask": masks.get(q.pk),
                "errors": errors.get(str(q.pk), []),
                "chosen": state.value if isinstance(state.value, list) else [state.value],
                "json": json.dumps(state.value) if state.value is not None else "",
                "annotation": q.answer_type in ANNOTATION_TYPES
                and q.answer_type != AnswerType.MASK,
                "layer": {
                    "id": str(q.pk),
                    "kind": q.get_answer_type_display(),
                    "multiple": q.get_answer_type_display().startswith("Multiple"),
                    "color": q.default_annotation_color or "#ff0000",
                    "label": q.question_text,
                    "readOnly": state.read_only,
                    "sockets": (study.view_content or {}).get(viewport_name(q.image_port), [])
                    if q.image_port
                    else [],
                    # educational studies, once answered: drawn beside the reader's answer
                    "truth": truth.answer if truth is not None else None,
                },
                "truth_text": (
                    selectors.answer_text(q, truth.answer, options) if truth is not None else None
                ),
            }
        )
    drawings = any(row["annotation"] or row["mask"] for row in rows)  # masks are drawings too
    editable = any(
        not s.read_only and s.question.answer_type not in answer_form.SKIPPED for s in states
    )
    # the study's hanging protocol lays out the case; without one, a viewer per image
    layout = viewport_layout(settings=study, values=values)
    return {
        "study": study,
        "display_set": display_set,
        "layout": layout,
        "viewers": [] if layout else with_ids(viewer_configs(main=values), "viewer"),
        "other_values": [v for v in values if not v.image_id],
        "descriptions": reading.case_descriptions(study, values).values(),
        "rows": rows,
        "show_all_toggle": study.allow_show_all_annotations and drawings,
        "editable": editable,
        "position": position,
        "number": position.index(display_set.pk) + 1,
        "previous_url": previous_url,
        "next_url": next_url,
        "unanswered_url": (
            _case_url(study, unanswered, as_reader)
            if unanswered and unanswered != display_set.pk and navigate
            else None
        ),
        "continue_url": reverse("reader_studies:read", kwargs={"slug": study.slug}),
        "viewing_as": as_reader,
        "verify": verify,
        "errors": errors,
        "settings": {
            "autosave": study.enable_autosaving and editable,
            "previous": previous_url,
            "next": next_url,
        },
    }
