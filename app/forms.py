from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

from app.models import AuditRecord
from app.selectors import AuditFilter
from app.services import MAX_TOKEN_DAYS


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="To tell your tokens apart, e.g. 'CI pipeline' or 'laptop'."
    )
    days = forms.IntegerField(
        label="Expires in (days)",
        min_value=1,
        max_value=MAX_TOKEN_DAYS,
        initial=settings.API_TOKEN_DEFAULT_DAYS,
    )


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("", "Any action"), *AuditRecord.Action.choices], required=False
    )
    actor = forms.CharField(label="User name", required=False)
    object_type = forms.ChoiceField(label="Object type", required=False)
    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="Until", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: object, object_types: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["object_type"].choices = [("", "Any type")] + [(t, t) for t in object_types]  # type: ignore[attr-defined]

    def to_filter(self) -> AuditFilter:
        return AuditFilter(**self.cleaned_data) if self.is_valid() else AuditFilter()


class GroupMemberForm(forms.Form):
    username = forms.CharField(label="User name", max_length=150)

    def clean_username(self) -> User:
        name = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username__iexact=name).first()
        if user is None:
            raise forms.ValidationError(f"No user named '{name}'.")
        return user


class AccessRequestForm(forms.Form):
    reason = forms.CharField(
        label="Why do you ask?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="A sentence or two for whoever decides: what you want to do with it.",
    )
