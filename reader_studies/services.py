"""Writes for reader studies, their members, display sets, questions and answers."""

import datetime
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import slugify

from app.models import AccessRequestHandling
from app.permissions import add_member, can, create_role_groups, remove_member
from archives.services import MAX_LOGO_BYTES
from cases.models import Image, RawImageUploadSession
from cases.targets import TargetError
from components.kinds import SuperKind
from components.models import ComponentInterface, ComponentInterfaceValue
from components.services import socket_value_create
from components.values import ValueSpec, socket_values_create
from reader_studies import scoring
from reader_studies.mask_geometry import geometry_problem
from reader_studies.models import (
    READ_ONLY_ONCE_ANSWERED,
    Answer,
    AnswerType,
    CategoricalOption,
    DisplaySet,
    Question,
    ReaderStudy,
    ReaderStudyPermissionRequest,
)
from reader_studies.validation import answer_problem, question_problems, viewport_name

ROLES = ("editors", "readers")
ROLE_PERMISSIONS = {
    "editors": ["view_readerstudy", "change_readerstudy", "read_readerstudy", "view_leaderboard"],
    "readers": ["view_readerstudy", "read_readerstudy"],
}
SETTINGS = (
    "description",
    "public",
    "access_request_handling",
    "help_text_markdown",
    "view_content",
    "shuffle_hanging_list",
    "is_educational",
    "instant_verification",
    "case_text",
    "allow_answer_modification",
    "enable_autosaving",
    "allow_case_navigation",
    "allow_show_all_annotations",
    "roll_over_answers_for_n_cases",
    "leaderboard_accessible_to_readers",
    "end_of_study_text_markdown",
    "max_credits",
)
RESERVED_SLUGS = {"create", "questions", "display-sets", "answers"}


# --- reader studies -----------------------------------------------------------------


def _unique_slug(title: str) -> str:
    base = slugify(title)[:200] or "reader-study"
    slug, n = base, 1
    while slug in RESERVED_SLUGS or ReaderStudy.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _check(study: ReaderStudy) -> None:
    study.full_clean(exclude=["slug", "logo", "editors_group", "readers_group"])


LOGO_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}
MAX_LOGO_SIDE = 4096


def _logo_check(logo: UploadedFile) -> None:
    """A logo browsers show: a small PNG, JPEG, GIF or WebP picture that Pillow reads."""
    from PIL import Image as Picture

    name = logo.name or "the logo"
    if logo.size is not None and logo.size > MAX_LOGO_BYTES:
        raise ValidationError(
            {"logo": f"{name} has {logo.size} bytes; a logo has at most {MAX_LOGO_BYTES}."}
        )
    try:
        logo.seek(0)
        with Picture.open(logo) as picture:
            kind, size = picture.format, picture.size
            picture.verify()
    except (OSError, ValueError, Picture.DecompressionBombError) as e:
        raise ValidationError({"logo": f"{name} is not a picture Pillow can read ({e})."}) from e
    finally:
        logo.seek(0)
    if kind not in LOGO_FORMATS:
        raise ValidationError(
            {"logo": f"{name} is a {kind} picture; a logo is PNG, JPEG, GIF or WebP."}
        )
    if max(size) > MAX_LOGO_SIDE:
        raise ValidationError(
            {"logo": f"{name} is {size[0]}x{size[1]} pixels; at most {MAX_LOGO_SIDE} a side."}
        )


def _logo_set(study: ReaderStudy, logo: UploadedFile | None, remove: bool) -> None:
    """Store the new logo (or none) and drop the old file once the row points elsewhere."""
    old = study.logo.name if study.logo else ""
    if logo is not None:
        study.logo.save(logo.name or "logo.png", logo, save=False)
    elif remove:
        study.logo = None  # type: ignore[assignment]
    else:
        return
    study.save(update_fields=["logo"])
    if old:
        storage = study.logo.storage
        transaction.on_commit(lambda: storage.delete(old))


