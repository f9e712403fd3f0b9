"""An import whose database connection dies mid-way is retried, not lost: the session
goes back to Queued with its uploads kept, and the retry imports it."""

import threading

import numpy as np
import pytest
from django.db import connection
from django.db.utils import InterfaceError, OperationalError

from app.tasks import registered_task
from cases import importing
from cases.importing import import_session
from cases.models import Image, RawImageUploadSession
from tests.cases.helpers import completed_upload
from tests.cases.test_import import mha_bytes
from uploads.models import UserUpload

pytestmark = pytest.mark.django_db(transaction=True)


def terminate_backend(pid: int) -> None:
    """Kill a database session from another connection, as a server restart would."""

    def run() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        finally:
            connection.close()

    other = threading.Thread(target=run)
    other.start()
    other.join(timeout=30)


def test_a_database_error_mid_import_requeues_the_session_for_the_retry(user, monkeypatch):  # type: ignore[no-untyped-def]
    volume = np.arange(4 * 5 * 6, dtype=np.int16).reshape(4, 5, 6)
    upload = completed_upload(user, "scan.mha", mha_bytes(volume))
    session = RawImageUploadSession.objects.create(creator=user)
    session.user_uploads.set([upload])
    real_build = importing.build_images
    calls: list[int] = []

    def build_then_lose_the_database(**kwargs):  # type: ignore[no-untyped-def]
        result = real_build(**kwargs)
        if not calls:  # only the first run
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                (pid,) = cursor.fetchone()
            terminate_backend(pid)
        calls.append(1)
        return result

    monkeypatch.setattr(importing, "build_images", build_then_lose_the_database)

    with pytest.raises((OperationalError, InterfaceError)) as raised:
        import_session(session_pk=str(session.pk))

    # the task retries on exactly this error...
    task = registered_task("cases.tasks.build_images_for_session")
    assert isinstance(raised.value, tuple(task.autoretry_for))
    session.refresh_from_db()
    assert (session.status, session.started) == (RawImageUploadSession.Status.QUEUED, None)
    upload.refresh_from_db()
    assert upload.status == UserUpload.Status.COMPLETED  # kept for the retry
    assert Image.objects.filter(origin=session).count() == 0

    import_session(session_pk=str(session.pk))  # ...and the retry imports it

    session.refresh_from_db()
    assert session.status == RawImageUploadSession.Status.SUCCEEDED, session.error_message
    (image,) = Image.objects.filter(origin=session)
    assert (image.width, image.height, image.depth) == (6, 5, 4)
    upload.refresh_from_db()
    assert upload.status == UserUpload.Status.DELETED
