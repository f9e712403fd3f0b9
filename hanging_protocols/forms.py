import json
from typing import Any

from django import forms

from hanging_protocols.models import HangingProtocol
from hanging_protocols.schemas import protocol_errors

EXAMPLE = (
    '[{"viewport_name": "main", "x": 0, "y": 0, "w": 1, "h": 1},\n'
    ' {"viewport_name": "secondary", "x": 1, "y": 0, "w": 1, "h": 1, "orientation": "coronal"}]'
)


class PrettyJSONField(forms.JSONField):
    """A JSON textarea that shows stored JSON indented and names the parse error's line."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, indent=2)

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        try:
            return json.loads(value)
        except json.JSONDecodeError as e:
            raise forms.ValidationError(
                f"Not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}."
            ) from e


class HangingProtocolForm(forms.Form):
    title = forms.CharField(max_length=255)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    json = PrettyJSONField(
        label="Layout (JSON)",
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false", "class": "code"}),
        help_text=(
            "A list of viewports; one is named main. Each may give its grid place x, y, w, h "
            "(all four, on every viewport, or on none), orientation (axial, coronal, "
            f"sagittal), label and GC's other keys. Example: {EXAMPLE}"
        ),
    )

    def clean_json(self) -> Any:
        value = self.cleaned_data["json"]
        errors = protocol_errors(value)
        if errors:
            raise forms.ValidationError(errors)
        return value


class ViewerSettingsForm(forms.Form):
    """The viewer settings of an archive, algorithm or reader study."""

    hanging_protocol = forms.ModelChoiceField(
        queryset=HangingProtocol.objects.order_by("title"),
        required=False,
        empty_label="None: each image in its own viewer",
        help_text="The viewer's layout.",
    )
    optional_hanging_protocols = forms.ModelMultipleChoiceField(
        queryset=HangingProtocol.objects.order_by("title"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Other layouts a viewer may switch to.",
    )
    view_content = PrettyJSONField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "code"}),
        help_text=(
            'Which sockets each viewport shows, e.g. {"main": ["ct"], "secondary": ["ct", '
            '"lesions"]}: the viewport\'s image first, then a segmentation or heat map drawn '
            "over it. The viewports must be those of the layout."
        ),
    )

    def clean_view_content(self) -> Any:
        return self.cleaned_data["view_content"] or {}