def reader_study_create(
    *,
    creator: User,
    title: str,
    request: HttpRequest | None = None,
    logo: UploadedFile | None = None,
    **settings: Any,
) -> ReaderStudy:
    """Create a study with these reading settings (and logo); its creator becomes its
    first editor."""
    unknown = sorted(set(settings) - set(SETTINGS))
    if unknown:
        raise ValidationError({name: "Unknown setting." for name in unknown})
    title = title.strip()
    if not title:
        raise ValidationError({"title": "Give the reader study a title."})
    if logo is not None:
        _logo_check(logo)
    study = ReaderStudy(title=title[:255], **settings)
    _check(study)
    for _ in range(3):  # two creators racing for one slug: the loser takes the next one
        try:
            with transaction.atomic():
                study.slug = _unique_slug(title)
                study.save(force_insert=True)
                create_role_groups(obj=study, roles=ROLE_PERMISSIONS)
                add_member(obj=study, role="editors", user=creator, actor=creator, request=request)
                _leaderboard_permission_set(study)
                _logo_set(study, logo, remove=False)
                return study
        except IntegrityError:
            study = ReaderStudy(title=title[:255], **settings)
            continue
    raise ValidationError({"title": "Could not find a free slug for this title; try another."})


def reader_study_update(
    *,
    reader_study: ReaderStudy,
    logo: UploadedFile | None = None,
    remove_logo: bool = False,
    **changes: Any,
) -> ReaderStudy:
    """Change the title, reading settings and logo (a new one, or `remove_logo`) together,
    keeping the cross-field rules: all of them or nothing."""
    unknown = sorted(set(changes) - set(SETTINGS) - {"title"})
    if unknown:
        raise ValidationError({name: "Unknown setting." for name in unknown})
    if logo is not None:
        _logo_check(logo)
    for name, value in changes.items():
        setattr(reader_study, name, value)
    reader_study.title = reader_study.title.strip()[:255]
    if not reader_study.title:
        raise ValidationError({"title": "Give the reader study a title."})
    _check(reader_study)
    with transaction.atomic():
        reader_study.save()
        _leaderboard_permission_set(reader_study)
        _logo_set(reader_study, logo, remove=remove_logo)
    return reader_study


def _leaderboard_permission_set(study: ReaderStudy) -> None:
    from guardian.shortcuts import assign_perm, remove_perm

    assert study.readers_group is not None
    if study.leaderboard_accessible_to_readers:
        assign_perm("reader_studies.view_leaderboard", study.readers_group, study)
    else:
        remove_perm("reader_studies.view_leaderboard", study.readers_group, study)


def reader_study_member_add(
    *,
    reader_study: ReaderStudy,
    role: str,
    user: User,
    actor: User,
    request: HttpRequest | None = None,
) -> None:
    if role not in ROLES:
        raise ValidationError({"role": f"Role must be one of {', '.join(ROLES)}."})
    add_member(obj=reader_study, role=role, user=user, actor=actor, request=request)


def reader_study_member_remove(
    *,
    reader_study: ReaderStudy,
    role: str,
    user: User,
    actor: User,
    request: HttpRequest | None = None,
) -> None:
    if role not in ROLES:
        raise ValidationError({"role": f"Role must be one of {', '.join(ROLES)}."})
    with transaction.atomic():
        group = reader_study.editors_group
        if role == "editors" and group and group.user_set.exclude(pk=user.pk).count() == 0:
            raise ValidationError({"user": "A reader study keeps at least one editor."})
        remove_member(obj=reader_study, role=role, user=user, actor=actor, request=request)


# --- display sets -------------------------------------------------------------------


def _next_order(reader_study: ReaderStudy) -> int:
    """GC: the next multiple of 10 above the highest order in the study."""
    highest = reader_study.display_sets.aggregate(m=Max("order"))["m"] or 0
    return (highest + 10) // 10 * 10


def _title_check(*, reader_study: ReaderStudy, title: str, exclude: DisplaySet | None) -> str:
    title = title.strip()[:255]
    others = reader_study.display_sets.filter(title=title)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    if title and others.exists():
        raise ValidationError(
            {"title": f"The reader study already has a display set titled '{title}'."}
        )
    return title


