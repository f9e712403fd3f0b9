from django import forms

from algorithms.models import Algorithm
from components.models import ComponentInterface
from uploads.forms import UserUploadsField


class AlgorithmForm(forms.ModelForm):
    inputs = forms.ModelMultipleChoiceField(
        queryset=ComponentInterface.objects.all(),
        to_field_name="slug",
        help_text="Sockets the algorithm reads (hold Ctrl or Cmd to pick several).",
    )
    outputs = forms.ModelMultipleChoiceField(
        queryset=ComponentInterface.objects.all(),
        to_field_name="slug",
        help_text="Sockets the algorithm writes.",
    )

    class Meta:
        model = Algorithm
        fields = (
            "title",
            "description",
            "logo",
            "time_limit",
            "memory_limit_gb",
            "requires_gpu",
            "max_active_jobs_per_user",
            "public",
        )
        labels = {
            "time_limit": "Time limit (seconds)",
            "memory_limit_gb": "Memory limit (GB)",
            "requires_gpu": "Requires a GPU",
            "max_active_jobs_per_user": "Active jobs per user",
        }

    def interfaces(self) -> list[dict[str, list[str]]]:
        return [
            {
                "inputs": [s.slug for s in self.cleaned_data["inputs"]],
                "outputs": [s.slug for s in self.cleaned_data["outputs"]],
            }
        ]


class MemberForm(forms.Form):
    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=(("users", "User"), ("editors", "Editor")))


class AlgorithmImageForm(forms.Form):
    """The site's upload widget sends the tarball; the view records the finished upload."""

    user_upload = UserUploadsField(
        multiple=False,
        accept=".tar,.gz,.tgz,.xz",
        label="Image tarball (.tar, .tar.gz or .tar.xz)",
        error_messages={"required": "Upload the image tarball first."},
    )
    comment = forms.CharField(max_length=200, required=False, label="Comment (optional)")

    def clean_user_upload(self) -> list[str]:
        urls = self.cleaned_data["user_upload"]
        if not urls:
            raise forms.ValidationError("Upload the image tarball first.")
        return list(urls)
