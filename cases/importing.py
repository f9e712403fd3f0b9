"""Turn an upload session's uploads into stored images (runs on the `images` queue).

Phases, so that nothing is half-written and a re-run is harmless:
1. claim the session (row lock, status Queued -> Started);
2. download the uploads to a fresh temporary directory and run the builders there;
3. put the built files in the protected bucket under keys made of UUIDs only;
4. in one transaction: create Image/ImageFile rows, attach them to the target, settle the
   session. Any failure in 3 or 4 rolls the rows back and deletes the stored objects;
5. always delete the uploads and the temporary directory.
"""

import logging
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.utils import InterfaceError, OperationalError
from django.utils import timezone

from cases.builders import build_images
from cases.builders.types import BuildResult
from cases.models import ImageFile, RawImageUploadSession
from cases.storing import StoredImage, delete_stored_objects, store_built_image
from cases.targets import TargetError, attach_images
from uploads.models import UserUpload
from uploads.services import delete_upload, download_upload_to

logger = logging.getLogger(__name__)

MAX_LISTED_ERRORS = 5
DOWNLOAD_THREADS = 8


def _started_timeout() -> timedelta:
    """A session Started longer than this (past the task's hard time limit) lost its worker."""
    return timedelta(seconds=int(settings.UPLOAD_SESSIONS_STARTED_TIMEOUT_S))


def import_session(*, session_pk: str) -> None:
    session = _claim(session_pk)
    if session is None:
        return
    uploads = list(session.user_uploads.all())
    work_dir = Path(tempfile.mkdtemp(prefix="tessera-import-"))
    stored_keys: list[str] = []
    retrying = False
    try:
        result = _build(uploads=uploads, work_dir=work_dir)
        stored = [store_built_image(built=b, stored_keys=stored_keys) for b in result.images]
        _settle(session_pk=session_pk, result=result, stored=stored)
    except TargetError as e:
        delete_stored_objects(stored_keys)
        _fail(session_pk, str(e))
    except (OperationalError, InterfaceError):
        # The database went away: keep the uploads, put the session back in the queue and
        # let the task's retry claim it again (the sweep settles it if that never comes).
        logger.warning("Import of upload session %s: database error, retrying", session_pk)
        delete_stored_objects(stored_keys)
        retrying = _release(session_pk)
        raise
    except Exception:
        logger.exception("Import of upload session %s failed", session_pk)
        delete_stored_objects(stored_keys)
        _fail(session_pk, "The import failed on the server; nothing was stored. Try again.")
    finally:
        if not retrying:
            for upload in uploads:
                try:
                    delete_upload(upload=upload)
                except Exception:
                    logger.exception("Could not delete upload %s", upload.pk)
        shutil.rmtree(work_dir, ignore_errors=True)


def _release(session_pk: str) -> bool:
    """Started -> Queued on a fresh connection; whether that worked."""
    close_old_connections()  # drops the broken connection; the next query reconnects
    try:
        released = RawImageUploadSession.objects.filter(
            pk=session_pk, status=RawImageUploadSession.Status.STARTED
        ).update(status=RawImageUploadSession.Status.QUEUED, started=None)
    except (OperationalError, InterfaceError):
        logger.warning("Could not put upload session %s back in the queue", session_pk)
        return False
    return released == 1


def _claim(session_pk: str) -> RawImageUploadSession | None:
    with transaction.atomic():
        session = RawImageUploadSession.objects.select_for_update().filter(pk=session_pk).first()
        if session is None:
            return None
        now = timezone.now()
        stale = (
            session.status == RawImageUploadSession.Status.STARTED
            and session.started is not None
            and session.started < now - _started_timeout()
        )
        if session.status != RawImageUploadSession.Status.QUEUED and not stale:
            return None
        session.status = RawImageUploadSession.Status.STARTED
        session.started = now
        session.save(update_fields=["status", "started"])
        return session


