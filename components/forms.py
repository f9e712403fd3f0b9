"""Forms shared by every app that imports uploaded images as new cases."""

from django import forms

from components.kinds import IMAGE_KINDS
from components.models import ComponentInterface
from components.selectors import DEFAULT_IMAGE_SOCKET
from uploads.forms import UserUploadsField


class ImageCasesForm(forms.Form):
    """Uploads to import and the image socket each built image goes into, one new case
    (archive item, display set) per image. The upload widget posts the API URLs of the
    uploads it completed."""

    user_uploads = UserUploadsField(label="Files to import")
    interface = forms.ModelChoiceField(
        queryset=ComponentInterface.objects.none(),
        to_field_name="slug",
        label="Socket",
    )

    def __init__(  # type: ignore[no-untyped-def]
        self,
        *args,
        case_noun: str = "case",
        default_socket: str = DEFAULT_IMAGE_SOCKET,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["interface"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = ComponentInterface.objects.filter(kind__in=list(IMAGE_KINDS))
        field.help_text = f"Each image becomes a new {case_noun} holding it in this socket."
        field.initial = default_socket

    def clean_user_uploads(self) -> list[str]:
        urls = self.cleaned_data["user_uploads"]
        if not urls:
            raise forms.ValidationError("Upload at least one file first.")
        return list(urls)