def display_set_create(
    *, reader_study: ReaderStudy, title: str = "", order: int | None = None
) -> DisplaySet:
    """A new, empty case (values come through `display_set_update`); order 0 or None means
    the next multiple of 10."""
    with transaction.atomic():
        # one writer at a time per study, so two cases never take the same next order
        ReaderStudy.objects.select_for_update().filter(pk=reader_study.pk).first()
        title = _title_check(reader_study=reader_study, title=title, exclude=None)
        try:
            with transaction.atomic():
                return DisplaySet.objects.create(
                    reader_study=reader_study,
                    title=title,
                    order=order or _next_order(reader_study),
                )
        except IntegrityError as e:  # a racing case took the title
            raise ValidationError(
                {"title": f"The reader study already has a display set titled '{title}'."}
            ) from e


def display_set_is_editable(display_set: DisplaySet) -> bool:
    return not display_set.answers.exists()


def _editable_check(display_set: DisplaySet) -> None:
    if not display_set_is_editable(display_set):
        raise ValidationError(
            {
                "non_field_errors": (
                    "This display set cannot be changed, as answers for it already exist."
                )
            }
        )


def display_set_image_target(*, display_set: DisplaySet, interface: ComponentInterface) -> dict:
    """The upload target that makes the one built image the case's value of interface."""
    if interface.super_kind != SuperKind.IMAGE:
        raise ValidationError({interface.slug: f"Socket '{interface.slug}' takes no image."})
    return {"kind": "display-set", "display_set": str(display_set.pk), "interface": interface.slug}


def display_set_update(
    *,
    display_set: DisplaySet,
    creator: User,
    specs: Sequence[ValueSpec] = (),
    title: str | None = None,
    order: int | None = None,
    replace: bool = False,
) -> DisplaySet:
    """Give a case these checked values (each replacing the case's value of its socket),
    and when given a new title and order (0 = next multiple of 10). `replace` (PUT) also
    removes the values of sockets not given. Refused once the case has answers."""
    with transaction.atomic():
        display_set = DisplaySet.objects.select_for_update().get(pk=display_set.pk)
        _editable_check(display_set)
        fields = []
        if title is not None:
            display_set.title = _title_check(
                reader_study=display_set.reader_study, title=title, exclude=display_set
            )
            fields.append("title")
        if order is not None:
            display_set.order = order or _next_order(display_set.reader_study)
            fields.append("order")
        if fields:
            display_set.save(update_fields=fields)
        created = socket_values_create(
            specs=specs,
            creator=creator,
            image_target=lambda spec: display_set_image_target(
                display_set=display_set, interface=spec.socket
            ),
        )
        for civ in created.values:
            display_set_value_set(display_set=display_set, value=civ)
        if replace:
            keep = {spec.socket.pk for spec in specs}
            gone = list(display_set.values.exclude(interface_id__in=keep))
            display_set.values.remove(*gone)
            _delete_orphans(gone)
    return display_set


def display_set_value_set(*, display_set: DisplaySet, value: ComponentInterfaceValue) -> None:
    """Give the case this socket value, replacing the one it held for the same socket."""
    with transaction.atomic():
        old = list(display_set.values.filter(interface_id=value.interface_id).exclude(pk=value.pk))
        display_set.values.remove(*old)
        display_set.values.add(value)
        _delete_orphans(old)


def _delete_orphans(values: Sequence[ComponentInterfaceValue]) -> None:
    """Values nobody refers to any more go; shared ones (reused elsewhere) stay."""
    for civ in values:
        try:
            with transaction.atomic():
                civ.delete()
        except IntegrityError:
            pass


def attach_to_display_set(*, session: RawImageUploadSession, images: Sequence[Image]) -> None:
    """Upload target "display-set": the one image becomes the case's value for the socket."""
    display_set = DisplaySet.objects.filter(pk=session.target.get("display_set")).first()
    if display_set is None:
        raise TargetError("The display set no longer exists.")
    slug = session.target.get("interface") or ""
    socket = ComponentInterface.objects.filter(slug=slug).first()
    if socket is None:
        raise TargetError(f"The socket '{slug}' no longer exists.")
    if len(images) != 1:
        raise TargetError(
            f"Socket '{socket.slug}' takes one image, but the files gave {len(images)}."
        )
    if not display_set_is_editable(display_set):
        raise TargetError("The display set has answers now and cannot change.")
    display_set_value_set(
        display_set=display_set, value=socket_value_create(socket=socket, image=images[0])
    )


