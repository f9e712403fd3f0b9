"""Combined leaderboards: one ranking over several phases of a challenge (GC's
CombinedLeaderboard), computed from the phases' stored ranks when read."""

import uuid

from django.db import models

from challenges import ranking
from challenges.models.challenges import Challenge
from challenges.models.phases import Phase


class CombinedLeaderboard(models.Model):
    class CombinationMethod(models.TextChoices):
        MEAN = "MEAN", "Mean of the phase ranks"
        MEDIAN = "MEDIAN", "Median of the phase ranks"
        SUM = "SUM", "Sum of the phase ranks"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    challenge = models.ForeignKey(
        Challenge, on_delete=models.CASCADE, related_name="combined_leaderboards"
    )
    title = models.CharField(max_length=255)
    slug = models.SlugField(max_length=64)
    description = models.TextField(blank=True)
    phases = models.ManyToManyField(Phase, related_name="combined_leaderboards")
    combination_method = models.CharField(
        max_length=6, choices=CombinationMethod.choices, default=CombinationMethod.MEAN
    )

    class Meta:
        ordering = ("challenge", "title")
        constraints = [
            models.UniqueConstraint(
                fields=["challenge", "slug"], name="combined_leaderboard_unique_slug"
            )
        ]

    def __str__(self) -> str:
        return self.title


assert set(ranking.COMBINATION_METHODS) == set(CombinedLeaderboard.CombinationMethod.values)
