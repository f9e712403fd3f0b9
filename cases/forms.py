"""A form field that picks one image, shown as thumbnails with names that tell images
apart (modality, label map or not, shape, date)."""

from collections.abc import Iterator
from typing import Any

from django import forms
from django.forms.models import ModelChoiceIterator

from cases.models import Image

PICKER_LIMIT = 200  # the newest this many; older ones are found through the image list


class _NewestImages(ModelChoiceIterator):
    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for image in self.queryset.order_by("-created", "pk")[:PICKER_LIMIT]:
            yield self.choice(image)


class ImagePicker(forms.RadioSelect):
    template_name = "cases/widgets/image_picker.html"


class ImagePickerField(forms.ModelChoiceField):
    """Any image of `queryset` validates; the newest PICKER_LIMIT are offered."""

    iterator = _NewestImages
    widget = ImagePicker

    def __init__(self, queryset: Any, **kwargs: Any) -> None:
        kwargs.setdefault("empty_label", "None")
        super().__init__(queryset, **kwargs)

    def label_from_instance(self, obj: Image) -> str:
        return f"{obj.name} ({obj.summary}, added {obj.created:%Y-%m-%d %H:%M})"
