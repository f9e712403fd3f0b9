import uuid

from django.conf import settings
from django.db import models

TIMES = " \u00d7 "  # the multiplication sign between sizes


class RawImageUploadSession(models.Model):
    """A batch of user uploads turned into images by the builders on the `images` queue."""

    class Status(models.TextChoices):
        QUEUED = "Queued"
        STARTED = "Started"
        SUCCEEDED = "Succeeded"
        FAILED = "Failed"
        CANCELLED = "Cancelled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    error_message = models.TextField(blank=True)
    # file name -> the reason that file gave no image
    file_errors = models.JSONField(default=dict, blank=True)
    # what de-identification removed: attribute keywords and counts, never values
    deidentification_report = models.JSONField(default=dict, blank=True)
    user_uploads = models.ManyToManyField("uploads.UserUpload", blank=True, related_name="+")
    # where the images go once built: {"kind": <registered target>, ...primary keys}; see
    # cases.targets. Kept as data so cases needs no import of the apps that receive images.
    target = models.JSONField(default=dict, blank=True)
    started = models.DateTimeField(null=True, blank=True)
    completed = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created",)

    def __str__(self) -> str:
        return f"Upload session {self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED, self.Status.CANCELLED)


class Image(models.Model):
    """A converted image: an `.mha` volume or a pyramidal TIFF slide."""

    class ColorSpace(models.TextChoices):
        GRAY = "GRAY"
        RGB = "RGB"
        RGBA = "RGBA"
        YCBCR = "YCBCR"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    name = models.CharField(max_length=255)
    origin = models.ForeignKey(
        RawImageUploadSession, null=True, blank=True, on_delete=models.SET_NULL
    )
    # sizes in SimpleITK order reversed, as numpy and gcapi expect: [t,] [z,] y, x
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    depth = models.PositiveIntegerField(null=True, blank=True)
    timepoints = models.PositiveIntegerField(null=True, blank=True)
    voxel_width_mm = models.FloatField(null=True, blank=True)
    voxel_height_mm = models.FloatField(null=True, blank=True)
    voxel_depth_mm = models.FloatField(null=True, blank=True)
    origin_mm = models.JSONField(default=list, blank=True)
    direction = models.JSONField(default=list, blank=True)
    pixel_type = models.CharField(max_length=32, blank=True)
    modality = models.CharField(max_length=16, blank=True)
    window_center = models.FloatField(null=True, blank=True)
    window_width = models.FloatField(null=True, blank=True)
    color_space = models.CharField(max_length=8, choices=ColorSpace.choices, default="GRAY")
    resolution_levels = models.PositiveIntegerField(null=True, blank=True)
    segments = models.JSONField(null=True, blank=True)
    series_key = models.CharField(
        max_length=64, blank=True, help_text="Keyed hash of the DICOM series, never its UID"
    )
    # Thumbnails show image content, so they sit in the protected bucket too and are
    # served through a permission-checked URL, never a public one.
    thumbnail = models.CharField(
        max_length=255, blank=True, help_text="Key in the protected bucket"
    )

    class Meta:
        ordering = ("-created",)

    def __str__(self) -> str:
        return self.name

    @property
    def shape(self) -> list[int]:
        return [n for n in (self.timepoints, self.depth, self.height, self.width) if n is not None]

    @property
    def axes(self) -> list[tuple[str, int, float | None]]:
        """(axis name, size, voxel size in mm) in `shape`'s order, [t,] [z,] y, x, so that
        pages show sizes and spacings the way the API and numpy give them."""
        rows = (
            ("t", self.timepoints, None),
            ("z", self.depth, self.voxel_depth_mm),
            ("y", self.height, self.voxel_height_mm),
            ("x", self.width, self.voxel_width_mm),
        )
        return [(axis, size, spacing) for axis, size, spacing in rows if size is not None]

    @property
    def shape_text(self) -> str:
        """'300 x 512 x 512 (z x y x x)', with multiplication signs."""
        axes = self.axes
        sizes = TIMES.join(str(size) for _, size, _ in axes)
        return f"{sizes} ({TIMES.join(axis for axis, _, _ in axes)})"

    @property
    def voxel_size_text(self) -> str:
        """'1 x 0.7 x 0.7 mm (z x y x x)': the spatial axes of `shape_text`, in its order."""
        spatial = [(axis, spacing) for axis, _, spacing in self.axes if axis != "t"]
        if all(spacing is None for _, spacing in spatial):
            return "unknown"
        sizes = TIMES.join("?" if s is None else f"{s:.4g}" for _, s in spatial)
        return f"{sizes} mm ({TIMES.join(axis for axis, _ in spatial)})"

    @property
    def is_label_map(self) -> bool:
        """A single-channel integer image with few distinct values (a mask)."""
        return self.segments is not None

    @property
    def summary(self) -> str:
        """What tells images apart in lists and pickers: modality, kind and size."""
        parts = [self.modality] if self.modality else []
        if self.is_label_map:
            parts.append("label map")
        parts.append(self.shape_text)
        return " · ".join(parts)


class ImageFile(models.Model):
    class ImageType(models.TextChoices):
        MHD = "MHD"  # gcapi's name for MetaImage (.mha)
        TIFF = "TIFF"
        DZI = "DZI"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="files")
    image_type = models.CharField(max_length=4, choices=ImageType.choices)
    file = models.FileField(max_length=1024)  # key in the protected bucket
    size = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.image_type} of {self.image_id}"

    @property
    def extension(self) -> str:
        """The stored object's extension (`mha`, `tif`, `zip`...), for download names."""
        name = self.file.name.rsplit("/", 1)[-1]
        return name.rsplit(".", 1)[-1].lower() if "." in name else "bin"
