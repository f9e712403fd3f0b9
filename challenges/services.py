"""Writes for challenges: set-up by admins, registration, submissions, evaluation results
and the ranking recomputed on every change of an evaluation."""

import json
from datetime import datetime
from typing import Any

import jsonschema
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import slugify

from algorithms.jobs.services import JobRefused, job_cancel
from algorithms.models import AlgorithmImage, Job
from app.permissions import add_member, can, create_role_groups, remove_member, role_group
from app.services import audit_record
from app.storage import bucket_name, s3_client
from app.tasks import enqueue
from cases.storing import delete_stored_objects
from challenges import notifications, ranking, selectors
from challenges.algorithm_jobs import case_of, submission_jobs_create
from challenges.deadlines import stuck_pks
from challenges.evaluation_io import (
    EvaluationRefused,
    detect_mimetype,
    parse_metrics,
    predictions_relative_path,
)
from challenges.models import (
    Challenge,
    ChallengePage,
    Evaluation,
    EvaluationGroundTruth,
    Method,
    Phase,
    RegistrationQuestion,
    RegistrationQuestionAnswer,
    RegistrationRequest,
    Submission,
)
from challenges.models.evaluations import predictions_path
from components.models import ComponentInterface, ComponentInterfaceValue
from components.services import socket_value_create
from components.values import ValueSpec, socket_values_create, value_specs_check, value_specs_close
from uploads.models import UserUpload
from uploads.services import delete_upload, open_upload

ROLE_PERMISSIONS = {
    "admins": ["view_challenge", "change_challenge"],
    "participants": ["view_challenge"],
    "external_evaluators": ["view_challenge"],
}
# URL parts under /challenges/ that are pages, not challenges
RESERVED_SLUGS = frozenset({"create"})
MAX_PREDICTIONS_BYTES = 1024 * 2**20

EXTRA_RESULTS_COLUMNS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "title": {"type": "string", "minLength": 1},
            "path": {"type": "string", "minLength": 1},
            "order": {"enum": [ranking.ASCENDING, ranking.DESCENDING]},
            "error_path": {"type": "string"},
            "exclude_from_ranking": {"type": "boolean"},
        },
        "required": ["title", "path", "order"],
        "additionalProperties": False,
    },
}

# --- challenges ----------------------------------------------------------------------


def challenge_create(
    *,
    creator: User,
    slug: str,
    title: str = "",
    description: str = "",
    access_request_handling: str = Challenge.AccessRequestHandling.MANUAL_REVIEW,
    contact_email: str = "",
    hidden: bool = True,
    use_teams: bool = False,
    request: HttpRequest | None = None,
) -> Challenge:
    """Create a challenge; its creator becomes its first admin."""
    if slug.strip().lower() in RESERVED_SLUGS:
        raise ValidationError({"slug": f"{slug!r} is taken by a page of the site; pick another."})
    challenge = Challenge(
        use_teams=use_teams,
        slug=slug.strip().lower(),
        title=title.strip(),
        description=description,
        access_request_handling=access_request_handling,
        contact_email=contact_email,
        hidden=hidden,
    )
    challenge.full_clean()
    try:
        with transaction.atomic():
            challenge.save()
            create_role_groups(obj=challenge, roles=ROLE_PERMISSIONS)
            add_member(obj=challenge, role="admins", user=creator, actor=creator, request=request)
            audit_record(action="challenge-created", actor=creator, obj=challenge, request=request)
    except IntegrityError:
        raise ValidationError(
            {"slug": f"A challenge with slug {challenge.slug!r} exists."}
        ) from None
    return challenge


def challenge_update(
    *,
    challenge: Challenge,
    actor: User,
    fields: dict[str, Any],
    request: HttpRequest | None = None,
) -> Challenge:
    """Change a challenge's settings (not its slug: URLs and scripts use it)."""
    if not selectors.is_admin(actor, challenge):
        raise PermissionDenied("Only the challenge's admins may change it.")
    unknown = set(fields) - set(CHALLENGE_FIELDS)
    if unknown:
        raise ValidationError({name: "Unknown field." for name in sorted(unknown)})
    for name, value in fields.items():
        setattr(challenge, name, value)
    challenge.full_clean(validate_unique=False)
    with transaction.atomic():
        challenge.save()
        audit_record(action="challenge-changed", actor=actor, obj=challenge, request=request)
    return challenge


CHALLENGE_FIELDS = (
    "title",
    "description",
    "hidden",
    "access_request_handling",
    "contact_email",
    "logo",
    "banner",
)


def _registration_answers_check(
    challenge: Challenge, answers: dict[int, Any]
) -> list[tuple[RegistrationQuestion, Any]]:
    """Each question's answer against its JSON schema; errors keyed `question-<pk>` (the
    form's field names) so each names its question."""
    errors: dict[str, str] = {}
    checked: list[tuple[RegistrationQuestion, Any]] = []
    for question in challenge.registration_questions.all():
        answer = answers.get(question.pk)
        field = f"question-{question.pk}"
        if answer in (None, ""):
            if question.required:
                errors[field] = f"Answer “{question.question_text}”: it is required."
            continue
        try:
            jsonschema.validate(answer, question.schema or {})
        except jsonschema.ValidationError as e:
            errors[field] = f"“{question.question_text}”: {e.message}"
            continue
        checked.append((question, answer))
    if errors:
        raise ValidationError(errors)
    return checked


