"""A form field whose widget uploads files by S3 multipart and posts their API URLs."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError


class UploadWidget(forms.Widget):
    """Renders `uploads/widget.html`; the browser posts one API URL per finished file."""

    template_name = "uploads/widget.html"

    def __init__(self, *, multiple: bool = True, accept: str = "", attrs: Any = None) -> None:
        super().__init__(attrs)
        self.multiple = multiple
        self.accept = accept
        self.label = ""  # the field's label, set by UserUploadsField

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context.update(
            name=name,
            id=context["widget"]["attrs"].get("id", name),
            multiple=self.multiple,
            accept=self.accept,
            label=self.label,
            values=value or [],
        )
        return context

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        return [v for v in data.getlist(name) if v]

    def id_for_label(self, id_: str) -> str:
        return f"{id_}-files"


class UserUploadsField(forms.Field):
    """The upload API URLs a user finished; resolve them in the view with
    `uploads.selectors.completed_uploads_for(user=request.user, api_urls_or_pks=...)`."""

    def __init__(self, *, multiple: bool = True, accept: str = "", **kwargs: Any) -> None:
        self.multiple = multiple
        kwargs.setdefault("widget", UploadWidget(multiple=multiple, accept=accept))
        super().__init__(**kwargs)
        if isinstance(self.widget, UploadWidget):  # the widget labels its own file input
            self.widget.label = str(self.label or "")

    def to_python(self, value: Any) -> list[str]:
        values = [str(v) for v in (value or [])]
        if not self.multiple and len(values) > 1:
            raise ValidationError("Upload one file only.")
        return values
