from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _install_default_sockets(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    from components.catalogue import ensure_default_sockets

    ensure_default_sockets(using=using)


class ComponentsConfig(AppConfig):
    name = "components"

    def ready(self) -> None:
        post_migrate.connect(_install_default_sockets, sender=self)