def registration_request_create(
    *,
    challenge: Challenge,
    user: User,
    answers: dict[int, Any] | None = None,
    request: HttpRequest | None = None,
) -> RegistrationRequest:
    """Ask to join, answering the challenge's registration questions (by question pk);
    accepted at once when the challenge's handling says so."""
    if selectors.is_admin(user, challenge) or selectors.is_participant(user, challenge):
        raise ValidationError(f"You already take part in the challenge {challenge.slug!r}.")
    checked = _registration_answers_check(challenge, answers or {})
    handling = challenge.AccessRequestHandling
    accept = challenge.access_request_handling == handling.ACCEPT_ALL or (
        challenge.access_request_handling == handling.ACCEPT_VERIFIED_USERS
        and user.emailaddress_set.filter(verified=True).exists()  # type: ignore[attr-defined]
    )
    with transaction.atomic():
        registration, created = RegistrationRequest.objects.get_or_create(
            user=user, challenge=challenge
        )
        if not created and registration.status != RegistrationRequest.Status.REJECTED:
            raise ValidationError(
                f"You already asked to join {challenge.slug!r}; the request is "
                f"{registration.get_status_display().lower()}."
            )
        registration.status = RegistrationRequest.Status.PENDING
        registration.save()
        registration.answers.all().delete()  # a rejected user asking again answers afresh
        RegistrationQuestionAnswer.objects.bulk_create(
            RegistrationQuestionAnswer(question=q, registration_request=registration, answer=a)
            for q, a in checked
        )
        if accept:
            registration_request_decide(
                registration=registration, accept=True, actor=None, request=request
            )
        else:
            notifications.registration_requested(registration=registration)
    return registration


def registration_request_decide(
    *,
    registration: RegistrationRequest,
    accept: bool,
    actor: User | None,
    request: HttpRequest | None = None,
) -> RegistrationRequest:
    with transaction.atomic():
        registration.status = (
            RegistrationRequest.Status.ACCEPTED if accept else RegistrationRequest.Status.REJECTED
        )
        registration.save(update_fields=["status", "changed"])
        participants = role_group(registration.challenge, "participants").user_set
        # GC: rejecting an accepted request takes the user out again
        if accept or participants.filter(pk=registration.user_id).exists():
            (add_member if accept else remove_member)(
                obj=registration.challenge,
                role="participants",
                user=registration.user,
                actor=actor,
                request=request,
            )
        notifications.registration_decided(registration=registration)
    return registration


def participant_remove(
    *, challenge: Challenge, user: User, actor: User, request: HttpRequest | None = None
) -> None:
    if not selectors.is_admin(actor, challenge):
        raise PermissionDenied("Only the challenge's admins may remove participants.")
    remove_member(obj=challenge, role="participants", user=user, actor=actor, request=request)


# roles an admin hands out by user name (participants join through registration)
GRANTED_ROLES = {"admins": "admin", "external_evaluators": "external evaluator"}


def challenge_member_add(
    *,
    challenge: Challenge,
    role: str,
    username: str,
    actor: User,
    request: HttpRequest | None = None,
) -> User:
    """Make a user an admin or an external evaluator (who claims evaluations of the
    challenge's externally evaluated phases through the API)."""
    if not selectors.is_admin(actor, challenge):
        raise PermissionDenied("Only the challenge's admins may add admins or evaluators.")
    if role not in GRANTED_ROLES:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    user = User.objects.filter(username=username.strip(), is_active=True).first()
    if user is None:
        raise ValidationError({"username": f"No active user is called {username.strip()!r}."})
    add_member(obj=challenge, role=role, user=user, actor=actor, request=request)
    return user


def challenge_member_remove(
    *,
    challenge: Challenge,
    role: str,
    user: User,
    actor: User,
    request: HttpRequest | None = None,
) -> None:
    if not selectors.is_admin(actor, challenge):
        raise PermissionDenied("Only the challenge's admins may remove admins or evaluators.")
    if role not in GRANTED_ROLES:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    if role == "admins":
        admins = role_group(challenge, "admins").user_set
        if admins.filter(pk=user.pk).exists() and admins.count() <= 1:
            raise ValidationError({"username": "A challenge keeps at least one admin."})
    remove_member(obj=challenge, role=role, user=user, actor=actor, request=request)


# --- site: pages and registration questions ------------------------------------------

PAGE_FIELDS = ("display_title", "slug", "permission_level", "hidden", "content_markdown")


