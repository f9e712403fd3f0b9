"""Page forms for editors: a study's settings, a question, a member, a ground-truth CSV.
Fields come from the models so labels and limits match; the services check the rules."""

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.forms.models import fields_for_model

from reader_studies.models import WIDGET_REQUIRED, WIDGETS, AnswerType, Question, ReaderStudy
from reader_studies.services import ROLES

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
    "end_of_study_text_markdown",
)

QUESTION_FORM_FIELDS = (
    "question_text",
    "help_text",
    "answer_type",
    "required",
    "widget",
    "image_port",
    "order",
    "answer_min_value",
    "answer_max_value",
    "answer_step_size",
    "answer_min_length",
    "answer_max_length",
    "answer_match_pattern",
    "default_annotation_color",
    "overlay_segments",
    "score_tolerance_mm",
)


class ReaderStudyForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(ReaderStudy, fields=STUDY_FIELDS))
        self.fields["help_text_markdown"].label = "Help text (Markdown)"
        self.fields["end_of_study_text_markdown"].label = "End-of-study text (Markdown)"
        for name in ("description", "help_text_markdown", "end_of_study_text_markdown"):
            self.fields[name].widget.attrs["rows"] = 3


class QuestionForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(Question, fields=QUESTION_FORM_FIELDS))
        self.fields["options"] = forms.CharField(
            widget=forms.Textarea(attrs={"rows": 4}),
            required=False,
            help_text="For choice questions: one option per line; end a line with ' *' to "
            "make it the default.",
        )
        self.fields[
            "overlay_segments"
        ].help_text = 'For mask questions: JSON like [{"name": "lesion", "voxel_value": 1}].'
        self.fields["overlay_segments"].required = False
        for name in ("question_text", "help_text", "overlay_segments"):
            self.fields[name].widget.attrs["rows"] = 2
        self.order_fields(["question_text", "help_text", "answer_type", "options"])
        self.fields["widget"].help_text = (
            "Left empty, text and choice questions, and numbers with a range or step, "
            "take the first widget that fits (text input, radio select, number input)."
        )

    def cleaned_options(self) -> list[dict[str, Any]]:
        options = []
        for line in self.cleaned_data.get("options", "").splitlines():
            title = line.strip()
            if not title:
                continue
            default = title.endswith(" *")
            options.append({"title": title.removesuffix(" *").strip(), "default": default})
        return options

    def question_fields(self) -> dict[str, Any]:
        fields = {k: v for k, v in self.cleaned_data.items() if k != "options"}
        fields["overlay_segments"] = fields.get("overlay_segments") or []
        answer_type = str(fields.get("answer_type"))
        ranged = answer_type == AnswerType.NUMBER and any(
            fields.get(f) is not None
            for f in ("answer_min_value", "answer_max_value", "answer_step_size")
        )
        if not fields.get("widget") and (answer_type in WIDGET_REQUIRED or ranged):
            fields["widget"] = WIDGETS[answer_type][0]
        return fields


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
