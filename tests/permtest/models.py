from django.contrib.auth.models import Group
from django.db import models


class Thing(models.Model):
    """Stands for any protected object (an archive, an algorithm) in permission tests."""

    title = models.CharField(max_length=100)
    editors_group = models.ForeignKey(Group, null=True, on_delete=models.SET_NULL, related_name="+")
    users_group = models.ForeignKey(Group, null=True, on_delete=models.SET_NULL, related_name="+")

    # Declared because mypy's Django plugin reads app.settings, where this app is absent.
    objects: models.Manager["Thing"] = models.Manager()

    def __str__(self) -> str:
        return self.title
