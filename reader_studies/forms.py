"""Page forms for editors: a study's settings, a question, a member, ground truth files.
Fields come from the models (and the services' field lists) so labels, limits and the
set of fields match; the services check the rules."""

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.forms.models import fields_for_model

from components.models import ComponentInterface
from hanging_protocols.forms import PrettyJSONField
from reader_studies.models import (
    ANNOTATION_TYPES,
    INTERFACE_KINDS,
    READ_ONLY_ONCE_ANSWERED,
    WIDGET_REQUIRED,
    WIDGETS,
    AnswerType,
    Direction,
    Question,
    ReaderStudy,
)
from reader_studies.services import QUESTION_FIELDS, ROLES

STUDY_FIELDS = (
    "title",
    "description",
    "help_text_markdown",
    "public",
    "access_request_handling",
    "is_educational",
    "instant_verification",
    "shuffle_hanging_list",
    "allow_case_navigation",
    "allow_answer_modification",
    "enable_autosaving",
    "allow_show_all_annotations",
    "roll_over_answers_for_n_cases",
    "leaderboard_accessible_to_readers",
    "case_text",
    "end_of_study_text_markdown",
    "max_credits",
)
LOGO_HELP = "PNG, JPEG, GIF or WebP, at most 2 MB; shown on the list and the study's page."


class ReaderStudyForm(forms.Form):
    def __init__(self, *args: Any, study: ReaderStudy | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(ReaderStudy, fields=STUDY_FIELDS))
        self.fields["logo"] = forms.ImageField(required=False, help_text=LOGO_HELP)
        if study is not None and study.logo:
            self.fields["remove_logo"] = forms.BooleanField(
                required=False, label="Remove the current logo"
            )
        self.fields["case_text"] = PrettyJSONField(
            required=False,
            label="Case text (JSON)",
            widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "class": "code"}),
            help_text=(
                'Markdown shown beside a case, by image name: {"chest.mha": "Look at the '
                '**left** lung."}.'
            ),
        )
        self.fields["help_text_markdown"].label = "Help text (Markdown)"
        self.fields["end_of_study_text_markdown"].label = "End-of-study text (Markdown)"
        self.fields["max_credits"].help_text = "Leave empty for no limit."
        for name in ("description", "help_text_markdown", "end_of_study_text_markdown"):
            self.fields[name].widget.attrs["rows"] = 3
        self.order_fields(["title", "description", "logo", "remove_logo"])

    def settings(self) -> dict[str, Any]:
        """The cleaned settings for the services, the logo apart."""
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("logo", "remove_logo")}
        data["case_text"] = data.get("case_text") or {}
        return data


def _lines(text: str) -> str:
    """Browsers post CRLF; stored text keeps plain newlines (else every save changes it)."""
    return text.replace("\r\n", "\n")