def _local_name(filename: str) -> str:
    """The upload's base name, safe as a local file name (builders read extensions)."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip().lstrip(".")
    return name or "upload"


def _download(planned: tuple[UserUpload, Path]) -> bool:
    upload, path = planned
    try:
        download_upload_to(upload=upload, path=path)
    except Exception:
        logger.exception("Could not read upload %s", upload.pk)
        return False
    return True


def _build(*, uploads: list[UserUpload], work_dir: Path) -> BuildResult:
    in_dir = work_dir / "in"
    in_dir.mkdir()
    planned: list[tuple[UserUpload, Path]] = []
    taken: set[str] = set()
    for index, upload in enumerate(uploads):
        local = _local_name(upload.filename)
        # same names must not overwrite each other, but MHD pairs must share a folder
        folder = in_dir if local not in taken else in_dir / str(index)
        folder.mkdir(exist_ok=True)
        taken.add(local)
        planned.append((upload, folder / local))
    # A DICOM series is hundreds of small files: fetched one at a time, each waits
    # for the store's round trips (a HEAD and a GET) in turn.
    with ThreadPoolExecutor(max_workers=DOWNLOAD_THREADS) as pool:
        downloaded = list(pool.map(_download, planned))
    files: list[Path] = []
    names: dict[Path, str] = {}
    download_errors: dict[str, str] = {}
    for (upload, path), ok in zip(planned, downloaded, strict=True):
        if not ok:
            download_errors[upload.filename] = (
                f"{upload.filename}: the uploaded file could not be read from the store."
            )
            continue
        files.append(path)
        names[path] = upload.filename
    out_dir = work_dir / "out"
    out_dir.mkdir()
    result = build_images(files=files, work_dir=out_dir, names=names) if files else BuildResult()
    result.file_errors = {**download_errors, **result.file_errors}
    return result


def _summary(result: BuildResult, n_images: int) -> str:
    errors = list(result.file_errors.values())
    listed = "; ".join(errors[:MAX_LISTED_ERRORS])
    more = f" (and {len(errors) - MAX_LISTED_ERRORS} more)" if len(errors) > 5 else ""
    if n_images == 0:
        return f"No image could be built. {listed}{more}".strip()
    if errors:
        return f"{n_images} image(s) built; {len(errors)} file(s) gave no image: {listed}{more}"
    return ""


def _settle(*, session_pk: str, result: BuildResult, stored: list[StoredImage]) -> None:
    with transaction.atomic():
        session = RawImageUploadSession.objects.select_for_update().get(pk=session_pk)
        if session.status != RawImageUploadSession.Status.STARTED:
            raise TargetError("The session was settled by another run.")
        images = []
        for item in stored:
            item.image.origin = session
            item.image.save(force_insert=True)
            ImageFile.objects.bulk_create(item.files)
            images.append(item.image)
        if images:
            attach_images(session=session, images=images)
        session.status = (
            RawImageUploadSession.Status.SUCCEEDED
            if images
            else RawImageUploadSession.Status.FAILED
        )
        session.error_message = _summary(result, len(images))
        session.file_errors = dict(result.file_errors)
        session.deidentification_report = dict(result.deidentification)
        session.completed = timezone.now()
        session.save()


def _fail(session_pk: str, message: str) -> None:
    with transaction.atomic():
        session = RawImageUploadSession.objects.select_for_update().filter(pk=session_pk).first()
        if session is None or session.status != RawImageUploadSession.Status.STARTED:
            return
        session.status = RawImageUploadSession.Status.FAILED
        session.error_message = message
        session.completed = timezone.now()
        session.save(update_fields=["status", "error_message", "completed"])


def settle_stuck_sessions() -> list[str]:
    """Fail sessions left Queued or Started past their deadline, naming the cause, so the
    uploader (and a job waiting for the images) sees why; returns their primary keys.

    This also ends a session whose import was redelivered while it looked Started too
    recently to take over: that delivery leaves it, and this sweep settles it."""
    Status = RawImageUploadSession.Status
    now = timezone.now()
    queued_timeout = int(settings.UPLOAD_SESSIONS_QUEUED_TIMEOUT_S)
    started_timeout = _started_timeout()
    causes = {
        Status.QUEUED: (
            now - timedelta(seconds=queued_timeout),
            f"No worker took the import within {queued_timeout} s: its message to the "
            f"broker was lost or no worker serves the {settings.QUEUE_IMAGES!r} queue. Upload "
            "the files again.",
        ),
        Status.STARTED: (
            now - started_timeout,
            f"The import did not finish within {int(started_timeout.total_seconds())} s: "
            "its worker stopped. Nothing was stored; upload the files again.",
        ),
    }
    settled = []
    for status, (cutoff, message) in causes.items():
        since = "created" if status == Status.QUEUED else "started"
        stuck = RawImageUploadSession.objects.filter(status=status, **{f"{since}__lt": cutoff})
        for pk in stuck.values_list("pk", flat=True):
            with transaction.atomic():
                session = (
                    RawImageUploadSession.objects.select_for_update()
                    .filter(pk=pk, status=status, **{f"{since}__lt": cutoff})
                    .first()
                )
                if session is None:
                    continue
                session.status = Status.FAILED
                session.error_message = message
                session.completed = now
                session.save(update_fields=["status", "error_message", "completed"])
                settled.append(str(pk))
    return settled
