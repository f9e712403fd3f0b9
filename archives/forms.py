from django import forms
from django.contrib.auth.models import User

from app.models import AccessRequestHandling
from archives.models import Archive
from archives.services import ROLES


class ArchiveForm(forms.Form):
    title = forms.CharField(max_length=255)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    logo = forms.ImageField(required=False, help_text="PNG or JPEG, at most 2 MB.")
    public = forms.BooleanField(
        required=False,
        label="Public",
        help_text=Archive._meta.get_field("public").help_text,
    )


class ArchiveAccessForm(forms.Form):
    """Whether the archive is listed for everyone, and how requests to join are answered."""

    public = forms.BooleanField(
        required=False, label="Public", help_text=Archive._meta.get_field("public").help_text
    )
    access_request_handling = forms.ChoiceField(
        choices=AccessRequestHandling.choices, label="Requests to view the archive"
    )


class MemberForm(forms.Form):
    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=[(r, r.capitalize()) for r in ROLES])

    def clean_username(self) -> User:
        username = self.cleaned_data["username"].strip()
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(f"There is no active user '{username}'.")
        return user