class QuestionForm(forms.Form):
    """Every field `question_create`/`question_update` take. With `question`, the form
    edits it: its values are the initial ones, and once it has answers the fields that
    GC freezes say so (the service refuses a change to them, naming the field)."""

    def __init__(self, *args: Any, question: Question | None = None, **kwargs: Any) -> None:
        self.question = question
        if question is not None:
            kwargs.setdefault("initial", _initial(question))
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(Question, fields=QUESTION_FIELDS))
        self.fields["options"] = forms.CharField(
            widget=forms.Textarea(attrs={"rows": 4}),
            required=False,
            help_text="For choice questions: one option per line; end a line with ' *' to "
            "make it the default.",
        )
        kinds = {kind for kinds in INTERFACE_KINDS.values() for kind in kinds}
        interface = self.fields["interface"]
        assert isinstance(interface, forms.ModelChoiceField)
        interface.queryset = ComponentInterface.objects.filter(kind__in=kinds).order_by("title")
        interface.label = "Socket that pre-fills the answer"
        interface.empty_label = "None: the reader starts from an empty answer"
        interface.help_text = (
            "The case's value of this socket is the answer the reader starts from; "
            "Accept/Reject Findings lists its findings."
        )
        direction = self.fields["direction"]
        direction.required = False
        direction.label = "Form direction"
        direction.help_text = "How the choices are laid out: side by side or one under another."
        direction.initial = Direction.HORIZONTAL
        self.fields["default_annotation_color"].label = "Default annotation colour"
        self.fields["default_annotation_color"].widget.attrs["placeholder"] = "#ff0000"
        self.fields["empty_answer_confirmation"].label = "Ask the reader to confirm an empty answer"
        self.fields["empty_answer_confirmation_label"].label = "Confirmation text"
        self.fields["score_tolerance_mm"].label = "Score tolerance (mm)"
        self.fields[
            "score_tolerance_mm"
        ].help_text = (
            "How far a drawn point or line end may lie from the ground truth's and still count."
        )
        self.fields[
            "overlay_segments"
        ].help_text = (
            'For mask questions: JSON like [{"name": "lesion", "voxel_value": 1, "visible": true}].'
        )
        self.fields["overlay_segments"].required = False
        for name in ("question_text", "help_text", "overlay_segments"):
            self.fields[name].widget.attrs["rows"] = 2
        self.fields["empty_answer_confirmation_label"].widget.attrs["rows"] = 1
        self.order_fields(["question_text", "help_text", "answer_type", "options"])
        self.fields["widget"].help_text = (
            "Left empty, text and choice questions, and numbers with a range or step, "
            "take the first widget that fits (text input, radio select, number input)."
        )
        self.answered = question is not None and question.answers.exists()
        if self.answered:
            for name in READ_ONLY_ONCE_ANSWERED:
                field = self.fields[name]
                field.help_text = f"Locked: the question has answers. {field.help_text}".strip()
            self.fields["options"].help_text += " Options with answers cannot be removed."

    GROUPS = (
        ("The question", ("question_text", "help_text", "answer_type", "required", "order")),
        ("Widget and choices", ("widget", "options", "direction")),
        ("Numbers", ("answer_min_value", "answer_max_value", "answer_step_size")),
        ("Text", ("answer_min_length", "answer_max_length", "answer_match_pattern")),
        (
            "Drawings and masks",
            ("image_port", "default_annotation_color", "overlay_segments", "score_tolerance_mm"),
        ),
        (
            "Pre-filled and empty answers",
            ("interface", "empty_answer_confirmation", "empty_answer_confirmation_label"),
        ),
    )

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The fields by what they are for (a page shows each group as a fieldset); a field
        no group names comes last, so none is left off the page."""
        named = {name for _, names in self.GROUPS for name in names}
        groups = [(legend, [self[name] for name in names]) for legend, names in self.GROUPS]
        rest = [self[name] for name in self.fields if name not in named]
        return groups + ([("Other", rest)] if rest else [])

    def cleaned_options(self) -> list[dict[str, Any]]:
        options = []
        for line in self.cleaned_data.get("options", "").splitlines():
            title = line.strip()
            if not title:
                continue
            default = title.endswith(" *")
            options.append({"title": title.removesuffix(" *").strip(), "default": default})
        return options

    def edited_options(self) -> list[dict[str, Any]]:
        """The options with the ids of the question's options they keep: the same title
        keeps its option (lines may move); a line with a new title takes the place of an
        option whose title is gone (a rename), in order; other new lines are new options."""
        assert self.question is not None
        options = self.cleaned_options()
        existing = list(self.question.options.order_by("id"))
        by_title = {o.title: o.id for o in existing}
        taken = {by_title[o["title"]] for o in options if o["title"] in by_title}
        free = [o.id for o in existing if o.id not in taken]
        for option in options:
            if option["title"] in by_title:
                option["id"] = by_title[option["title"]]
            elif free:
                option["id"] = free.pop(0)
        return options

    def question_fields(self) -> dict[str, Any]:
        fields = {k: v for k, v in self.cleaned_data.items() if k != "options"}
        fields["overlay_segments"] = fields.get("overlay_segments") or []
        fields["direction"] = fields.get("direction") or Direction.HORIZONTAL
        for name in ("question_text", "help_text", "empty_answer_confirmation_label"):
            fields[name] = _lines(fields.get(name) or "")
        answer_type = str(fields.get("answer_type"))
        ranged = answer_type == AnswerType.NUMBER and any(
            fields.get(f) is not None
            for f in ("answer_min_value", "answer_max_value", "answer_step_size")
        )
        if not fields.get("widget") and (answer_type in WIDGET_REQUIRED or ranged):
            fields["widget"] = WIDGETS[answer_type][0]
        return fields

    def changed_fields(self) -> dict[str, Any]:
        """Of `question_fields`, those that differ from the edited question's."""
        assert self.question is not None
        return {
            name: value
            for name, value in self.question_fields().items()
            if getattr(self.question, name) != value
        }


def _initial(question: Question) -> dict[str, Any]:
    initial = {name: getattr(question, name) for name in QUESTION_FIELDS}
    initial["interface"] = question.interface_id
    initial["options"] = "\n".join(
        o.title + (" *" if o.default else "") for o in question.options.order_by("id")
    )
    return initial


class MemberForm(forms.Form):
    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=[(r, r.capitalize()) for r in ROLES], initial="readers")

    def clean_username(self) -> User:
        username = self.cleaned_data["username"].strip()
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(f"There is no active user '{username}'.")
        return user


class GroundTruthForm(forms.Form):
    ground_truth = forms.FileField(
        label="Ground truth CSV", help_text="The example CSV above shows its format."
    )


def drawn_ground_truth_questions(study: ReaderStudy) -> list[Question]:
    """Annotation questions whose ground truth a JSON file can give (a mask is an
    uploaded image: it takes ground truth from an editor's answers)."""
    return [
        q
        for q in study.questions.order_by("order", "created")
        if q.answer_type in ANNOTATION_TYPES and q.answer_type != AnswerType.MASK
    ]


class DrawnGroundTruthForm(forms.Form):
    question = forms.TypedChoiceField(label="Annotation question", choices=())
    annotations = forms.FileField(
        label="Ground truth JSON",
        help_text='{"<case title or id>": <annotation JSON>, ...}: one drawing per case.',
    )

    def __init__(self, *args: Any, questions: list[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = {str(q.pk): q for q in questions}
        self.fields["question"].choices = [  # type: ignore[attr-defined]
            (str(q.pk), f"{q.question_text} ({q.get_answer_type_display()})") for q in questions
        ]

    def clean_question(self) -> Question:
        return self.questions[self.cleaned_data["question"]]