# --- questions ----------------------------------------------------------------------

QUESTION_FIELDS = (
    "question_text",
    "help_text",
    "answer_type",
    "image_port",
    "default_annotation_color",
    "required",
    "direction",
    "order",
    "interface",
    "widget",
    "answer_min_value",
    "answer_max_value",
    "answer_step_size",
    "answer_min_length",
    "answer_max_length",
    "answer_match_pattern",
    "empty_answer_confirmation",
    "empty_answer_confirmation_label",
    "overlay_segments",
    "score_tolerance_mm",
)


def questions_changed(sender: Any, instance: Question | CategoricalOption, **kwargs: Any) -> None:
    """Stamps the study of a saved or deleted question or option as changed: the reading
    page keeps a study's questions and options between cases by the study's `modified`
    (`selectors.questions_of`). Connected to the models' signals (`apps`), so that every
    write of one, not only these services', starts a new copy."""
    if isinstance(instance, Question):
        studies = ReaderStudy.objects.filter(pk=instance.reader_study_id)
    else:
        studies = ReaderStudy.objects.filter(questions=instance.question_id)
    studies.update(modified=timezone.now())


def _question_check(question: Question, option_count: int) -> None:
    errors: dict[str, Any] = {}
    try:
        question.full_clean(exclude=["reader_study", "interface"])
    except ValidationError as e:
        errors.update(e.message_dict)
    errors.update(question_problems(question, option_count=option_count))
    if errors:
        label = question.question_text[:60] or "(no text)"
        raise ValidationError(
            {field: f"Question '{label}': {message}" for field, message in _flat(errors)}
        )


def _flat(errors: dict[str, Any]) -> list[tuple[str, str]]:
    return [(field, " ".join(m) if isinstance(m, list) else str(m)) for field, m in errors.items()]


def _options_check(options: Sequence[dict[str, Any]]) -> None:
    for option in options:
        if not str(option.get("title", "")).strip():
            raise ValidationError({"options": "Every option needs a title."})
    if sum(bool(o.get("default")) for o in options) > 1:
        raise ValidationError({"options": "At most one option is the default."})


def question_create(
    *,
    reader_study: ReaderStudy,
    question_text: str,
    options: Sequence[dict[str, Any]] = (),
    **fields: Any,
) -> Question:
    """A question with GC's rules checked; `options` are `{"title", "default"}` dicts."""
    unknown = sorted(set(fields) - set(QUESTION_FIELDS))
    if unknown:
        raise ValidationError({name: "Unknown field." for name in unknown})
    question = Question(reader_study=reader_study, question_text=question_text, **fields)
    _options_check(options)
    _question_check(question, len(options))
    with transaction.atomic():
        question.save()
        for option in options:
            CategoricalOption.objects.create(
                question=question,
                title=str(option["title"])[:1024],
                default=bool(option.get("default")),
            )
    return question


def question_update(
    *,
    question: Question,
    options: Sequence[dict[str, Any]] | None = None,
    **changes: Any,
) -> Question:
    """Change a question; what answers depend on is read-only once it has answers, and
    options can be added or renamed (`{"id", "title", "default"}`) but not removed then."""
    unknown = sorted(set(changes) - set(QUESTION_FIELDS))
    if unknown:
        raise ValidationError({name: "Unknown field." for name in unknown})
    with transaction.atomic():
        question = Question.objects.select_for_update().get(pk=question.pk)
        answered = question.answers.exists()
        label = question.question_text[:60]
        if answered:
            frozen = [
                name
                for name, value in changes.items()
                if name in READ_ONLY_ONCE_ANSWERED and getattr(question, name) != value
            ]
            if frozen:
                raise ValidationError(
                    {
                        name: f"Question '{label}' has answers: its {name} cannot change."
                        for name in frozen
                    }
                )
        for name, value in changes.items():
            setattr(question, name, value)
        existing = {o.id: o for o in question.options.all()}
        if options is not None:
            _options_check(options)
            kept = {int(o["id"]) for o in options if o.get("id") is not None}
            unknown_ids = kept - set(existing)
            if unknown_ids:
                raise ValidationError(
                    {"options": f"Question '{label}' has no option(s) {sorted(unknown_ids)}."}
                )
            if answered and set(existing) - kept:
                raise ValidationError(
                    {"options": f"Question '{label}' has answers: its options cannot be removed."}
                )
        count = len(options) if options is not None else len(existing)
        _question_check(question, count)
        question.save()
        if answered and "score_tolerance_mm" in changes:
            reader_study_rescore(reader_study=question.reader_study)
        if options is not None:
            question.options.exclude(id__in=kept).delete()
            for option in options:
                title, default = str(option["title"])[:1024], bool(option.get("default"))
                if option.get("id") is not None:
                    CategoricalOption.objects.filter(pk=option["id"]).update(
                        title=title, default=default
                    )
                else:
                    CategoricalOption.objects.create(
                        question=question, title=title, default=default
                    )
    return question


