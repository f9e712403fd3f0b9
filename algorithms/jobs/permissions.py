"""Who may see a job, read its logs and cancel it.

A job has a viewers group (its creator is a member; adding others shares the job's
inputs and outputs). Logs and cancel belong to the creator and the algorithm's editors
only, so sharing a job never shares its logs.
"""

from guardian.shortcuts import assign_perm

from algorithms.models import Job
from app.permissions import create_role_groups

OWNER_PERMISSIONS = ("view_logs", "cancel_job")
EDITOR_PERMISSIONS = ("view_job", "view_logs", "cancel_job")


def grant_job_permissions(*, job: Job) -> None:
    create_role_groups(obj=job, roles={"viewers": ("view_job",)})
    if job.creator is not None:
        job.viewers_group.user_set.add(job.creator)  # type: ignore[union-attr]
        for codename in OWNER_PERMISSIONS:
            assign_perm(f"algorithms.{codename}", job.creator, job)
    editors = job.algorithm_image.algorithm.editors_group
    if editors is not None:
        for codename in EDITOR_PERMISSIONS:
            assign_perm(f"algorithms.{codename}", editors, job)
