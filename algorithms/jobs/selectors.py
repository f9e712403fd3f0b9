"""Reads for jobs, always through object permissions."""

from django.db.models import Q, QuerySet

from algorithms.models import Job
from app.permissions import AnyUser, can, visible_to
from cases.models import Image


def jobs_for(*, user: AnyUser) -> QuerySet[Job]:
    return (
        visible_to(user, Job.objects.all())
        .select_related("algorithm_image__algorithm", "creator")
        .prefetch_related("inputs__interface", "outputs__interface")
    )


def may_view_logs(*, user: AnyUser, job: Job) -> bool:
    return can(user, "view_logs", job)


def jobs_with_visible_logs(*, user: AnyUser, jobs: list[Job]) -> set:
    """The pks of those jobs whose logs user may read: one query for a whole page."""
    pks = [job.pk for job in jobs]
    return set(
        visible_to(user, Job.objects.filter(pk__in=pks), "view_logs").values_list("pk", flat=True)
    )


def may_cancel(*, user: AnyUser, job: Job) -> bool:
    return can(user, "cancel_job", job)


def job_images_for(user) -> QuerySet[Image]:  # type: ignore[no-untyped-def]
    """Images that are inputs or outputs of jobs the user may see (for `cases`)."""
    jobs = visible_to(user, Job.objects.all()).values("pk")
    return Image.objects.filter(
        Q(componentinterfacevalue__jobs_as_input__in=jobs)
        | Q(componentinterfacevalue__jobs_as_output__in=jobs)
    )
