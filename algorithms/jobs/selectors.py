"""Reads for jobs. The one rule of who sees what of a job lives here.

A job's inputs, outputs and results are private to its creator. The creator shares a job
by adding users to its viewers group (`permissions.share_job`); the members of that
group, and site superusers, see the job. Editors of the algorithm are *not* viewers by
role: they see other users' jobs only once shared with them. The logs (and cancelling)
belong to the creator, and to an editor of the algorithm the job was shared with, since
logs are the editors' own code talking and may echo the inputs.

Guardian permissions on jobs are not consulted for this: jobs made before this rule
gave the editors' group `view_job`, and those grants must not count.
"""

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from guardian.core import ObjectPermissionChecker

from algorithms.models import Algorithm, Job
from algorithms.selectors import is_editor
from app.permissions import AnyUser
from cases.models import Image
from cases.selectors import images_visible_to
from components.kinds import Kind
from components.models import ComponentInterface
from components.selectors import images_fitting


def _visible(user: AnyUser) -> QuerySet[Job]:
    if not user.is_authenticated or not user.is_active:
        return Job.objects.none()
    if user.is_superuser:
        return Job.objects.all()
    # A subquery, not a join: no duplicate rows, no DISTINCT over the page.
    return Job.objects.filter(Q(creator=user) | Q(viewers_group__in=user.groups.values("pk")))


def jobs_for(*, user: AnyUser) -> QuerySet[Job]:
    """Jobs whose inputs and outputs the user may see: their own and those shared with them."""
    return (
        _visible(user)
        .select_related("algorithm_image__algorithm", "creator")
        .prefetch_related("inputs__interface", "outputs__interface")
    )


def jobs_listed_for(*, user: AnyUser) -> QuerySet[Job]:
    """`jobs_for` with what a list row shows: each input's image (name, thumbnail)."""
    return jobs_for(user=user).prefetch_related("inputs__image")


def job_list_choices(*, user: AnyUser) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(slug, title) of the algorithms and of the input sockets of the user's jobs."""
    visible = _visible(user)
    algorithms = (
        Algorithm.objects.filter(pk__in=visible.values("algorithm_image__algorithm"))
        .order_by("title")
        .values_list("slug", "title")
    )
    sockets = (
        ComponentInterface.objects.filter(pk__in=visible.values("inputs__interface"))
        .order_by("title")
        .values_list("slug", "title")
    )
    return list(algorithms), list(sockets)


def input_images_for(*, user: AnyUser, socket: ComponentInterface) -> QuerySet[Image]:
    """The images user may give socket as a job input: those fitting its kind, and for an
    image socket never a label map some algorithm made (an output mask is not a scan)."""
    images = images_fitting(images=images_visible_to(user), socket=socket)
    if socket.kind == Kind.IMAGE:
        masks = Image.objects.filter(
            segments__isnull=False, componentinterfacevalue__jobs_as_output__isnull=False
        )
        images = images.exclude(pk__in=masks.values("pk"))
    return images


def may_view_job(*, user: AnyUser, job: Job) -> bool:
    return _visible(user).filter(pk=job.pk).exists()


def _is_creator(user: AnyUser, job: Job) -> bool:
    return user.is_authenticated and user.is_active and job.creator_id == user.pk


def may_view_logs(*, user: AnyUser, job: Job) -> bool:
    if _is_creator(user, job) or (user.is_authenticated and user.is_active and user.is_superuser):
        return True
    return is_editor(user=user, algorithm=job.algorithm_image.algorithm) and may_view_job(
        user=user, job=job
    )


def may_share(*, user: AnyUser, job: Job) -> bool:
    """Only the creator shares their job."""
    return _is_creator(user, job)


def jobs_with_visible_logs(*, user: AnyUser, jobs: list[Job]) -> set:
    """The pks of those jobs whose logs user may read, by `may_view_logs`'s rule, for a
    whole page at once (a constant number of queries, not two per job)."""
    if not jobs or not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return {job.pk for job in jobs}
    own = {job.pk for job in jobs if job.creator_id == user.pk}
    others = [job for job in jobs if job.pk not in own]
    if not others:
        return own
    algorithms = list({job.algorithm_image.algorithm for job in others})
    checker = ObjectPermissionChecker(user)
    checker.prefetch_perms(algorithms)  # type: ignore[arg-type]  # any iterable of one model
    edited = {a.pk for a in algorithms if checker.has_perm("change_algorithm", a)}
    candidates = [job.pk for job in others if job.algorithm_image.algorithm_id in edited]
    shared = set(_visible(user).filter(pk__in=candidates).values_list("pk", flat=True))
    return own | shared


def may_cancel(*, user: AnyUser, job: Job) -> bool:
    return may_view_logs(user=user, job=job)


def shared_with(*, job: Job) -> list[User]:
    """The users besides its creator who see the job."""
    if job.viewers_group is None:
        return []
    users = job.viewers_group.user_set.order_by("username")
    return [u for u in users if u.pk != job.creator_id]


def job_images_for(user) -> QuerySet[Image]:  # type: ignore[no-untyped-def]
    """Images that are inputs or outputs of jobs the user may see (for `cases`)."""
    jobs = _visible(user).values("pk")
    return Image.objects.filter(
        Q(componentinterfacevalue__jobs_as_input__in=jobs)
        | Q(componentinterfacevalue__jobs_as_output__in=jobs)
    )
