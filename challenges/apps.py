from django.apps import AppConfig


class ChallengesConfig(AppConfig):
    name = "challenges"

    def ready(self) -> None:
        from algorithms.jobs.wiring import job_finished
        from challenges.services import jobs_finished

        # an algorithm submission's evaluation waits for its jobs (algorithms cannot
        # import challenges: it sends a signal)
        job_finished.connect(jobs_finished, dispatch_uid="challenges.jobs_finished")
