"""Forms of the challenge site. They only shape input; services check the rules and their
ValidationErrors are put back on the named field (`add_service_errors`)."""

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from algorithms.models import AlgorithmImage, AlgorithmInterface
from challenges.models import (
    Challenge,
    ChallengePage,
    CombinedLeaderboard,
    Phase,
    RegistrationQuestion,
)
from uploads.forms import UserUploadsField

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """A service's error on its field when the form has one, else on the whole form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, problems in error.message_dict.items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)


class ChallengeForm(forms.ModelForm):
    class Meta:
        model = Challenge
        fields = (
            "slug",
            "title",
            "description",
            "logo",
            "banner",
            "hidden",
            "access_request_handling",
            "contact_email",
        )
        labels = {
            "slug": "Short name (used in the URL)",
            "description": "Description (Markdown)",
            "access_request_handling": "Who is let in",
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            del self.fields["slug"]  # URLs and scripts use it

    def validate_unique(self) -> None:
        pass  # the service says which slug is taken


class PageForm(forms.ModelForm):
    class Meta:
        model = ChallengePage
        fields = ("display_title", "slug", "permission_level", "hidden", "content_markdown")
        labels = {
            "display_title": "Title",
            "slug": "Slug (left empty: made from the title)",
            "permission_level": "Who may read it",
            "content_markdown": "Content (Markdown)",
        }
        widgets = {"content_markdown": forms.Textarea(attrs={"rows": 16})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False

    def validate_unique(self) -> None:
        pass


class QuestionForm(forms.Form):
    question_text = forms.CharField(max_length=200)
    question_help_text = forms.CharField(required=False, label="Help text")
    required = forms.BooleanField(required=False, initial=True)
    schema = forms.JSONField(
        required=False,
        initial={"type": "string"},
        label="Answer schema (JSON Schema)",
        help_text='For example {"type": "string", "minLength": 3} or '
        '{"enum": ["student", "researcher"]}.',
    )


def _expects_json(schema: dict[str, Any]) -> bool:
    """Answers to schemas of strings are taken as typed; anything else is read as JSON."""
    kind = schema.get("type")
    if kind == "string":
        return False
    if "enum" in schema:
        return not all(isinstance(v, str) for v in schema["enum"])
    return kind is not None


class RegistrationForm(forms.Form):
    """One field per registration question, named `question-<pk>` as the service's errors."""

    def __init__(self, *args: Any, questions: list[RegistrationQuestion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for q in questions:
            help_text = q.question_help_text
            if _expects_json(q.schema):
                help_text = f"{help_text} (a JSON value)".strip()
            self.fields[f"question-{q.pk}"] = forms.CharField(
                label=f"{q.question_text}{' (required)' if q.required else ''}",
                required=False,
                help_text=help_text,
            )
            if q.required:
                self.fields[f"question-{q.pk}"].widget.attrs["required"] = True

    def answers(self) -> dict[int, Any]:
        """Answers by question pk; text that should be JSON but is not is kept as text,
        so the schema check names the question."""
        answers: dict[int, Any] = {}
        for q in self.questions:
            text = self.cleaned_data.get(f"question-{q.pk}", "").strip()
            if text and _expects_json(q.schema):
                try:
                    answers[q.pk] = json.loads(text)
                except json.JSONDecodeError:
                    answers[q.pk] = text
            elif text:
                answers[q.pk] = text
        return answers


class PhaseForm(forms.ModelForm):
    """Every setting of a phase (§B.2), under GC's field names."""

    algorithm_interfaces = forms.ModelMultipleChoiceField(
        queryset=AlgorithmInterface.objects.prefetch_related("inputs", "outputs"),
        required=False,
        help_text="Algorithm phases: the interfaces submitted algorithms must offer.",
    )
    extra_results_columns = forms.JSONField(
        required=False,
        initial=list,
        help_text='A list of {"title", "path", "order": "asc"|"desc", "error_path", '
        '"exclude_from_ranking"}.',
    )

    class Meta:
        model = Phase
        fields = (
            "title",
            "slug",
            "submission_kind",
            "archive",
            "algorithm_interfaces",
            "submissions_open_at",
            "submissions_close_at",
            "submissions_limit_per_user_per_period",
            "submission_limit_period",
            "public",
            "parent",
            "external_evaluation",
            "submission_page_markdown",
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
            "evaluation_time_limit",
            "evaluation_requires_gpu_type",
            "evaluation_requires_memory_gb",
            "algorithm_time_limit",
            "algorithm_maximum_settable_memory_gb",
        )
        labels = {
            "slug": "Slug (left empty: made from the title)",
            "archive": "Hidden test archive",
            "submissions_limit_per_user_per_period": "Submissions per user per period (0 closes)",
            "submission_limit_period": "Period (days)",
            "submission_page_markdown": "Text on the submit page (Markdown)",
            "score_jsonpath": "Score path in metrics.json",
            "score_error_jsonpath": "Score error path",
            "scoring_method_choice": "Scoring method",
            "result_display_choice": "Results shown",
            "evaluation_time_limit": "Evaluation time limit (seconds)",
            "evaluation_requires_gpu_type": "Evaluation GPU",
            "evaluation_requires_memory_gb": "Evaluation memory (GB)",
            "algorithm_time_limit": "Algorithm time limit (seconds)",
            "algorithm_maximum_settable_memory_gb": "Algorithm memory ceiling (GB)",
        }
        widgets = {
            "submissions_open_at": DATETIME,
            "submissions_close_at": DATETIME,
            "submission_page_markdown": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, challenge: Challenge, archives: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["archive"].queryset = archives  # type: ignore[attr-defined]
        parents = challenge.phases.all()
        if not self.instance._state.adding:
            parents = parents.exclude(pk=self.instance.pk)
            self.fields["algorithm_interfaces"].initial = list(
                self.instance.algorithm_interfaces.all()
            )
        self.fields["parent"].queryset = parents  # type: ignore[attr-defined]
        for name in ("submissions_open_at", "submissions_close_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M"]  # type: ignore[attr-defined]

    def validate_unique(self) -> None:
        pass

    def phase_fields(self) -> dict[str, Any]:
        fields = {k: v for k, v in self.cleaned_data.items() if k != "algorithm_interfaces"}
        if fields.get("extra_results_columns") is None:
            fields["extra_results_columns"] = []
        return fields


class PredictionsSubmitForm(forms.Form):
    user_upload = UserUploadsField(
        multiple=False, label="Predictions file (.csv, .zip or .json)", accept=".csv,.zip,.json"
    )
    comment = forms.CharField(max_length=128, required=False)


class AlgorithmSubmitForm(forms.Form):
    algorithm_image = forms.ModelChoiceField(
        queryset=AlgorithmImage.objects.none(),
        label="Algorithm image",
        help_text="Valid images of algorithms you edit.",
    )
    comment = forms.CharField(max_length=128, required=False)

    def __init__(self, *args: Any, images: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["algorithm_image"]
        field.queryset = images  # type: ignore[attr-defined]
        field.label_from_instance = _image_label  # type: ignore[attr-defined]


def _image_label(image: AlgorithmImage) -> str:
    return f"{image.algorithm.title} — {image.image_sha256[:19]} ({image.created:%Y-%m-%d %H:%M})"


class VersionUploadForm(forms.Form):
    """An evaluation method image or a ground-truth tarball."""

    user_upload = UserUploadsField(multiple=False, label="File", accept=".tar,.gz,.tgz,.xz")
    comment = forms.CharField(required=False, max_length=200)


class CombinedLeaderboardForm(forms.ModelForm):
    """A combined leaderboard: its title, slug, the phases it combines and how."""

    phases = forms.ModelMultipleChoiceField(
        queryset=Phase.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Phases to combine",
        help_text="Only those ranked in every chosen phase appear on it.",
    )

    class Meta:
        model = CombinedLeaderboard
        fields = ("title", "slug", "description", "phases", "combination_method")
        labels = {
            "slug": "Slug (left empty: made from the title)",
            "combination_method": "Combined by",
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "combination_method": forms.RadioSelect,
        }

    def __init__(self, *args: Any, challenge: Challenge, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["phases"].queryset = challenge.phases.all()  # type: ignore[attr-defined]
        self.fields["phases"].label_from_instance = lambda phase: phase.title  # type: ignore[attr-defined]

    def validate_unique(self) -> None:
        pass  # the service says which slug is taken


class ChallengeMemberForm(forms.Form):
    """An admin or external evaluator to add, by user name."""

    username = forms.CharField(max_length=150, label="User name")
    role = forms.ChoiceField(
        choices=(("admins", "Admin"), ("external_evaluators", "External evaluator")),
        help_text="External evaluators claim and report evaluations of phases evaluated "
        "outside Tessera, through the API.",
    )