def question_delete(*, question: Question) -> None:
    """A question without answers (GC keeps answered questions: readers' work would go)."""
    with transaction.atomic():
        question = Question.objects.select_for_update().get(pk=question.pk)
        if question.answers.exists():
            raise ValidationError(
                f"Question '{question.question_text[:60]}' has answers and cannot be deleted."
            )
        question.delete()


# --- answers ------------------------------------------------------------------------


def _images_for(question: Question, display_set: DisplaySet) -> list[Image]:
    """The images an annotation is drawn on: those of the viewport the question's image
    port shows when the study says which, otherwise every image of the case."""
    civs = display_set.values.filter(image__isnull=False).select_related("image", "interface")
    slugs = None
    if question.image_port and question.reader_study.view_content:
        slugs = question.reader_study.view_content.get(viewport_name(question.image_port))
    return [civ.image for civ in civs if civ.image and (not slugs or civ.interface.slug in slugs)]


def answer_check(
    *, question: Question, display_set: DisplaySet, value: Any, creator: User
) -> Image | None:
    """Refuse an invalid answer naming the question; for a mask, its checked image."""
    if display_set.reader_study_id != question.reader_study_id:
        raise ValidationError(
            {
                "display_set": (
                    f"Question '{question.question_text}': the display set belongs to "
                    "another reader study."
                )
            }
        )
    images = _images_for(question, display_set)
    option_ids = question.options.values_list("id", flat=True)
    problem = answer_problem(question, value, option_ids=option_ids, images=images)
    mask = None
    if problem is None and question.answer_type == AnswerType.MASK and value is not None:
        mask, problem = _mask_of(
            question=question, session_pk=value["upload_session_pk"], creator=creator, images=images
        )
    if problem:
        raise ValidationError({"answer": f"Question '{question.question_text}': {problem}"})
    return mask


def _mask_of(
    *, question: Question, session_pk: str, creator: User, images: Sequence[Image]
) -> tuple[Image | None, str | None]:
    """The mask image built by the reader's upload session, checked against the case's
    image (same voxel grid) and the question's overlay segments (known label values)."""
    session = RawImageUploadSession.objects.filter(pk=session_pk, creator=creator).first()
    if session is None:
        return None, f"{session_pk} is not an upload session of yours."
    if session.status != RawImageUploadSession.Status.SUCCEEDED:
        return (
            None,
            f"The upload session {session_pk} has not built its image (status {session.status}).",
        )
    built = list(Image.objects.filter(origin=session)[:2])
    if len(built) != 1:
        return None, f"The upload session {session_pk} must hold exactly one image."
    mask = built[0]
    if images and not any(mask.shape == image.shape for image in images):
        shape = "x".join(map(str, mask.shape))
        wanted = "x".join(map(str, images[0].shape))
        return None, (f"The mask has {shape} voxels but the image '{images[0].name}' has {wanted}.")
    same_shape = [image for image in images if mask.shape == image.shape]
    off_grid = [geometry_problem(mask, image) for image in same_shape]
    if same_shape and all(off_grid):
        return None, off_grid[0]
    if mask.segments is None:
        return None, "The mask is not a label map (a single-channel integer image)."
    known = {0} | {s["voxel_value"] for s in question.overlay_segments or []}
    unknown = sorted(set(mask.segments) - known)
    if unknown:
        return None, (
            f"The mask holds voxel values {unknown} that are not among the question's "
            f"overlay segments {sorted(known - {0})}."
        )
    return mask, None


