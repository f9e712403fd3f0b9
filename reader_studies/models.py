"""Reader studies in grand-challenge's shape: a study of display sets (cases) and
questions, answered by readers; codes and labels of answer types, widgets and image
ports are GC's, so gcapi scripts compare them unchanged."""

import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage, storages
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse

from app.models import AccessRequestHandling, RoleRequest
from components.kinds import Kind
from hanging_protocols.models import HangingProtocolMixin
from reader_studies.viewports import image_port_problem


def public_storage() -> Storage:
    return storages["public"]


def logo_key(instance: "ReaderStudy", filename: str) -> str:
    """Only UUIDs in the key: the uploader's file name stays out of the store."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "png"
    return f"reader-studies/logos/{uuid.uuid4()}.{suffix[:5]}"


class ReaderStudy(HangingProtocolMixin, models.Model):
    """A set of cases (display sets) and questions that readers answer.

    Roles: editors build the study and see every answer; readers answer and see their own.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    title = models.CharField(max_length=255)
    slug = models.SlugField(max_length=255, unique=True, editable=False)
    description = models.TextField(blank=True)
    logo = models.ImageField(upload_to=logo_key, storage=public_storage, blank=True)
    editors_group = models.OneToOneField(
        Group, null=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )
    readers_group = models.OneToOneField(
        Group, null=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )
    public = models.BooleanField(default=False)
    access_request_handling = models.CharField(
        max_length=25,
        choices=AccessRequestHandling.choices,
        default=AccessRequestHandling.MANUAL_REVIEW,
    )
    help_text_markdown = models.TextField(blank=True)
    shuffle_hanging_list = models.BooleanField(default=False)
    is_educational = models.BooleanField(default=False)
    instant_verification = models.BooleanField(default=False)
    case_text = models.JSONField(default=dict, blank=True)
    allow_answer_modification = models.BooleanField(default=False)
    enable_autosaving = models.BooleanField(default=False)
    allow_case_navigation = models.BooleanField(default=False)
    allow_show_all_annotations = models.BooleanField(default=False)
    roll_over_answers_for_n_cases = models.PositiveSmallIntegerField(default=0)
    leaderboard_accessible_to_readers = models.BooleanField(default=False)
    end_of_study_text_markdown = models.TextField(blank=True)
    max_credits = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ("-created",)
        verbose_name_plural = "reader studies"
        permissions = [
            ("read_readerstudy", "Can read the reader study"),
            ("view_leaderboard", "Can view the leaderboard of the reader study"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("reader_studies:detail", kwargs={"slug": self.slug})

    def clean(self) -> None:
        """GC's create-form rules, kept on the model so every write path meets them."""
        super().clean()  # the view content against its hanging protocol and the sockets
        errors: dict[str, str] = {}
        if self.roll_over_answers_for_n_cases > 0:
            if self.allow_case_navigation:
                errors["allow_case_navigation"] = (
                    "Rolling over answers cannot go with case navigation."
                )
            if self.shuffle_hanging_list:
                errors["shuffle_hanging_list"] = (
                    "Rolling over answers cannot go with a shuffled hanging list."
                )
        if self.public and not self.description:
            errors["description"] = "A public reader study needs a description."
        if self.instant_verification and not self.is_educational:
            errors["instant_verification"] = (
                "Instant verification is only for educational reader studies."
            )
        if self.leaderboard_accessible_to_readers and not self.is_educational:
            errors["leaderboard_accessible_to_readers"] = (
                "Only educational reader studies show readers the leaderboard."
            )
        if self.enable_autosaving and not self.allow_answer_modification:
            errors["enable_autosaving"] = "Autosaving needs answer modification to be allowed."
        if not isinstance(self.case_text, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.case_text.items()
        ):
            errors["case_text"] = "Case text maps image names to Markdown strings."
        if not isinstance(self.view_content, dict):
            errors["view_content"] = "View content maps viewports to socket slugs."
        elif self.view_content and not self._state.adding:
            # GC refuses view content that leaves a question's image port without an image
            problems = [
                f"Question '{q.question_text[:60]}': {problem}"
                for q in self.questions.exclude(image_port="").order_by("order", "created")
                if (problem := image_port_problem(q.image_port, view_content=self.view_content))
            ]
            if problems:
                errors["view_content"] = problems  # type: ignore[assignment]
        if errors:
            raise ValidationError(errors)


class DisplaySet(models.Model):
    """One case of a study: at most one value per socket, shown to readers in `order`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    reader_study = models.ForeignKey(
        ReaderStudy, on_delete=models.CASCADE, related_name="display_sets"
    )
    values = models.ManyToManyField(
        "components.ComponentInterfaceValue", blank=True, related_name="display_sets"
    )
    order = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ("order", "created")
        # a study's cases in reading order: the next unanswered case stops at the first hit
        indexes = [
            models.Index(
                fields=["reader_study", "order", "created", "id"], name="display_set_reading_order"
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["reader_study", "title"],
                condition=~models.Q(title=""),
                name="unique_display_set_title",
            )
        ]

    def __str__(self) -> str:
        return self.title or f"Case {str(self.pk)[:8]}"


class AnswerType(models.TextChoices):
    TEXT = "TEXT", "Text"
    BOOL = "BOOL", "Bool"
    NUMBER = "NUMB", "Number"
    HEADING = "HEAD", "Heading"
    CHOICE = "CHOI", "Choice"
    MULTIPLE_CHOICE = "MCHO", "Multiple choice"
    BOUNDING_BOX_2D = "2DBB", "2D bounding box"
    MULTIPLE_2D_BOUNDING_BOXES = "M2DB", "Multiple 2D bounding boxes"
    DISTANCE_MEASUREMENT = "DIST", "Distance measurement"
    MULTIPLE_DISTANCE_MEASUREMENTS = "MDIS", "Multiple distance measurements"
    POINT = "POIN", "Point"
    MULTIPLE_POINTS = "MPOI", "Multiple points"
    POLYGON = "POLY", "Polygon"
    MULTIPLE_POLYGONS = "MPOL", "Multiple polygons"
    LINE = "LINE", "Line"
    MULTIPLE_LINES = "MLIN", "Multiple lines"
    ANGLE = "ANGL", "Angle"
    MULTIPLE_ANGLES = "MANG", "Multiple angles"
    ELLIPSE = "ELLI", "Ellipse"
    MULTIPLE_ELLIPSES = "MELL", "Multiple ellipses"
    THREE_POINT_ANGLE = "3ANG", "Three-point angle"
    MULTIPLE_THREE_POINT_ANGLES = "M3AN", "Multiple three-point angles"
    MASK = "MASK", "Mask"


ANNOTATION_TYPES = frozenset(
    {
        AnswerType.BOUNDING_BOX_2D,
        AnswerType.MULTIPLE_2D_BOUNDING_BOXES,
        AnswerType.DISTANCE_MEASUREMENT,
        AnswerType.MULTIPLE_DISTANCE_MEASUREMENTS,
        AnswerType.POINT,
        AnswerType.MULTIPLE_POINTS,
        AnswerType.POLYGON,
        AnswerType.MULTIPLE_POLYGONS,
        AnswerType.LINE,
        AnswerType.MULTIPLE_LINES,
        AnswerType.ANGLE,
        AnswerType.MULTIPLE_ANGLES,
        AnswerType.ELLIPSE,
        AnswerType.MULTIPLE_ELLIPSES,
        AnswerType.THREE_POINT_ANGLE,
        AnswerType.MULTIPLE_THREE_POINT_ANGLES,
        AnswerType.MASK,
    }
)
MULTIPLE_ANNOTATION_TYPES = frozenset(t for t in ANNOTATION_TYPES if t.value.startswith("M"))
MULTIPLE_ANNOTATION_TYPES -= {AnswerType.MASK}

# The answer a reader gives by leaving the question empty (GC's `AnswerType.get_empty_value`).
EMPTY_ANSWER: dict[str, Any] = {AnswerType.TEXT: "", AnswerType.MULTIPLE_CHOICE: []}


class Widget(models.TextChoices):
    ACCEPT_REJECT = "ACCEPT_REJECT", "Accept/Reject Findings"
    NUMBER_INPUT = "NUMBER_INPUT", "Number Input"
    NUMBER_RANGE = "NUMBER_RANGE", "Number Range"
    TEXT_INPUT = "TEXT_INPUT", "Text Input"
    TEXT_AREA = "TEXT_AREA", "Text Area"
    SELECT_MULTIPLE = "SELECT_MULTIPLE", "Select Multiple"
    CHECKBOX_SELECT_MULTIPLE = "CHECKBOX_SELECT_MULTIPLE", "Checkbox Select Multiple"
    SELECT = "SELECT", "Select"
    RADIO_SELECT = "RADIO_SELECT", "Radio Select"


# answer type -> widgets it may use (a type missing here takes none)
WIDGETS: dict[str, tuple[str, ...]] = {
    AnswerType.TEXT: (Widget.TEXT_INPUT, Widget.TEXT_AREA),
    AnswerType.NUMBER: (Widget.NUMBER_INPUT, Widget.NUMBER_RANGE),
    AnswerType.CHOICE: (Widget.RADIO_SELECT, Widget.SELECT),
    AnswerType.MULTIPLE_CHOICE: (Widget.CHECKBOX_SELECT_MULTIPLE, Widget.SELECT_MULTIPLE),
    **{t: (Widget.ACCEPT_REJECT,) for t in MULTIPLE_ANNOTATION_TYPES},
}
WIDGET_REQUIRED = frozenset({AnswerType.TEXT, AnswerType.CHOICE})

# answer type -> socket kinds whose value may pre-fill the answer
INTERFACE_KINDS: dict[str, tuple[str, ...]] = {
    AnswerType.TEXT: (Kind.STRING,),
    AnswerType.BOOL: (Kind.BOOL,),
    AnswerType.NUMBER: (Kind.FLOAT, Kind.INTEGER),
    AnswerType.CHOICE: (Kind.CHOICE,),
    AnswerType.MULTIPLE_CHOICE: (Kind.MULTIPLE_CHOICE,),
    AnswerType.BOUNDING_BOX_2D: (Kind.BOUNDING_BOX_2D,),
    AnswerType.MULTIPLE_2D_BOUNDING_BOXES: (Kind.MULTIPLE_BOUNDING_BOXES_2D,),
    AnswerType.DISTANCE_MEASUREMENT: (Kind.DISTANCE_MEASUREMENT,),
    AnswerType.MULTIPLE_DISTANCE_MEASUREMENTS: (Kind.MULTIPLE_DISTANCE_MEASUREMENTS,),
    AnswerType.POINT: (Kind.POINT,),
    AnswerType.MULTIPLE_POINTS: (Kind.MULTIPLE_POINTS,),
    AnswerType.POLYGON: (Kind.POLYGON,),
    AnswerType.MULTIPLE_POLYGONS: (Kind.MULTIPLE_POLYGONS,),
    AnswerType.LINE: (Kind.LINE,),
    AnswerType.MULTIPLE_LINES: (Kind.MULTIPLE_LINES,),
    AnswerType.ANGLE: (Kind.ANGLE,),
    AnswerType.MULTIPLE_ANGLES: (Kind.MULTIPLE_ANGLES,),
    AnswerType.ELLIPSE: (Kind.ELLIPSE,),
    AnswerType.MULTIPLE_ELLIPSES: (Kind.MULTIPLE_ELLIPSES,),
    AnswerType.THREE_POINT_ANGLE: (Kind.THREE_POINT_ANGLE,),
    AnswerType.MULTIPLE_THREE_POINT_ANGLES: (Kind.MULTIPLE_THREE_POINT_ANGLES,),
    AnswerType.MASK: (Kind.SEGMENTATION,),
}


class ImagePort(models.TextChoices):
    MAIN = "M", "Main"
    SECONDARY = "S", "Secondary"
    TERTIARY = "TERTIARY", "Tertiary"
    QUATERNARY = "QUATERNARY", "Quaternary"
    QUINARY = "QUINARY", "Quinary"
    SENARY = "SENARY", "Senary"
    SEPTENARY = "SEPTENARY", "Septenary"
    OCTONARY = "OCTONARY", "Octonary"
    NONARY = "NONARY", "Nonary"
    DENARY = "DENARY", "Denary"
    UNDENARY = "UNDENARY", "Undenary"
    DUODENARY = "DUODENARY", "Duodenary"
    TREDENARY = "TREDENARY", "Tredenary"
    QUATTUORDENARY = "QUATTUORDENARY", "Quattuordenary"
    QUINDENARY = "QUINDENARY", "Quindenary"
    SEXDENARY = "SEXDENARY", "Sexdenary"
    SEPTENDENARY = "SEPTENDENARY", "Septendenary"
    OCTODENARY = "OCTODENARY", "Octodenary"
    NOVEMDENARY = "NOVEMDENARY", "Novemdenary"
    VIGINTENARY = "VIGINTENARY", "Vigintenary"


class Direction(models.TextChoices):
    HORIZONTAL = "H", "Horizontal"
    VERTICAL = "V", "Vertical"


# Parts of a question that answers depend on: frozen once the question has an answer.
READ_ONLY_ONCE_ANSWERED = (
    "question_text",
    "answer_type",
    "image_port",
    "required",
    "overlay_segments",
    "widget",
    "answer_min_value",
    "answer_max_value",
    "answer_step_size",
    "answer_min_length",
    "answer_max_length",
    "answer_match_pattern",
    "interface",
)


class Question(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    reader_study = models.ForeignKey(
        ReaderStudy, on_delete=models.CASCADE, related_name="questions"
    )
    question_text = models.TextField()
    help_text = models.TextField(blank=True)
    answer_type = models.CharField(
        max_length=4, choices=AnswerType.choices, default=AnswerType.TEXT
    )
    image_port = models.CharField(max_length=14, choices=ImagePort.choices, blank=True)
    default_annotation_color = models.CharField(
        max_length=7,
        blank=True,
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #ff0000.")],
    )
    required = models.BooleanField(default=True)
    direction = models.CharField(
        max_length=1, choices=Direction.choices, default=Direction.HORIZONTAL
    )
    scoring_function = models.CharField(max_length=3, default="ACC", editable=False)
    order = models.PositiveSmallIntegerField(default=100)
    interface = models.ForeignKey(
        "components.ComponentInterface",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    widget = models.CharField(max_length=24, choices=Widget.choices, blank=True)
    answer_min_value = models.SmallIntegerField(null=True, blank=True)
    answer_max_value = models.SmallIntegerField(null=True, blank=True)
    answer_step_size = models.DecimalField(
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0.001)],
    )
    answer_min_length = models.PositiveIntegerField(null=True, blank=True)
    answer_max_length = models.PositiveIntegerField(null=True, blank=True)
    answer_match_pattern = models.CharField(max_length=255, blank=True)
    empty_answer_confirmation = models.BooleanField(default=False)
    empty_answer_confirmation_label = models.TextField(blank=True)
    overlay_segments = models.JSONField(default=list, blank=True)
    # Beyond GC: how far (mm) a drawn point or line end may lie from the ground truth's
    # and still count as found (points, distance measurements, lines).
    score_tolerance_mm = models.FloatField(default=1.0, validators=[MinValueValidator(0.0)])

    class Meta:
        ordering = ("order", "created")

    def __str__(self) -> str:
        return self.question_text

    @property
    def is_annotation(self) -> bool:
        return self.answer_type in ANNOTATION_TYPES

    @property
    def is_answerable(self) -> bool:
        return self.answer_type != AnswerType.HEADING

    @property
    def empty_answer(self) -> Any:
        return EMPTY_ANSWER.get(self.answer_type)


class CategoricalOption(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    title = models.CharField(max_length=1024)
    default = models.BooleanField(default=False)

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return self.title


class Answer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    modified = models.DateTimeField(auto_now=True)
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    display_set = models.ForeignKey(DisplaySet, on_delete=models.CASCADE, related_name="answers")
    answer = models.JSONField(null=True, blank=True)
    answer_image = models.ForeignKey(
        "cases.Image", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_ground_truth = models.BooleanField(default=False)
    score = models.FloatField(null=True, blank=True)
    explanation = models.TextField(blank=True)
    last_edit_duration = models.DurationField(null=True, blank=True)
    total_edit_duration = models.DurationField(null=True, blank=True)

    class Meta:
        ordering = ("created",)
        constraints = [
            models.UniqueConstraint(
                fields=["creator", "display_set", "question", "is_ground_truth"],
                name="one_answer_per_reader_question_case",
            )
        ]

    def __str__(self) -> str:
        return f"Answer {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("api:reader-studies-answer-detail", kwargs={"pk": self.pk})


class ReaderStudyPermissionRequest(RoleRequest):
    """A user's request to become a reader of a (public) study (GC's model and codes)."""

    reader_study = models.ForeignKey(
        ReaderStudy, on_delete=models.CASCADE, related_name="access_requests"
    )

    class Meta(RoleRequest.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["user", "reader_study"], name="one_access_request_per_user_and_study"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} -> {self.reader_study} ({self.status})"
