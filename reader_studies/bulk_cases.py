"""Services that add many cases to a reader study at once: one display set per uploaded
image (through the import's target registry), or one per chosen archive item, sharing the
item's socket values (values are immutable and shared, as on grand-challenge.org)."""

from collections.abc import Sequence

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from app.urlresolve import pk_from_api_url
from archives.models import ArchiveItem
from cases.models import Image, RawImageUploadSession
from cases.services import upload_session_create
from cases.targets import TargetError
from components.models import ComponentInterface
from components.selectors import image_socket
from components.services import socket_value_create
from reader_studies.models import DisplaySet, ReaderStudy
from reader_studies.selectors import reader_studies_edited_by
from reader_studies.services import display_set_create
from uploads.models import UserUpload

TARGET_KIND = "reader-study"
MAX_ITEMS = 2000  # archive items added in one request


def reader_study_cases_target(*, reader_study: ReaderStudy, interface: ComponentInterface) -> dict:
    """The upload target that makes each built image a new display set of reader_study."""
    return {"kind": TARGET_KIND, "reader_study": str(reader_study.pk), "interface": interface.slug}


def reader_study_cases_add(
    *,
    reader_study: ReaderStudy,
    creator: User,
    uploads: Sequence[UserUpload],
    interface: ComponentInterface | None = None,
) -> RawImageUploadSession:
    """Import uploads; each built image becomes a new case (the caller checked that creator
    edits the study)."""
    target = reader_study_cases_target(
        reader_study=reader_study, interface=interface or image_socket(None)
    )
    return upload_session_create(creator=creator, uploads=uploads, target=target)


def _free_title(*, reader_study: ReaderStudy, wanted: str, taken: set[str]) -> str:
    """`wanted`, or `wanted (2)`, `(3)`... : display set titles are unique in a study."""
    wanted = wanted.strip()[:240] or "Case"
    title, n = wanted, 1
    while title in taken:
        n += 1
        title = f"{wanted} ({n})"
    taken.add(title)
    return title


def _taken_titles(reader_study: ReaderStudy) -> set[str]:
    return set(reader_study.display_sets.values_list("title", flat=True))


def attach_to_reader_study(*, session: RawImageUploadSession, images: Sequence[Image]) -> None:
    """Upload target "reader-study": one new display set per image, titled by the image."""
    study = ReaderStudy.objects.filter(pk=session.target.get("reader_study")).first()
    if study is None:
        raise TargetError("The reader study no longer exists.")
    slug = session.target.get("interface") or ""
    socket = ComponentInterface.objects.filter(slug=slug).first()
    if socket is None:
        raise TargetError(f"The socket '{slug}' no longer exists.")
    taken = _taken_titles(study)
    for image in images:
        title = _free_title(reader_study=study, wanted=image.name, taken=taken)
        display_set = display_set_create(reader_study=study, title=title)
        display_set.values.add(socket_value_create(socket=socket, image=image))


def display_sets_from_archive_items(
    *, reader_study: ReaderStudy, items: Sequence[ArchiveItem]
) -> list[DisplaySet]:
    """One new case per archive item holding the item's values, all or none (the caller
    checked that the user edits the study and may see the items)."""
    if not items:
        raise ValidationError({"items": "Choose at least one archive item."})
    if len(items) > MAX_ITEMS:
        raise ValidationError({"items": f"Add at most {MAX_ITEMS} items at once."})
    empty = [str(item) for item in items if not item.values.all()]  # prefetched by callers
    if empty:
        raise ValidationError({"items": f"These items hold no values: {', '.join(empty[:5])}."})
    created = []
    with transaction.atomic():
        taken = _taken_titles(reader_study)
        for item in items:
            title = _free_title(reader_study=reader_study, wanted=str(item), taken=taken)
            display_set = display_set_create(reader_study=reader_study, title=title)
            display_set.values.add(*item.values.all())
            created.append(display_set)
    return created


def reader_study_request_target(*, user: User, value: str, interface: str | None) -> dict:
    """Upload-session field `reader_study` (API URL, pk or slug of a study user edits):
    each image becomes a new display set."""
    pk = pk_from_api_url(value, "api:reader-study-detail")
    studies = reader_studies_edited_by(user)
    study = studies.filter(pk=pk).first() if pk else studies.filter(slug=value).first()
    if study is None:
        raise ValidationError(
            {"reader_study": f"Reader study '{value}' was not found among those you edit."}
        )
    return reader_study_cases_target(reader_study=study, interface=image_socket(interface))