def page_save(
    *,
    challenge: Challenge,
    actor: User,
    fields: dict[str, Any],
    page: ChallengePage | None = None,
    request: HttpRequest | None = None,
) -> ChallengePage:
    """Create (page None; it goes last) or change a Markdown page of the challenge."""
    if not selectors.is_admin(actor, challenge):
        raise PermissionDenied("Only the challenge's admins may edit its pages.")
    unknown = set(fields) - set(PAGE_FIELDS)
    if unknown:
        raise ValidationError({name: "Unknown field." for name in sorted(unknown)})
    creating = page is None
    page = page or ChallengePage(challenge=challenge)
    for name, value in fields.items():
        setattr(page, name, value)
    if not page.slug:
        page.slug = slugify(page.display_title)[:64]
    if creating:
        last = challenge.pages.order_by("-order").values_list("order", flat=True).first()
        page.order = (last or 0) + 1
    page.full_clean(validate_unique=False, validate_constraints=False)
    if challenge.pages.filter(slug=page.slug).exclude(pk=page.pk).exists():
        raise ValidationError(
            {"slug": f"The challenge already has a page with slug {page.slug!r}."}
        )
    with transaction.atomic():
        page.save()
        audit_record(
            action="page-created" if creating else "page-changed",
            actor=actor,
            obj=page,
            request=request,
        )
    return page


def page_move(*, page: ChallengePage, actor: User, up: bool) -> None:
    """Swap the page with its neighbour above (up) or below; orders are renumbered 1..n."""
    page_place(page=page, actor=actor, step=-1 if up else 1)


def page_place(
    *, page: ChallengePage, actor: User, position: int | None = None, step: int = 0
) -> ChallengePage:
    """Put the page at `position` (1 = first), or `step` places down (up if negative) from
    where it is; past either end it goes first or last. Pages are renumbered 1..n."""
    challenge = page.challenge
    if not selectors.is_admin(actor, challenge):
        raise PermissionDenied("Only the challenge's admins may reorder its pages.")
    with transaction.atomic():
        pages = list(challenge.pages.select_for_update().order_by("order", "created"))
        at = next(i for i, p in enumerate(pages) if p.pk == page.pk)
        to = position - 1 if position is not None else at + step
        moved = pages.pop(at)
        pages.insert(min(max(to, 0), len(pages)), moved)
        for n, p in enumerate(pages, start=1):
            p.order = n
        ChallengePage.objects.bulk_update(pages, ["order"])
    page.order = moved.order
    return page


def page_delete(*, page: ChallengePage, actor: User, request: HttpRequest | None = None) -> None:
    if not selectors.is_admin(actor, page.challenge):
        raise PermissionDenied("Only the challenge's admins may delete its pages.")
    with transaction.atomic():
        audit_record(action="page-deleted", actor=actor, obj=page, request=request)
        page.delete()


def registration_question_create(
    *,
    challenge: Challenge,
    actor: User,
    question_text: str,
    question_help_text: str = "",
    required: bool = True,
    schema: dict[str, Any] | None = None,
) -> RegistrationQuestion:
    if not selectors.is_admin(actor, challenge):
        raise PermissionDenied("Only the challenge's admins may set registration questions.")
    schema = schema or {}
    try:
        jsonschema.Draft7Validator.check_schema(schema)
    except jsonschema.SchemaError as e:
        raise ValidationError({"schema": f"Not a valid JSON schema: {e.message}"}) from None
    question = RegistrationQuestion(
        challenge=challenge,
        question_text=question_text.strip(),
        question_help_text=question_help_text,
        required=required,
        schema=schema,
    )
    question.full_clean(validate_constraints=False)
    if challenge.registration_questions.filter(question_text=question.question_text).exists():
        raise ValidationError({"question_text": "The challenge already asks this question."})
    question.save()
    return question


def registration_question_delete(*, question: RegistrationQuestion, actor: User) -> None:
    if not selectors.is_admin(actor, question.challenge):
        raise PermissionDenied("Only the challenge's admins may set registration questions.")
    question.delete()


# --- phases --------------------------------------------------------------------------

PHASE_FIELDS = (
    "title",
    "slug",
    "submission_kind",
    "archive",
    "score_title",
    "score_jsonpath",
    "score_error_jsonpath",
    "score_default_sort",
    "score_decimal_places",
    "extra_results_columns",
    "scoring_method_choice",
    "result_display_choice",
    "auto_publish_new_results",
    "display_all_metrics",
    "submissions_limit_per_user_per_period",
    "submission_limit_period",
    "submissions_open_at",
    "submissions_close_at",
    "public",
    "parent",
    "external_evaluation",
    "submission_page_markdown",
    "evaluation_time_limit",
    "evaluation_requires_gpu_type",
    "evaluation_requires_memory_gb",
    "algorithm_time_limit",
    "algorithm_maximum_settable_memory_gb",
)


