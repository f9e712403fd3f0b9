"""Job permissions: a viewers group per job, and sharing a job through it.

Who sees what is decided in `algorithms.jobs.selectors` (one rule, documented there and on
the algorithm page). Here: the job's viewers group (its creator is a member) and the
creator's act of sharing. The algorithm's editors get no permission on the job by role.
"""

from django.contrib.auth.models import User
from django.http import HttpRequest

from algorithms.models import Job
from app.permissions import add_member, create_role_groups, remove_member


def grant_job_permissions(*, job: Job) -> None:
    create_role_groups(obj=job, roles={"viewers": ("view_job",)})
    if job.creator is not None:
        job.viewers_group.user_set.add(job.creator)  # type: ignore[union-attr]


def share_job(*, job: Job, user: User, actor: User, request: HttpRequest | None = None) -> None:
    """The creator lets `user` see the job's inputs and outputs (and, for an editor of the
    algorithm, its logs)."""
    add_member(obj=job, role="viewers", user=user, actor=actor, request=request)


def unshare_job(*, job: Job, user: User, actor: User, request: HttpRequest | None = None) -> None:
    if user.pk == job.creator_id:
        raise ValueError("The creator always sees their own job.")
    remove_member(obj=job, role="viewers", user=user, actor=actor, request=request)