def _ground_truth_of(answer: Answer) -> Answer | None:
    return Answer.objects.filter(
        question_id=answer.question_id, display_set_id=answer.display_set_id, is_ground_truth=True
    ).first()


def calculate_score(question: Question, answer: Any, ground_truth: Any) -> float:
    """GC's accuracy (kept for callers of the first round)."""
    return scoring.accuracy(question, answer, ground_truth)


def _score(answer: Answer) -> float | None:
    if answer.is_ground_truth:
        return None
    gt = _ground_truth_of(answer)
    if gt is None:
        return None
    return scoring.score(
        answer.question,
        answer.answer,
        gt.answer,
        answer_image=answer.answer_image,
        ground_truth_image=gt.answer_image,
    )


def answer_create(
    *,
    creator: User,
    question: Question,
    display_set: DisplaySet,
    answer: Any,
    last_edit_duration: datetime.timedelta | None = None,
    is_ground_truth: bool = False,
) -> Answer:
    """One reader's answer to a question for a case, checked and scored."""
    if not can(creator, "read_readerstudy", question.reader_study):
        raise ValidationError(
            {
                "question": (
                    f"Question '{question.question_text}': you are not a reader or editor "
                    "of its reader study."
                )
            }
        )
    mask = answer_check(question=question, display_set=display_set, value=answer, creator=creator)
    with transaction.atomic():
        if Answer.objects.filter(
            creator=creator,
            question=question,
            display_set=display_set,
            is_ground_truth=is_ground_truth,
        ).exists():
            raise ValidationError(
                {
                    "non_field_errors": (
                        f"Question '{question.question_text}': you already answered it "
                        "for this display set."
                    )
                }
            )
        obj = Answer(
            creator=creator,
            question=question,
            display_set=display_set,
            answer=answer,
            answer_image=mask,
            is_ground_truth=is_ground_truth,
            last_edit_duration=last_edit_duration,
            total_edit_duration=last_edit_duration,
        )
        obj.score = _score(obj)
        try:
            with transaction.atomic():
                obj.save()
        except IntegrityError as e:  # a racing duplicate
            raise ValidationError(
                {"non_field_errors": f"Question '{question.question_text}': already answered."}
            ) from e
        if is_ground_truth:
            reader_study_rescore(reader_study=question.reader_study)
    return obj


def answer_update(
    *, answer: Answer, value: Any, last_edit_duration: datetime.timedelta | None = None
) -> Answer:
    """Change an answer where the study allows modification; durations accumulate."""
    question = answer.question
    if not question.reader_study.allow_answer_modification and not answer.is_ground_truth:
        raise ValidationError(
            {
                "answer": (
                    f"Question '{question.question_text}': this reader study does not allow "
                    "changing answers."
                )
            }
        )
    mask = answer_check(
        question=question, display_set=answer.display_set, value=value, creator=answer.creator
    )
    with transaction.atomic():
        answer = Answer.objects.select_for_update().get(pk=answer.pk)
        answer.answer = value
        answer.answer_image = mask
        old_total = answer.total_edit_duration
        answer.last_edit_duration = last_edit_duration
        answer.total_edit_duration = (
            old_total + last_edit_duration
            if old_total is not None and last_edit_duration is not None
            else None
        )
        answer.score = _score(answer)
        answer.save()
    return answer