def _phase_check(phase: Phase, interfaces: list | None) -> None:
    """GC's Phase.clean rules, each naming its field."""
    errors: dict[str, str] = {}
    try:
        jsonschema.validate(phase.extra_results_columns, EXTRA_RESULTS_COLUMNS_SCHEMA)
    except jsonschema.ValidationError as e:
        where = "/".join(str(p) for p in e.absolute_path)
        errors["extra_results_columns"] = f"{where + ': ' if where else ''}{e.message}"
    opens, closes = phase.submissions_open_at, phase.submissions_close_at
    if opens and closes and closes < opens:
        errors["submissions_close_at"] = "The phase must close after it opens."
    if phase.parent_id is not None:
        parent = phase.parent
        assert parent is not None
        if parent.pk == phase.pk or parent.challenge_id != phase.challenge_id:
            errors["parent"] = "The parent must be another phase of the same challenge."
        elif parent.submission_kind != phase.submission_kind:
            errors["parent"] = "The parent phase must take the same kind of submissions."
        elif parent.submissions_open_at and (not opens or opens < parent.submissions_open_at):
            errors["parent"] = "The parent phase must open no later than this one."
        elif interfaces is not None and set(interfaces) != set(parent.algorithm_interfaces.all()):
            errors["parent"] = "The parent phase must have the same algorithm interfaces."
    if phase.external_evaluation and not (phase.is_algorithm_phase and phase.parent_id):
        errors["external_evaluation"] = (
            "Only an algorithm phase with a parent phase can be evaluated externally."
        )
    if (
        not phase._state.adding
        and phase.submission_kind != Phase.objects.get(pk=phase.pk).submission_kind
        and phase.submissions.exists()
    ):
        errors["submission_kind"] = "The kind cannot change once there are submissions."
    if phase.submissions_limit_per_user_per_period > 0:
        if not phase.external_evaluation and not (
            not phase._state.adding and selectors.active_method(phase) is not None
        ):
            errors["submissions_limit_per_user_per_period"] = (
                "Upload a valid evaluation method before opening the phase for submissions."
            )
        elif phase.is_algorithm_phase and (phase.archive_id is None or not interfaces):
            errors["submissions_limit_per_user_per_period"] = (
                "An algorithm phase needs an archive of test cases and algorithm interfaces "
                "before it opens for submissions."
            )
    if errors:
        raise ValidationError(errors)


def phase_save(
    *,
    challenge: Challenge,
    actor: User,
    phase: Phase | None = None,
    fields: dict[str, Any],
    algorithm_interfaces: list | None = None,
    request: HttpRequest | None = None,
) -> Phase:
    """Create (phase None) or update a phase with GC's field names and stored values."""
    unknown = set(fields) - set(PHASE_FIELDS)
    if unknown:
        raise ValidationError({name: "Unknown field." for name in sorted(unknown)})
    creating = phase is None
    phase = phase or Phase(challenge=challenge)
    for name, value in fields.items():
        setattr(phase, name, value)
    if not phase.slug:
        phase.slug = slugify(phase.title)[:64]
    if algorithm_interfaces is None and not creating:
        algorithm_interfaces = list(phase.algorithm_interfaces.all())
    phase.full_clean(validate_unique=False)
    _phase_check(phase, algorithm_interfaces)
    try:
        with transaction.atomic():
            phase.save()
            if algorithm_interfaces is not None:
                phase.algorithm_interfaces.set(algorithm_interfaces)
            audit_record(
                action="phase-created" if creating else "phase-changed",
                actor=actor,
                obj=phase,
                request=request,
            )
            evaluations_rank(phase=phase)
    except IntegrityError:
        raise ValidationError(
            {
                "slug": f"The challenge already has a phase titled {phase.title!r} "
                f"or slug {phase.slug!r}."
            }
        ) from None
    return phase


# --- methods and ground truths -------------------------------------------------------


def _check_upload(user_upload: UserUpload, *, creator: User) -> None:
    if user_upload.creator_id != creator.pk:
        raise ValidationError({"user_upload": "Use an upload of your own."})
    if user_upload.status != UserUpload.Status.COMPLETED:
        raise ValidationError({"user_upload": f"Upload {user_upload.pk} is not completed."})


def method_create(
    *, phase: Phase, creator: User, user_upload: UserUpload, comment: str = ""
) -> Method:
    """Record an evaluation container image and queue its validation (as algorithm images)."""
    _check_upload(user_upload, creator=creator)
    if Method.objects.filter(user_upload=user_upload).exists():
        raise ValidationError({"user_upload": "This upload is already used by another method."})
    with transaction.atomic():
        method = Method.objects.create(
            phase=phase, creator=creator, user_upload=user_upload, comment=comment
        )
        audit_record(action="evaluation-method-uploaded", actor=creator, obj=method)
        enqueue("challenges.tasks.validate_method", method_pk=str(method.pk))
    return method


def ground_truth_create(
    *, phase: Phase, creator: User, user_upload: UserUpload, comment: str = ""
) -> EvaluationGroundTruth:
    _check_upload(user_upload, creator=creator)
    if EvaluationGroundTruth.objects.filter(user_upload=user_upload).exists():
        raise ValidationError({"user_upload": "This upload is already used by a ground truth."})
    with transaction.atomic():
        ground_truth = EvaluationGroundTruth.objects.create(
            phase=phase, creator=creator, user_upload=user_upload, comment=comment
        )
        audit_record(action="ground-truth-uploaded", actor=creator, obj=ground_truth)
        enqueue("challenges.tasks.validate_ground_truth", ground_truth_pk=str(ground_truth.pk))
    return ground_truth


