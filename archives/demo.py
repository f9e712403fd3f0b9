"""Demo CT cases for `make run`: synthetic lesion volumes imported into an archive.

Each case is `cases.synthetic.write_lesion_volume` for one seed, imported through the
real path (upload -> upload session -> builder -> .mha in the object store -> archive
item), so the demos show what a user's own import gives. The truth about a case (the
lesion's box, diameter, mask) is computed again from its seed whenever a demo needs it.

Idempotent: an archive that already holds a case (an image named after its seed) keeps
it; only missing cases are imported.
"""

import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.models import User

from app.storage import bucket_name, s3_client
from archives.models import Archive
from archives.services import archive_cases_add, archive_create
from cases.importing import import_session
from cases.models import Image, RawImageUploadSession
from cases.synthetic import LesionVolume, write_lesion_volume
from components.selectors import image_socket
from uploads.models import UserUpload

DEMO_ARCHIVE_TITLE = "Demo CT"
DEMO_ARCHIVE_DESCRIPTION = (
    "Three synthetic CT volumes (64 x 64 x 32, 1.5 x 1.5 x 3 mm) of a body with one bright "
    "spherical lesion each, made by `make run`."
)
DEMO_SEEDS = (1, 2, 3)
DEMO_SOCKET = "ct-image"  # the demo algorithm's input


@dataclass(frozen=True)
class DemoCase:
    image: Image
    truth: LesionVolume


def case_name(seed: int) -> str:
    """The image's name; the builder names an image after its file's stem."""
    return f"demo-ct-{seed:03d}"


def case_truth(seed: int, folder: Path) -> LesionVolume:
    return write_lesion_volume(folder / f"{case_name(seed)}.mha", seed=seed)


def demo_admin() -> User | None:
    """The first superuser (`make run` creates one before the demos)."""
    return User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()


def _images_by_name(archive: Archive) -> dict[str, Image]:
    images = Image.objects.filter(
        componentinterfacevalue__archive_items__archive=archive
    ).distinct()
    return {image.name: image for image in images}


def demo_upload(*, creator: User, path: Path) -> UserUpload:
    """A completed upload of a file the server made itself. The object is written directly;
    the browser's multipart protocol ends in this same state."""
    upload = UserUpload.objects.create(
        creator=creator,
        filename=path.name,
        status=UserUpload.Status.COMPLETED,
        size=path.stat().st_size,
    )
    s3_client("uploads").upload_file(str(path), bucket_name("uploads"), upload.key)
    return upload


def _finished(session: RawImageUploadSession, timeout: float = 300) -> RawImageUploadSession:
    deadline = time.monotonic() + timeout
    session.refresh_from_db()
    while not session.is_finished and time.monotonic() < deadline:
        time.sleep(0.5)
        session.refresh_from_db()
    return session


def ensure_synthetic_ct_archive(
    *,
    creator: User,
    title: str,
    description: str,
    seeds: Sequence[int],
    log: Callable[[str], object] = print,
) -> tuple[Archive, list[DemoCase]]:
    """The archive called title with one synthetic CT case per seed, importing those missing."""
    archive = Archive.objects.filter(title=title).order_by("created").first()
    if archive is None:
        archive = archive_create(creator=creator, title=title, description=description)
    with tempfile.TemporaryDirectory(prefix="tessera-demo-ct-") as folder:
        truths = {seed: case_truth(seed, Path(folder)) for seed in seeds}
        present = _images_by_name(archive)
        missing = [s for s in seeds if case_name(s) not in present]
        if missing:
            uploads = [demo_upload(creator=creator, path=truths[s].path) for s in missing]
            session = archive_cases_add(
                archive=archive,
                creator=creator,
                uploads=uploads,
                interface=image_socket(DEMO_SOCKET),
            )
            # Imported now rather than by a worker: the demos built on these cases need them
            # before the workers start (the queued task later finds the session done). A
            # worker already running may claim it first: then wait for that worker.
            import_session(session_pk=str(session.pk))
            session = _finished(session)
            if session.status != RawImageUploadSession.Status.SUCCEEDED:
                raise RuntimeError(
                    f"importing the cases of '{title}': {session.status} "
                    f"{session.error_message}".strip()
                )
            log(f"imported {len(missing)} synthetic CT case(s) into the archive '{title}'")
            present = _images_by_name(archive)
    return archive, [DemoCase(image=present[case_name(s)], truth=truths[s]) for s in seeds]


def ensure_demo_ct_archive(
    *, creator: User, log: Callable[[str], object] = print
) -> tuple[Archive, list[DemoCase]]:
    return ensure_synthetic_ct_archive(
        creator=creator,
        title=DEMO_ARCHIVE_TITLE,
        description=DEMO_ARCHIVE_DESCRIPTION,
        seeds=DEMO_SEEDS,
        log=log,
    )
