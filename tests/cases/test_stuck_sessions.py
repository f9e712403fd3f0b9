"""Upload sessions never stay Queued or Started: the sweep fails them past their
deadline with the cause, including one whose import was redelivered too early."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.importing import import_session
from cases.models import RawImageUploadSession
from cases.tasks import settle_stuck_upload_sessions
from tests.cases.helpers import completed_upload

pytestmark = pytest.mark.django_db(transaction=True)
Status = RawImageUploadSession.Status


def session_in(user, status: str, *, seconds_ago: float) -> RawImageUploadSession:  # type: ignore[no-untyped-def]
    at = timezone.now() - timedelta(seconds=seconds_ago)
    session = RawImageUploadSession.objects.create(creator=user, status=status)
    started = at if status == Status.STARTED else None
    RawImageUploadSession.objects.filter(pk=session.pk).update(created=at, started=started)
    return session


def test_sweep_fails_sessions_stuck_queued_or_started_with_the_cause(user, settings):  # type: ignore[no-untyped-def]
    settings.UPLOAD_SESSIONS_QUEUED_TIMEOUT_S = 3600
    settings.UPLOAD_SESSIONS_STARTED_TIMEOUT_S = 600
    queued = session_in(user, Status.QUEUED, seconds_ago=3601)
    started = session_in(user, Status.STARTED, seconds_ago=601)
    fresh_queued = session_in(user, Status.QUEUED, seconds_ago=3599)
    fresh_started = session_in(user, Status.STARTED, seconds_ago=599)
    done = session_in(user, Status.SUCCEEDED, seconds_ago=99999)

    settled = settle_stuck_upload_sessions()

    assert sorted(settled) == sorted([str(queued.pk), str(started.pk)])
    queued.refresh_from_db()
    started.refresh_from_db()
    assert (queued.status, queued.error_message) == (
        Status.FAILED,
        "No worker took the import within 3600 s: its message to the broker was lost or "
        "no worker serves the 'images' queue. Upload the files again.",
    )
    assert (started.status, started.error_message) == (
        Status.FAILED,
        "The import did not finish within 600 s: its worker stopped. Nothing was stored; "
        "upload the files again.",
    )
    assert queued.completed is not None and started.completed is not None
    statuses = [
        RawImageUploadSession.objects.get(pk=s.pk).status
        for s in (fresh_queued, fresh_started, done)
    ]
    assert statuses == [Status.QUEUED, Status.STARTED, Status.SUCCEEDED]
    assert settle_stuck_upload_sessions() == []


def test_a_redelivered_import_of_a_recently_started_session_is_settled_later(user, settings):  # type: ignore[no-untyped-def]
    settings.UPLOAD_SESSIONS_STARTED_TIMEOUT_S = 60
    upload = completed_upload(user, "scan.mha", b"not an image")
    session = session_in(user, Status.STARTED, seconds_ago=10)  # its worker died just now
    session.user_uploads.set([upload])

    import_session(session_pk=str(session.pk))  # the redelivery: too early to take over

    session.refresh_from_db()
    assert session.status == Status.STARTED
    assert settle_stuck_upload_sessions() == []  # not yet due

    RawImageUploadSession.objects.filter(pk=session.pk).update(
        started=timezone.now() - timedelta(seconds=61)
    )
    assert settle_stuck_upload_sessions() == [str(session.pk)]
    session.refresh_from_db()
    assert session.status == Status.FAILED
    assert session.error_message == (
        "The import did not finish within 60 s: its worker stopped. Nothing was stored; "
        "upload the files again."
    )
