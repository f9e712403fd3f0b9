"""The algorithm jobs of an algorithm submission (GC's create_algorithm_jobs_for_evaluation):
one per item of the phase's hidden archive that has the inputs of one of the phase's
interfaces, run with the *submitted* image. The jobs are run on the submitter's behalf
but are not theirs (no creator, no viewers): participants see only counts and statuses."""

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import Prefetch

from algorithms.jobs.inputs import InputSpec
from algorithms.jobs.services import job_create
from algorithms.models import AlgorithmImage, Job
from archives.models import ArchiveItem
from challenges.models import Phase
from components.models import ComponentInterfaceValue


def item_specs(item: ArchiveItem, interfaces: list[list[str]]) -> list[InputSpec] | None:
    """The item's values (prefetched with their sockets) for the first of the interfaces
    (each its sorted input slugs) whose inputs it has."""
    values = {civ.interface.slug: civ for civ in item.values.all()}
    for slugs in interfaces:
        if slugs and all(slug in values for slug in slugs):
            return [InputSpec(socket=values[s].interface, existing=values[s]) for s in slugs]
    return None


def submission_jobs_create(
    *, phase: Phase, creator: User, algorithm_image: AlgorithmImage
) -> list[Job]:
    """Create and queue the jobs (inside the caller's transaction: refused, none remain)."""
    if phase.archive is None:
        raise ValidationError(f"The phase {phase.title!r} has no archive of test cases.")
    # every case's values and the interfaces in three queries, not two per case
    items = phase.archive.items.order_by("created", "pk").prefetch_related(
        Prefetch("values", queryset=ComponentInterfaceValue.objects.select_related("interface"))
    )
    interfaces = [
        sorted(s.slug for s in interface.inputs.all())
        for interface in phase.algorithm_interfaces.prefetch_related("inputs").order_by("pk")
    ]
    planned = [specs for item in items if (specs := item_specs(item, interfaces)) is not None]
    if not planned:
        raise ValidationError(
            f"The phase {phase.title!r} has no test case with the inputs of its interfaces."
        )
    jobs = []
    for specs in planned:
        job, _ = job_create(
            creator=creator,
            algorithm=algorithm_image.algorithm,
            specs=specs,
            algorithm_image=algorithm_image,
            grant_creator=False,
            time_limit=phase.algorithm_time_limit,
        )
        jobs.append(job)
    return jobs


def case_of(*, phase: Phase, job: Job) -> str:
    """The hidden case a job ran on, by title and pk, for messages."""
    item = None
    if phase.archive_id is not None:
        item = (
            ArchiveItem.objects.filter(archive_id=phase.archive_id, values__in=job.inputs.all())
            .distinct()
            .first()
        )
    if item is None:
        return f"an unknown case (job {job.pk})"
    return f"{item.title!r} ({item.pk})" if item.title else str(item.pk)
