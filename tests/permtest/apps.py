from django.apps import AppConfig


class PermtestConfig(AppConfig):
    """A test-only app: one tiny model protected by role groups, and views of it."""

    name = "tests.permtest"
    label = "permtest"
