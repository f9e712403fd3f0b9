"""Reads for jobs, always through object permissions."""

from django.db.models import Q, QuerySet
from guardian.core import ObjectPermissionChecker

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
    """The pks of those jobs whose logs user may read (as `may_view_logs`), with the
    permissions of the whole page fetched at once instead of two queries per job."""
    if not jobs or not user.is_authenticated or not user.is_active:
        return set()
    checker = ObjectPermissionChecker(user)
    checker.prefetch_perms(jobs)  # type: ignore[arg-type]  # any iterable of one model
    return {job.pk for job in jobs if checker.has_perm("view_logs", job)}


def may_cancel(*, user: AnyUser, job: Job) -> bool:
    return can(user, "cancel_job", job)


def job_images_for(user) -> QuerySet[Image]:  # type: ignore[no-untyped-def]
    """Images that are inputs or outputs of jobs the user may see (for `cases`)."""
    jobs = visible_to(user, Job.objects.all()).values("pk")
    return Image.objects.filter(
        Q(componentinterfacevalue__jobs_as_input__in=jobs)
        | Q(componentinterfacevalue__jobs_as_output__in=jobs)
    )