def answers_submit(
    *,
    creator: User,
    display_set: DisplaySet,
    answers: Sequence[tuple[Question, Any]],
    last_edit_duration: datetime.timedelta | None = None,
) -> list[Answer]:
    """A reader's answers to several questions of one case (the reading page's form), all
    or none: each is created, or updated where it exists and its value changed. Every
    question's problem is reported, keyed by the question's pk."""
    errors: dict[str, list[str]] = {}
    saved: list[Answer] = []
    existing = {
        a.question_id: a
        for a in Answer.objects.filter(
            creator=creator, display_set=display_set, is_ground_truth=False
        ).select_related("question__reader_study", "display_set")
    }
    with transaction.atomic():
        for question, value in answers:
            try:
                with transaction.atomic():
                    old = existing.get(question.pk)
                    if old is None:
                        saved.append(
                            answer_create(
                                creator=creator,
                                question=question,
                                display_set=display_set,
                                answer=value,
                                last_edit_duration=last_edit_duration,
                            )
                        )
                    elif old.answer != value:
                        saved.append(
                            answer_update(
                                answer=old, value=value, last_edit_duration=last_edit_duration
                            )
                        )
            except ValidationError as e:
                errors[str(question.pk)] = e.messages
        if errors:  # raised inside the transaction: nothing of this case is written
            raise ValidationError(errors)
    return saved


def reader_study_rescore(*, reader_study: ReaderStudy) -> None:
    """GC's bulk rescoring after ground truth changes: every score reset, then recomputed
    where a ground truth exists."""
    answers = Answer.objects.filter(question__reader_study=reader_study)
    with transaction.atomic():
        answers.update(score=None)
        truths = {
            (gt.question_id, gt.display_set_id): gt
            for gt in answers.filter(is_ground_truth=True).select_related("answer_image")
        }
        masks: dict[Any, Any] = {}
        readers = answers.filter(is_ground_truth=False).select_related("question", "answer_image")
        for answer in readers:
            gt = truths.get((answer.question_id, answer.display_set_id))
            if gt is not None:
                answer.score = scoring.score(
                    answer.question,
                    answer.answer,
                    gt.answer,
                    answer_image=answer.answer_image,
                    ground_truth_image=gt.answer_image,
                    masks=masks,
                )
                answer.save(update_fields=["score"])


# --- access requests ----------------------------------------------------------------


def access_request_create(
    *, reader_study: ReaderStudy, user: User, request: HttpRequest | None = None
) -> ReaderStudyPermissionRequest:
    """Ask to read a study (a private one by its shared link too); accepted at once when its
    handling says so (everyone, or users with a verified e-mail address), else left for its
    editors."""
    if can(user, "read_readerstudy", reader_study):
        raise ValidationError(
            {"reader_study": f"You already read or edit the reader study '{reader_study.title}'."}
        )
    handling = AccessRequestHandling
    accept = reader_study.access_request_handling == handling.ACCEPT_ALL or (
        reader_study.access_request_handling == handling.ACCEPT_VERIFIED_USERS
        and user.emailaddress_set.filter(verified=True).exists()  # type: ignore[attr-defined]
    )
    status = ReaderStudyPermissionRequest.Status
    with transaction.atomic():
        access, created = ReaderStudyPermissionRequest.objects.select_for_update().get_or_create(
            user=user, reader_study=reader_study
        )
        if not created and access.status == status.PENDING:
            raise ValidationError(
                {"reader_study": "You already asked to read this study; the request is pending."}
            )
        # a rejected (or accepted, then removed) user may ask again
        access.status = status.PENDING
        access.save()
        if accept:
            access = access_request_decide(access=access, accept=True, actor=None, request=request)
    return access


def access_request_decide(
    *,
    access: ReaderStudyPermissionRequest,
    accept: bool,
    actor: User | None,
    request: HttpRequest | None = None,
) -> ReaderStudyPermissionRequest:
    """An editor's (or the study's automatic) answer to a pending request: accepting makes
    the user a reader."""
    status = ReaderStudyPermissionRequest.Status
    with transaction.atomic():
        access = ReaderStudyPermissionRequest.objects.select_for_update().get(pk=access.pk)
        if access.status != status.PENDING:
            raise ValidationError(
                {"status": f"The request is {access.get_status_display().lower()} already."}
            )
        access.status = status.ACCEPTED if accept else status.REJECTED
        access.save(update_fields=["status", "changed"])
        if accept:
            add_member(
                obj=access.reader_study,
                role="readers",
                user=access.user,
                actor=actor,
                request=request,
            )
    return access
