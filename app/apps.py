from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TesseraConfig(AppConfig):
    name = "app"
    label = "app"
    verbose_name = "Tessera platform"

    def ready(self) -> None:
        from app import schema, signals  # noqa: F401  (audit receivers, OpenAPI auth)
        from app.permissions import grant_creator_permissions

        post_migrate.connect(grant_creator_permissions, dispatch_uid="app.creator_permissions")
