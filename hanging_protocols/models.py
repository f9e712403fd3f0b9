import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.text import slugify

from hanging_protocols.icons import svg_icon
from hanging_protocols.schemas import validate_protocol


class HangingProtocol(models.Model):
    """A viewer layout: which viewports there are and where they sit (GC's `json`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    title = models.CharField(max_length=255, unique=True)
    slug = models.SlugField(max_length=255, unique=True, editable=False)
    description = models.TextField(blank=True)
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    json = models.JSONField(validators=[validate_protocol])

    class Meta:
        ordering = ("title",)

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.slug:
            # titles that differ only in punctuation share a slug: number the later ones
            base = slugify(self.title)[:240] or "hanging-protocol"
            slug, n = base, 1
            while HangingProtocol.objects.filter(slug=slug).exclude(pk=self.pk).exists():
                n += 1
                slug = f"{base}-{n}"
            self.slug = slug
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("hanging_protocols:detail", kwargs={"slug": self.slug})

    @property
    def svg_icon(self) -> SafeString:
        return svg_icon(self.json)

    @property
    def viewport_names(self) -> list[str]:
        return [v["viewport_name"] for v in self.json]


class HangingProtocolMixin(models.Model):
    """The viewer settings of an archive, algorithm (its jobs) or reader study."""

    hanging_protocol = models.ForeignKey(
        HangingProtocol,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The viewer's layout. Without one, each image opens in its own viewer.",
    )
    optional_hanging_protocols = models.ManyToManyField(
        HangingProtocol,
        blank=True,
        related_name="+",
        help_text="Other layouts the viewer offers to switch to.",
    )
    view_content = models.JSONField(
        default=dict,
        blank=True,
        help_text=(
            'Which sockets each viewport shows, e.g. {"main": ["ct"], "secondary": '
            '["ct", "lesions"]}. The first image is the viewport\'s image; the first '
            "segmentation or heat map after it is drawn over it."
        ),
    )

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        from hanging_protocols.view_content import view_content_errors

        errors = view_content_errors(
            self.view_content,
            protocol_json=self.hanging_protocol.json if self.hanging_protocol else None,
        )
        if errors:
            raise ValidationError({"view_content": errors})
