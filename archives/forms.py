from django import forms
from django.contrib.auth.models import User

from app.models import AccessRequestHandling
from archives.models import Archive
from archives.services import ROLES
from components.models import ComponentInterface
from uploads.forms import UserUploadsField


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


class AddCasesForm(forms.Form):
    """The upload widget posts the API URLs of the uploads it completed."""

    user_uploads = UserUploadsField(label="Files to import")
    interface = forms.ModelChoiceField(
        queryset=ComponentInterface.objects.none(),
        to_field_name="slug",
        label="Socket",
        help_text="Each image becomes a new item holding it in this socket.",
    )

    def __init__(  # type: ignore[no-untyped-def]
        self,
        *args,
        image_sockets: list[ComponentInterface],
        default_socket: str = "generic-medical-image",
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["interface"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = ComponentInterface.objects.filter(pk__in=[s.pk for s in image_sockets])
        default = next((s for s in image_sockets if s.slug == default_socket), None)
        if default is not None:
            field.initial = default.slug

    def clean_user_uploads(self) -> list[str]:
        urls = self.cleaned_data["user_uploads"]
        if not urls:
            raise forms.ValidationError("Upload at least one file first.")
        return list(urls)


class MemberForm(forms.Form):
    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=[(r, r.capitalize()) for r in ROLES])

    def clean_username(self) -> User:
        username = self.cleaned_data["username"].strip()
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(f"There is no active user '{username}'.")
        return user
