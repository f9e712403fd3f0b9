"""What a signed-in user's home page shows: their archives, algorithms, recent jobs,
uploads in progress and reading to do.

Like `app.urls`, this is composition: it reads from every app through their selectors,
so import-linter lets it import upwards (pyproject's ignore_imports). Nothing imports it
but the home view."""

from dataclasses import dataclass

from django.contrib.auth.models import User

from algorithms.jobs.selectors import jobs_for
from algorithms.models import Algorithm
from algorithms.selectors import editable_algorithms_for
from app.permissions import visible_to
from archives.selectors import archive_list_for
from cases.models import RawImageUploadSession
from cases.selectors import upload_sessions_of
from reader_studies.selectors import reader_studies_readable_by

ROWS = 5
IN_PROGRESS = (RawImageUploadSession.Status.QUEUED, RawImageUploadSession.Status.STARTED)


@dataclass
class Dashboard:
    archives: list
    algorithms: list
    jobs: list
    uploads: list
    reading: list


def dashboard_for(user: User) -> Dashboard:
    # "your algorithms": those you are a member of, not every public one
    member_of = visible_to(user, Algorithm.objects.all(), "execute_algorithm")
    return Dashboard(
        archives=list(archive_list_for(user)[:ROWS]),
        algorithms=list((member_of | editable_algorithms_for(user=user)).distinct()[:ROWS]),
        jobs=list(
            jobs_for(user=user)
            .filter(creator=user)
            .select_related("algorithm_image__algorithm")
            .order_by("-created")[:ROWS]
        ),
        uploads=list(upload_sessions_of(user).filter(status__in=IN_PROGRESS)[:ROWS]),
        reading=list(reader_studies_readable_by(user)[:ROWS]),
    )
