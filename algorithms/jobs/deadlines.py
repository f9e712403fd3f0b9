"""When a job counts as stuck: left in a non-final status past its deadline.

A stuck job is settled by the sweep (`algorithms.jobs.sweep`) and, until then, does not
count against its creator's limit of active jobs. Pure: reads the row, writes nothing.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from algorithms.models import Job

S = Job.Status


def status_since(job: Job) -> datetime:
    """When the job entered its current status (the history's last entry for it)."""
    for entry in reversed(job.status_history or []):
        if entry.get("status") == job.status:
            moment = parse_datetime(str(entry.get("at", "")))
            if moment is not None:
                return moment
            break
    return job.modified


def stuck_cause(job: Job, *, now: datetime | None = None) -> str | None:
    """Why the job is stuck, for its error message; None when it is not (yet)."""
    now = now or timezone.now()
    grace = int(settings.JOBS_TIME_LIMIT_GRACE_S)
    since = status_since(job)
    if job.status == S.QUEUED:
        timeout = int(settings.JOBS_QUEUED_TIMEOUT_S)
        if since + timedelta(seconds=timeout) > now:
            return None
        if job.pending_inputs:
            return f"The job waited more than {timeout} s for its input images to be imported."
        return (
            f"No worker took the job from the queue {job.queue!r} within {timeout} s: its "
            "message to the broker was lost or no worker serves that queue."
        )
    if job.status not in Job.RUNNING_STATUSES:
        return None
    began = (job.started or since) if job.status == S.EXECUTING else since
    if began + timedelta(seconds=job.time_limit + grace) > now:
        return None
    if job.status == S.EXECUTING:
        return (
            f"The job did not finish within its time limit of {job.time_limit} s plus "
            f"{grace} s grace: its worker stopped or lost the container. It was stopped."
        )
    doing = "preparing the container" if job.status == S.PROVISIONING else "storing the outputs"
    return (
        f"The job stayed {job.status} for more than {job.time_limit + grace} s (its time "
        f"limit of {job.time_limit} s plus {grace} s grace): its worker stopped while {doing}."
    )
