"""Teams of a challenge (optional: `Challenge.use_teams`). Members share submission limits
and the leaderboard treats a team as one participant."""

import uuid

from django.conf import settings
from django.db import models

from challenges.models.challenges import Challenge


class Team(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=64)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("name",)
        constraints = [
            models.UniqueConstraint(fields=["challenge", "name"], name="team_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # the team's challenge again, so that the database holds "one team per challenge"
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="+")
    joined = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("joined", "pk")
        constraints = [
            models.UniqueConstraint(fields=["challenge", "user"], name="one_team_per_challenge")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"


class TeamInvitation(models.Model):
    """A pending way into a team: the owner invites a participant, or a participant asks
    to join; the other side accepts (then it is deleted) or declines (deleted too)."""

    class Kind(models.TextChoices):
        INVITATION = "invitation", "Invited by the team's owner"
        REQUEST = "request", "Asked to join"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)

    class Meta:
        ordering = ("created",)
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="one_invitation_per_team_user")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.user} -> {self.team}"
