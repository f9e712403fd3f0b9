from django.apps import AppConfig


class AlgorithmsConfig(AppConfig):
    name = "algorithms"

    def ready(self) -> None:
        # autodiscovery only finds algorithms.tasks; the image tasks live beside their code
        import algorithms.images.tasks  # noqa: F401
        from algorithms.jobs.wiring import connect_jobs

        connect_jobs()
