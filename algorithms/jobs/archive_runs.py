"""Run an algorithm over an archive: one job per item, reusing a job *of the caller's* that
already ran (or runs) the same image on the same inputs, so asking twice makes no
duplicates. Another user's job is never reused: it is theirs, and private to them."""

from dataclasses import dataclass, field

from django.contrib.auth.models import User

from algorithms.jobs.inputs import InputSpec, inputs_digest
from algorithms.jobs.services import JobRefused, check_active_job_limit, job_create
from algorithms.models import Algorithm, Job
from archives.models import Archive, ArchiveItem


@dataclass
class ArchiveRun:
    created: list[Job] = field(default_factory=list)
    reused: list[Job] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # item pk -> why


def _item_specs(algorithm: Algorithm, item: ArchiveItem) -> list[InputSpec] | None:
    """The item's values for the first interface whose inputs the item has."""
    values = {civ.interface.slug: civ for civ in item.values.select_related("interface")}
    for interface in algorithm.interfaces.prefetch_related("inputs"):
        slugs = [s.slug for s in interface.inputs.all()]
        if slugs and all(slug in values for slug in slugs):
            return [InputSpec(socket=values[s].interface, existing=values[s]) for s in slugs]
    return None


def jobs_for_archive(*, creator: User, algorithm: Algorithm, archive: Archive) -> ArchiveRun:
    image = algorithm.active_image
    if image is None:
        raise JobRefused(f"The algorithm {algorithm.slug!r} has no active container image yet.")
    run = ArchiveRun()
    planned: list[list[InputSpec]] = []
    for item in archive.items.all():
        specs = _item_specs(algorithm, item)
        if specs is None:
            run.skipped[str(item.pk)] = "it has no values for any interface of the algorithm"
            continue
        existing = (
            Job.objects.filter(
                algorithm_image=image, inputs_digest=inputs_digest(specs), creator=creator
            )
            .exclude(status__in=[Job.Status.FAILED, Job.Status.CANCELLED])
            .first()
        )
        if existing is not None:
            run.reused.append(existing)
        else:
            planned.append(specs)
    check_active_job_limit(creator=creator, algorithm=algorithm, new_jobs=len(planned))
    for specs in planned:
        # Reuse here only meets the caller's own jobs (two items with the same inputs).
        job, created = job_create(
            creator=creator, algorithm=algorithm, specs=specs, reuse_existing=True
        )
        (run.created if created else run.reused).append(job)
    return run
