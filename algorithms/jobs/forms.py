"""The "try it out" form: one field per input socket of the chosen interface."""

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from algorithms.jobs.inputs import InputSpec
from algorithms.jobs.selectors import input_images_for
from algorithms.models import Algorithm, AlgorithmInterface
from cases.forms import ImagePickerField
from uploads.forms import UserUploadsField
from uploads.selectors import completed_uploads_for


class TryOutForm(forms.Form):
    interface = forms.ModelChoiceField(queryset=AlgorithmInterface.objects.none(), empty_label=None)

    def __init__(self, *args: Any, algorithm: Algorithm, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        interfaces = algorithm.interfaces.prefetch_related("inputs")
        self.fields["interface"].queryset = interfaces  # type: ignore[attr-defined]
        self.fields["interface"].label_from_instance = lambda i: ", ".join(  # type: ignore[attr-defined]
            s.title for s in i.inputs.all()
        )
        chosen = self.data.get("interface") or (interfaces[0].pk if interfaces else None)
        self.chosen: AlgorithmInterface | None = next(
            (i for i in interfaces if str(i.pk) == str(chosen)), None
        )
        self.sockets = list(self.chosen.inputs.all()) if self.chosen else []
        for socket in self.sockets:
            name = f"socket-{socket.slug}"
            if socket.super_kind == "Image":
                self.fields[name] = ImagePickerField(
                    queryset=input_images_for(user=user, socket=socket),
                    label=f"{socket.title} ({socket.kind.lower()})",
                    help_text=socket.description,
                    required=False,
                    empty_label="None: I upload files below",
                )
                # ... or new files (a DICOM series, .mha, .nii.gz ...) imported for the job
                self.fields[f"upload-{socket.slug}"] = UserUploadsField(
                    multiple=True,
                    required=False,
                    label=f"or upload {socket.title} files",
                )
            elif socket.super_kind == "Value":
                initial = (
                    json.dumps(socket.default_value) if socket.default_value is not None else ""
                )
                self.fields[name] = forms.CharField(
                    label=f"{socket.title} ({socket.kind}, JSON)",
                    help_text=socket.description,
                    initial=initial,
                    widget=forms.Textarea(attrs={"rows": 3}),
                )
            else:
                self.fields[f"upload-{socket.slug}"] = UserUploadsField(
                    multiple=False,
                    label=f"{socket.title} ({socket.kind} file)",
                    help_text=socket.description,
                )

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        for socket in self.sockets:
            name = f"socket-{socket.slug}"
            if socket.super_kind == "Value" and name in cleaned:
                try:
                    cleaned[name] = json.loads(cleaned[name])
                except ValueError as e:
                    self.add_error(name, f"Not valid JSON: {e}")
            upload_name = f"upload-{socket.slug}"
            if cleaned.get(upload_name):
                try:
                    cleaned[upload_name] = completed_uploads_for(
                        user=self.user, api_urls_or_pks=cleaned[upload_name]
                    )
                except ValidationError as e:
                    self.add_error(upload_name, e)
                    continue
            if socket.super_kind == "Image" and cleaned.get(name) and cleaned.get(upload_name):
                self.add_error(name, f"Pick an image or upload files for {socket.title}, not both.")
            elif socket.super_kind == "Image" and not (
                cleaned.get(name) or cleaned.get(upload_name) or upload_name in self.errors
            ):
                self.add_error(name, f"Pick an image or upload files for {socket.title}.")
        return cleaned

    def specs(self) -> list[InputSpec]:
        specs = []
        for socket in self.sockets:
            value = self.cleaned_data.get(f"socket-{socket.slug}")
            uploads = self.cleaned_data.get(f"upload-{socket.slug}") or []
            if socket.super_kind == "Image" and uploads:
                specs.append(InputSpec(socket=socket, user_uploads=list(uploads)))
            elif socket.super_kind == "Image":
                specs.append(InputSpec(socket=socket, image=value))
            elif socket.super_kind == "Value":
                specs.append(InputSpec(socket=socket, value=value))
            elif uploads:
                specs.append(InputSpec(socket=socket, user_upload=uploads[0]))
        return specs