def version_activate(
    *,
    version: Method | EvaluationGroundTruth,
    actor: User,
    request: HttpRequest | None = None,
) -> None:
    """Make an older valid method or ground truth the phase's active one (a roll-back);
    new evaluations and re-runs use it."""
    phase = version.phase
    if not selectors.is_admin(actor, phase.challenge):
        raise PermissionDenied("Only the challenge's admins may change the active version.")
    model = type(version)
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=version.pk)
        if locked.status != Method.Status.VALID:
            raise ValidationError(
                f"Only a valid version can be active; this one is {locked.status}."
            )
        model.objects.filter(phase=phase, is_active=True).exclude(pk=locked.pk).update(
            is_active=False
        )
        model.objects.filter(pk=locked.pk).update(is_active=True)
        audit_record(action="version-activated", actor=actor, obj=locked, request=request)


# --- submissions ---------------------------------------------------------------------


def _refuse_closed(phase: Phase, at: datetime) -> None:
    if phase.open_for_submissions(at=at):
        return
    when = ""
    if phase.submissions_open_at and at < phase.submissions_open_at:
        when = f" It opens at {phase.submissions_open_at.isoformat()}."
    elif phase.submissions_close_at and at > phase.submissions_close_at:
        when = f" It closed at {phase.submissions_close_at.isoformat()}."
    raise ValidationError(f"The phase {phase.title!r} is not open for submissions.{when}")


def _refuse_over_limit(phase: Phase, creator: User, at: datetime) -> None:
    limit = selectors.submission_limit(phase=phase, user=creator, at=at)
    if limit.remaining > 0:
        return
    period = (
        f"every {limit.period_days} day{'s' if limit.period_days != 1 else ''}"
        if limit.period_days
        else "in total"
    )
    nxt = (
        f" The next one is possible at {limit.next_submission_at.isoformat()}."
        if limit.next_submission_at
        else " No more are possible in this phase."
    )
    raise ValidationError(
        f"You have used all {limit.limit} submissions of the phase {phase.title!r} "
        f"({limit.limit} {period}).{nxt}"
    )


def _refuse_without_parent_success(
    phase: Phase, creator: User, algorithm_image: AlgorithmImage | None
) -> None:
    parent = phase.parent
    if parent is None:
        return
    succeeded = Evaluation.objects.filter(
        submission__phase=parent, status=Evaluation.Status.SUCCESS
    )
    if algorithm_image is not None:
        succeeded = succeeded.filter(submission__algorithm_image=algorithm_image)
        what = "this algorithm image"
    else:
        succeeded = succeeded.filter(submission__creator=creator)
        what = "you"
    if not succeeded.exists():
        raise ValidationError(
            f"First {what} must be evaluated successfully in the phase {parent.title!r} "
            f"before submitting to {phase.title!r}."
        )


def _check_algorithm_image(phase: Phase, creator: User, image: AlgorithmImage) -> None:
    if not can(creator, "execute_algorithm", image.algorithm):
        raise ValidationError({"algorithm_image": "You may not use this algorithm image."})
    if image.status != AlgorithmImage.Status.VALID:
        raise ValidationError(
            {
                "algorithm_image": f"The algorithm image is {image.status}; "
                "only a valid image can be submitted."
            }
        )
    if image.algorithm.memory_limit_gb > phase.algorithm_maximum_settable_memory_gb:
        raise ValidationError(
            {
                "algorithm_image": "The algorithm asks for "
                f"{image.algorithm.memory_limit_gb} GB of memory; the phase allows at most "
                f"{phase.algorithm_maximum_settable_memory_gb} GB."
            }
        )
    duplicate = Submission.objects.filter(
        phase=phase, algorithm_image__image_sha256=image.image_sha256
    ).exists()
    if duplicate:
        raise ValidationError(
            {
                "algorithm_image": f"This image ({image.image_sha256[:19]}...) was already "
                f"submitted to the phase {phase.title!r}."
            }
        )


PREDICTIONS_SOCKETS = {
    "predictions.csv": "predictions-csv-file",
    "predictions.zip": "predictions-zip-file",
}


def _store_predictions(submission: Submission, upload: UserUpload) -> str:
    """Check the file's type by content, then copy it to the private bucket; returns the
    slug of the socket its type puts it in."""
    if upload.size is not None and upload.size > MAX_PREDICTIONS_BYTES:
        raise ValidationError(
            {"user_upload": f"{upload.filename} is over {MAX_PREDICTIONS_BYTES} bytes."}
        )
    stream = open_upload(upload=upload)
    try:
        head = stream.read(8192)
    finally:
        stream.close()
    try:
        relative_path = predictions_relative_path(detect_mimetype(head))
    except EvaluationRefused as e:
        raise ValidationError({"user_upload": f"{upload.filename}: {e}"}) from None
    key = predictions_path(submission, upload.filename)
    s3_client("private").copy(
        {"Bucket": bucket_name("uploads"), "Key": upload.key}, bucket_name("private"), key
    )
    submission.predictions_file.name = key
    submission.predictions_filename = upload.filename[:255]
    return PREDICTIONS_SOCKETS[relative_path]


