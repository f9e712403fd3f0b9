"""What a challenge's site shows besides phases: Markdown pages and the questions asked on
registering (contracts §B.1: GC's `pages.Page`, `RegistrationQuestion(Answer)`)."""

from django.db import models

from challenges.models.challenges import Challenge, RegistrationRequest


class ChallengePage(models.Model):
    class Permission(models.TextChoices):
        # GC's stored codes
        ALL = "ALL", "Everyone"
        REGISTERED_ONLY = "REG", "Participants only"
        ADMIN_ONLY = "ADM", "Administrators only"

    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="pages")
    display_title = models.CharField(max_length=255)
    slug = models.SlugField(max_length=64)
    permission_level = models.CharField(
        max_length=3, choices=Permission.choices, default=Permission.ALL
    )
    order = models.PositiveIntegerField(default=0)
    hidden = models.BooleanField(default=False, help_text="Hidden pages are left out of the tabs.")
    content_markdown = models.TextField(blank=True)

    class Meta:
        ordering = ("challenge", "order", "created")
        constraints = [
            models.UniqueConstraint(fields=["challenge", "slug"], name="page_unique_slug"),
        ]

    def __str__(self) -> str:
        return self.display_title


class RegistrationQuestion(models.Model):
    """Asked when a user asks to join; the answer must match `schema` (JSON Schema)."""

    created = models.DateTimeField(auto_now_add=True)
    challenge = models.ForeignKey(
        Challenge, on_delete=models.CASCADE, related_name="registration_questions"
    )
    question_text = models.CharField(max_length=200)
    question_help_text = models.TextField(blank=True)
    required = models.BooleanField(default=True)
    schema = models.JSONField(
        default=dict, blank=True, help_text='JSON Schema of the answer, e.g. {"type": "string"}.'
    )

    class Meta:
        ordering = ("challenge", "created")
        constraints = [
            models.UniqueConstraint(
                fields=["challenge", "question_text"], name="registration_question_unique_text"
            ),
        ]

    def __str__(self) -> str:
        return self.question_text


class RegistrationQuestionAnswer(models.Model):
    question = models.ForeignKey(
        RegistrationQuestion, on_delete=models.CASCADE, related_name="answers"
    )
    registration_request = models.ForeignKey(
        RegistrationRequest, on_delete=models.CASCADE, related_name="answers"
    )
    answer = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["question", "registration_request"], name="one_answer_per_request"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question}: {self.answer!r}"
