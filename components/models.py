import os
import re
import uuid
from typing import Any

import jsonschema
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import slugify

from components.kinds import FILE_KINDS, IMAGE_KINDS, Kind, SuperKind, super_kind_of

RELATIVE_PATH = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_./-]*$")
OVERLAY_SEGMENTS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "name": {"type": "string", "minLength": 1},
            "visible": {"type": "boolean"},
            "voxel_value": {"type": "integer", "minimum": 0, "maximum": 255},
        },
        "required": ["name", "visible", "voxel_value"],
        "additionalProperties": False,
    },
}


def overlay_segments_problem(segments: Any) -> str | None:
    """What is wrong with a label map's segments list (sockets' and mask questions'), or
    None."""
    try:
        jsonschema.validate(segments, OVERLAY_SEGMENTS_SCHEMA)
    except jsonschema.ValidationError as e:
        return f"Invalid overlay segments: {e.message}"
    values = [s["voxel_value"] for s in segments]
    if len(values) != len(set(values)):
        return "Each segment needs its own voxel value."
    return None


class ComponentInterface(models.Model):
    """A socket: a typed input or output of an algorithm, archive item or display set."""

    Kind = Kind
    SuperKind = SuperKind

    title = models.CharField(max_length=255, unique=True)
    slug = models.SlugField(max_length=255, unique=True, editable=False)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=64, choices=Kind.choices)
    relative_path = models.CharField(
        max_length=255,
        unique=True,
        help_text="Where the value sits under /input or /output in an algorithm container.",
    )
    # extra JSON schema a value must also meet, on top of the kind's built-in schema
    schema = models.JSONField(default=dict, blank=True)
    store_in_database = models.BooleanField(
        default=True, help_text="Keep JSON values in the database rather than as a file."
    )
    overlay_segments = models.JSONField(default=list, blank=True)
    default_value = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ("slug",)

    def __str__(self) -> str:
        return self.slug

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if not self.slug:
            self.slug = slugify(self.title)
        if super_kind_of(self.kind) != SuperKind.VALUE:
            # only JSON values can live in a database column; images and files are objects
            self.store_in_database = False
        super().save(*args, **kwargs)

    @property
    def super_kind(self) -> "str":
        return super_kind_of(self.kind)

    @property
    def is_image_kind(self) -> bool:
        return self.kind in IMAGE_KINDS

    @property
    def is_file_kind(self) -> bool:
        return self.kind in FILE_KINDS

    @property
    def is_json_kind(self) -> bool:
        return self.super_kind == SuperKind.VALUE

    @property
    def file_extensions(self) -> tuple[str, ...]:
        """Extensions a file of this socket may have (`.json` for values kept as files)."""
        return FILE_KINDS.get(self.kind, (".json",) if self.is_json_kind else ())

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind not in Kind.values:
            errors["kind"] = f"Unknown kind {self.kind!r}."
        path = self.relative_path or ""
        if not RELATIVE_PATH.match(path) or ".." in path.split("/") or path.endswith("/"):
            errors["relative_path"] = (
                "Use a relative path of letters, digits, '-', '_', '.' and '/', "
                "not starting with '/' and without '..'."
            )
        elif self.kind in IMAGE_KINDS:
            if not path.startswith("images/"):
                errors["relative_path"] = "An image socket's path must start with 'images/'."
        elif self.kind in FILE_KINDS:
            if not path.lower().endswith(FILE_KINDS[self.kind]):
                errors["relative_path"] = (
                    f"A {self.kind} socket's path must end with "
                    f"{' or '.join(FILE_KINDS[self.kind])}."
                )
        elif not path.endswith(".json"):
            errors["relative_path"] = "A value socket's path must end with '.json'."
        if self.schema:
            try:
                jsonschema.validators.validator_for(self.schema).check_schema(self.schema)
            except jsonschema.SchemaError as e:
                errors["schema"] = f"Not a valid JSON schema: {e.message}"
        if self.overlay_segments:
            if self.kind != Kind.SEGMENTATION:
                errors["overlay_segments"] = "Only segmentation sockets have overlay segments."
            elif problem := overlay_segments_problem(self.overlay_segments):
                errors["overlay_segments"] = problem
        if errors:
            raise ValidationError(errors)


def value_file_path(instance: "ComponentInterfaceValue", filename: str) -> str:
    """Object key of a value's file: its own folder, keeping the file's name for downloads."""
    return f"values/{instance.interface.slug}/{uuid.uuid4()}/{os.path.basename(filename)}"


class ComponentInterfaceValue(models.Model):
    """One socket's value: exactly one of a JSON value, a file or an image."""

    interface = models.ForeignKey(ComponentInterface, on_delete=models.PROTECT)
    value = models.JSONField(null=True, blank=True)
    file = models.FileField(upload_to=value_file_path, blank=True, default="", max_length=1024)
    image = models.ForeignKey("cases.Image", null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="civ_one_of_value_file_image",
                condition=(
                    models.Q(value__isnull=False, file="", image__isnull=True)
                    | (models.Q(value__isnull=True, image__isnull=True) & ~models.Q(file=""))
                    | models.Q(value__isnull=True, file="", image__isnull=False)
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.interface.slug} value {self.pk}"

    @property
    def filename(self) -> str:
        return os.path.basename(self.file.name) if self.file else ""