def _predictions_value(
    *, slug: str, upload: UserUpload, creator: User, stored_keys: list[str]
) -> ComponentInterfaceValue:
    """The file as a value of its catalogue socket, checked and stored by the socket-value
    pipeline like every other value (the evaluation's input)."""
    spec = ValueSpec(socket=ComponentInterface.objects.get(slug=slug), user_upload=upload)
    try:
        value_specs_check(specs=[spec], field="user_upload")
        created = socket_values_create(specs=[spec], creator=creator, stored_keys=stored_keys)
        return created.values[0]
    finally:
        value_specs_close([spec])


def submission_create(
    *,
    phase: Phase,
    creator: User,
    algorithm_image: AlgorithmImage | None = None,
    user_upload: UserUpload | None = None,
    comment: str = "",
    request: HttpRequest | None = None,
) -> Submission:
    """Submit to a phase: checks GC's rules, then creates the submission and its evaluation
    with the phase's active method and ground truth."""
    challenge = phase.challenge
    admin = selectors.is_admin(creator, challenge)
    if not admin and not selectors.is_participant(creator, challenge):
        raise PermissionDenied(f"Join the challenge {challenge.slug!r} before submitting.")
    if phase.is_algorithm_phase:
        if algorithm_image is None or user_upload is not None:
            raise ValidationError(
                {"algorithm_image": f"The phase {phase.title!r} takes an algorithm image."}
            )
    elif user_upload is None or algorithm_image is not None:
        raise ValidationError(
            {"user_upload": f"The phase {phase.title!r} takes a predictions file upload."}
        )
    if user_upload is not None:
        _check_upload(user_upload, creator=creator)
    # objects written for a refused submission are removed
    stored_keys: list[str] = []
    private_key = ""
    try:
        with transaction.atomic():
            # one submission at a time per phase, so two racing requests cannot both pass the limit
            phase = Phase.objects.select_for_update().get(pk=phase.pk)
            at = timezone.now()
            if not admin:
                _refuse_closed(phase, at)
            if algorithm_image is not None:
                _check_algorithm_image(phase, creator, algorithm_image)
            if not admin:
                active = Evaluation.objects.filter(
                    submission__phase=phase, submission__creator=creator
                ).exclude(status__in=Evaluation.FINAL)
                # a stuck one is the platform's fault: it does not hold the participant up
                if active.exclude(pk__in=stuck_pks(active)).exists():
                    raise ValidationError(
                        "You have an evaluation in progress in this phase; wait for it to finish."
                    )
                _refuse_over_limit(phase, creator, at)
                _refuse_without_parent_success(phase, creator, algorithm_image)
            method = selectors.active_method(phase)
            if method is None and not phase.external_evaluation:
                raise ValidationError(
                    f"The phase {phase.title!r} has no valid evaluation method yet."
                )
            submission = Submission(
                phase=phase,
                creator=creator,
                team=selectors.team_of(challenge=challenge, user=creator),
                algorithm_image=algorithm_image,
                user_upload=user_upload,
                comment=comment[:128],
            )
            if algorithm_image is not None:
                submission.algorithm_requires_gpu = algorithm_image.algorithm.requires_gpu
                submission.algorithm_requires_memory_gb = algorithm_image.algorithm.memory_limit_gb
            inputs = []
            if user_upload is not None:
                slug = _store_predictions(submission, user_upload)
                private_key = submission.predictions_file.name
                inputs.append(
                    _predictions_value(
                        slug=slug, upload=user_upload, creator=creator, stored_keys=stored_keys
                    )
                )
            submission.save()
            if algorithm_image is not None and not phase.external_evaluation:
                submission.jobs.set(
                    submission_jobs_create(
                        phase=phase, creator=creator, algorithm_image=algorithm_image
                    )
                )
            _evaluation_create(submission=submission, method=method, inputs=inputs)
            audit_record(
                action="submission-created", actor=creator, obj=submission, request=request
            )
    except BaseException:
        delete_stored_objects(stored_keys)
        if private_key:
            s3_client("private").delete_object(Bucket=bucket_name("private"), Key=private_key)
        raise
    if user_upload is not None:
        delete_upload(upload=user_upload)
    return submission


# --- evaluations ---------------------------------------------------------------------


def _evaluation_create(
    *, submission: Submission, method: Method | None, inputs: list | None = None
) -> Evaluation:
    phase = submission.phase
    # algorithm phases run once their jobs are done (GC's EXECUTING_PREREQUISITES)
    waits_for_jobs = phase.is_algorithm_phase and not phase.external_evaluation
    evaluation = Evaluation.objects.create(
        submission=submission,
        method=method,
        ground_truth=selectors.active_ground_truth(phase),
        published=phase.auto_publish_new_results,
        time_limit=phase.evaluation_time_limit,
        requires_gpu_type=phase.evaluation_requires_gpu_type,
        requires_memory_gb=phase.evaluation_requires_memory_gb,
        status=Evaluation.Status.EXECUTING_PREREQUISITES
        if waits_for_jobs
        else Evaluation.Status.PENDING,
    )
    if inputs:
        evaluation.inputs.set(inputs)
    if waits_for_jobs:
        # a re-run finds the jobs done already
        evaluation_jobs_settle(evaluation_pk=evaluation.pk)
        evaluation.refresh_from_db()
    elif not phase.external_evaluation:
        _queue(evaluation)
    return evaluation


def _queue(evaluation: Evaluation) -> None:
    # the GPU need of the evaluation picks the queue, as for algorithm jobs
    queue = settings.QUEUE_JOBS_GPU if evaluation.requires_gpu_type else settings.QUEUE_JOBS_CPU
    enqueue("challenges.tasks.execute_evaluation", queue=queue, evaluation_pk=str(evaluation.pk))


def evaluation_jobs_settle(*, evaluation_pk: Any) -> None:
    """An evaluation waiting for its submission's jobs fails as soon as one of them failed,
    naming the case and the job's error, and is queued once all of them succeeded."""
    statuses = set(
        Evaluation.objects.filter(pk=evaluation_pk).values_list(
            "submission__jobs__status", flat=True
        )
    )
    ended = {Job.Status.FAILED, Job.Status.CANCELLED}
    if statuses & set(Job.ACTIVE_STATUSES) and not statuses & ended:
        # nothing to settle yet, so no lock: the last job to finish settles it (each job's
        # call comes after its own commit, so that one sees every job final)
        return
    with transaction.atomic():
        evaluation = (
            Evaluation.objects.select_for_update()
            .filter(pk=evaluation_pk, status=Evaluation.Status.EXECUTING_PREREQUISITES)
            .select_related("submission__phase")
            .first()
        )
        if evaluation is None:
            return
        jobs = list(evaluation.submission.jobs.order_by("created", "pk"))
        failed = [j for j in jobs if j.status in (Job.Status.FAILED, Job.Status.CANCELLED)]
        if failed:
            job = failed[0]
            case = case_of(phase=evaluation.submission.phase, job=job)
            reason = job.error_message or f"the job was {job.status.lower()}"
            evaluation_fail(
                evaluation=evaluation,
                error_message=f"The algorithm failed on case {case}: {reason}",
            )
            # the evaluation cannot succeed any more: the other cases need not run
            for other in jobs:
                if other.status not in Job.FINAL_STATUSES:
                    try:
                        job_cancel(
                            job=other,
                            actor=None,
                            reason=f"Cancelled: the submission's job on case {case} failed.",
                        )
                    except JobRefused:
                        pass  # it finished meanwhile
            return
        if jobs and all(j.status == Job.Status.SUCCEEDED for j in jobs):
            evaluation.status = Evaluation.Status.PENDING
            evaluation.save(update_fields=["status", "modified"])
            _queue(evaluation)


def jobs_finished(*, job_pk: Any, **kwargs: Any) -> None:
    """Receiver of algorithms' `job_finished` (connected in the AppConfig)."""
    waiting = Evaluation.objects.filter(
        status=Evaluation.Status.EXECUTING_PREREQUISITES, submission__jobs=job_pk
    ).values_list("pk", flat=True)
    for pk in list(waiting):
        evaluation_jobs_settle(evaluation_pk=pk)


def evaluation_rerun(
    *, submission: Submission, actor: User, request: HttpRequest | None = None
) -> Evaluation:
    """Evaluate a submission again with the phase's active method and ground truth (after a
    new method version, say); earlier evaluations stay as they were."""
    phase = submission.phase
    if not selectors.is_admin(actor, phase.challenge):
        raise PermissionDenied("Only the challenge's admins may re-run evaluations.")
    method = selectors.active_method(phase)
    if method is None and not phase.external_evaluation:
        raise ValidationError(f"The phase {phase.title!r} has no valid evaluation method.")
    # a predictions file is the same value again; algorithm phases gather theirs on running
    previous = submission.evaluations.order_by("-created").first()
    inputs = list(previous.inputs.all()) if previous and not phase.is_algorithm_phase else None
    with transaction.atomic():
        evaluation = _evaluation_create(submission=submission, method=method, inputs=inputs)
        audit_record(action="evaluation-rerun", actor=actor, obj=evaluation, request=request)
    return evaluation


def evaluations_rank(*, phase: Phase) -> None:
    """Store rank, rank_score and rank_per_metric of every successful evaluation of the phase
    (GC's calculate_ranks); the unranked get 0, 0.0 and {}."""
    with transaction.atomic():
        evaluations = list(
            Evaluation.objects.select_for_update(of=("self",))
            .filter(submission__phase=phase, status=Evaluation.Status.SUCCESS)
            .select_related("submission")
        )
        # with teams, a team is one participant (most recent / best per team), the team
        # each submission was made for
        positions = ranking.calculate_ranks(
            results=[
                ranking.Result(
                    pk=e.pk,
                    creator=selectors.participant_key(
                        e.submission, use_teams=phase.challenge.use_teams
                    ),
                    created=e.created,
                    metrics=e.metrics,
                    published=e.published,
                )
                for e in evaluations
            ],
            metrics=phase.metrics,
            scoring_method=phase.scoring_method_choice,
            result_display=phase.result_display_choice,
        )
        for e in evaluations:
            p = positions[e.pk]
            e.rank, e.rank_score, e.rank_per_metric = p.rank, p.rank_score, p.rank_per_metric
        Evaluation.objects.bulk_update(evaluations, ["rank", "rank_score", "rank_per_metric"])
        # a failed re-run or a cancelled evaluation leaves the board
        Evaluation.objects.filter(submission__phase=phase).exclude(
            status=Evaluation.Status.SUCCESS
        ).exclude(rank=0, rank_score=0.0, rank_per_metric={}).update(
            rank=0, rank_score=0.0, rank_per_metric={}
        )


def evaluation_succeed(*, evaluation: Evaluation, metrics_json: bytes | None) -> Evaluation:
    """Store the evaluation's metrics.json, or fail it with why the file is unusable."""
    phase = evaluation.submission.phase
    try:
        metrics = parse_metrics(metrics_json, score_jsonpath=phase.score_jsonpath)
    except EvaluationRefused as e:
        return evaluation_fail(evaluation=evaluation, error_message=str(e))
    with transaction.atomic():
        locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        locked.metrics = metrics
        # also an output value, as in GC, so the read API lists it under `outputs`
        locked.outputs.add(
            socket_value_create(
                socket=ComponentInterface.objects.get(slug="metrics-json-file"), value=metrics
            )
        )
        locked.status = Evaluation.Status.SUCCESS
        locked.error_message = ""
        locked.completed_at = timezone.now()
        locked.save()
        evaluations_rank(phase=phase)
        notifications.evaluation_finished(evaluation_pk=locked.pk)
    locked.refresh_from_db()
    return locked


def evaluation_fail(*, evaluation: Evaluation, error_message: str) -> Evaluation:
    with transaction.atomic():
        locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        locked.status = Evaluation.Status.FAILURE
        locked.error_message = error_message[:1024]
        locked.completed_at = timezone.now()
        locked.save()
        evaluations_rank(phase=evaluation.submission.phase)
        notifications.evaluation_finished(evaluation_pk=locked.pk)
    return locked


def evaluation_publish(
    *, evaluation: Evaluation, published: bool, actor: User, request: HttpRequest | None = None
) -> Evaluation:
    with transaction.atomic():
        locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        locked.published = published
        locked.save(update_fields=["published", "modified"])
        audit_record(
            action="evaluation-published" if published else "evaluation-unpublished",
            actor=actor,
            obj=locked,
            request=request,
        )
        evaluations_rank(phase=evaluation.submission.phase)
    locked.refresh_from_db()
    return locked


def evaluation_claim(*, evaluation: Evaluation, user: User) -> Evaluation:
    """An external evaluator takes a queued evaluation (one at a time)."""
    with transaction.atomic():
        locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        if not locked.submission.phase.external_evaluation:
            raise ValidationError("This evaluation is not evaluated externally.")
        if locked.status != Evaluation.Status.PENDING:
            raise ValidationError(
                "Only a queued evaluation can be claimed; "
                f"this one is {locked.get_status_display()}."
            )
        if Evaluation.objects.filter(claimed_by=user, status=Evaluation.Status.CLAIMED).exists():
            raise ValidationError("You already have a claimed evaluation; finish it first.")
        locked.status = Evaluation.Status.CLAIMED
        locked.claimed_by = user
        locked.claimed_at = timezone.now()
        locked.started_at = locked.claimed_at
        locked.save()
    return locked


def evaluation_external_update(
    *, evaluation: Evaluation, user: User, status: str, metrics: Any = None, error_message: str = ""
) -> Evaluation:
    if evaluation.status != Evaluation.Status.CLAIMED or evaluation.claimed_by_id != user.pk:
        raise ValidationError("Only the evaluator who claimed this evaluation can update it.")
    if status == "Succeeded":
        if metrics is None:
            raise ValidationError({"metrics": "Send the metrics of a succeeded evaluation."})
        return evaluation_succeed(evaluation=evaluation, metrics_json=json.dumps(metrics).encode())
    if status == "Failed":
        if not error_message:
            raise ValidationError({"error_message": "Say why the evaluation failed."})
        return evaluation_fail(evaluation=evaluation, error_message=error_message)
    raise ValidationError({"status": f"{status!r} is not one of 'Succeeded', 'Failed'."})
