"""List pages as a user sees them: search, filters, sort, pages that keep the query,
thumbnails and names, and never another user's rows (app/listing.py behind them all)."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from algorithms.jobs.permissions import grant_job_permissions
from algorithms.models import Algorithm, AlgorithmImage, Job
from archives.models import Archive
from archives.services import archive_create, archive_item_create
from cases.models import Image, RawImageUploadSession
from components.models import ComponentInterface, ComponentInterfaceValue
from components.services import socket_value_create
from tests.algorithms.factories import make_algorithm
from tests.archives.helpers import login
from uploads.models import UserUpload

pytestmark = pytest.mark.django_db

X = " \u00d7 "  # the multiplication sign pages put between sizes
SHAPE = f"300{X}512{X}512 (z{X}y{X}x)"  # sizes in the API's order, with the axis names
VOXELS = f"1{X}0.7{X}0.7 mm (z{X}y{X}x)"


def _image(owner, name: str, *, modality: str = "CT", segments=None) -> Image:  # type: ignore[no-untyped-def]
    """An image `owner` sees (from their upload session), with a thumbnail key."""
    session = RawImageUploadSession.objects.create(
        creator=owner, status=RawImageUploadSession.Status.SUCCEEDED
    )
    return Image.objects.create(
        name=name,
        origin=session,
        width=512,
        height=512,
        depth=300,
        voxel_width_mm=0.7,
        voxel_height_mm=0.7,
        voxel_depth_mm=1.0,
        modality=modality,
        segments=segments,
        thumbnail=f"images/{name}/thumb.png",
    )


def _socket(slug: str) -> ComponentInterface:
    return ComponentInterface.objects.get(slug=slug)


def _value(slug: str, image: Image) -> ComponentInterfaceValue:
    return socket_value_create(socket=_socket(slug), image=image)


def _algorithm(user, title: str = "Lung nodules", **kwargs) -> Algorithm:  # type: ignore[no-untyped-def]
    algorithm = make_algorithm(creator=user, title=title, **kwargs)
    AlgorithmImage.objects.create(
        algorithm=algorithm,
        image=f"algorithms/{algorithm.pk}.tar.gz",
        image_sha256=algorithm.pk.hex.ljust(64, "0"),
        status=AlgorithmImage.Status.VALID,
        is_active=True,
    )
    return algorithm


def _job(user, algorithm: Algorithm, status: str, image: Image | None = None) -> Job:  # type: ignore[no-untyped-def]
    job = Job.objects.create(
        creator=user,
        algorithm_image=algorithm.images.get(),
        algorithm_interface=algorithm.interfaces.get(),
        time_limit=60,
        status=status,
    )
    grant_job_permissions(job=job)
    if image is not None:
        job.inputs.add(_value("ct-image", image))
    return job


def _rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    return re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


# --- images ----------------------------------------------------------------------------


def test_image_list_searches_filters_sorts_and_hides_others_images(client, user, other_user):  # type: ignore[no-untyped-def]
    _image(user, "CT Chest 1.0 B30f")
    _image(user, "MR Brain T1", modality="MR")
    _image(user, "Liver mask", modality="", segments=[0, 1])
    _image(other_user, "CT Chest of someone else")
    login(client, user)
    url = reverse("cases:image-list")

    page = client.get(url).content.decode()
    assert len(_rows(page)) == 3
    assert "someone else" not in page
    assert SHAPE in page  # shape with its axis names
    assert "/thumbnail.png" in page

    found = client.get(url, {"q": "brain"}).content.decode()
    assert [("MR Brain T1" in r) for r in _rows(found)] == [True]

    ct = client.get(url, {"modality": "CT"}).content.decode()
    assert len(_rows(ct)) == 1 and "CT Chest 1.0 B30f" in ct

    masks = client.get(url, {"kind": "label-map"}).content.decode()
    assert len(_rows(masks)) == 1 and "Liver mask" in masks

    by_name = client.get(url, {"sort": "name"}).content.decode()
    order = [re.search(r'">([^<]+)</a>', r).group(1) for r in _rows(by_name)]  # type: ignore[union-attr]
    assert order == ["CT Chest 1.0 B30f", "Liver mask", "MR Brain T1"]


def test_pages_keep_the_search_and_a_bad_date_is_named(client, user):  # type: ignore[no-untyped-def]
    for i in range(30):
        _image(user, f"CT case {i:02d}")
    _image(user, "MR case", modality="MR")
    login(client, user)
    url = reverse("cases:image-list")

    first = client.get(url, {"modality": "CT", "sort": "name"}).content.decode()
    assert "31 images" not in first and "30 images match" in first
    assert "?modality=CT&amp;sort=name&amp;page=2" in first  # the next page keeps the query
    second = client.get(url, {"modality": "CT", "sort": "name", "page": 2}).content.decode()
    assert [("CT case 2" in r) for r in _rows(second)] == [True] * 5
    assert "MR case" not in second

    bad = client.get(url, {"from": "yesterday"})
    assert bad.status_code == 200
    assert "From: “yesterday” is not a date; use YYYY-MM-DD." in bad.content.decode()
    today = timezone.localdate().isoformat()
    assert len(_rows(client.get(url, {"from": today, "to": today}).content.decode())) == 25
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert _rows(client.get(url, {"from": tomorrow}).content.decode()) == []


def test_image_page_shows_axes_de_identification_and_where_it_came_from(client, user):  # type: ignore[no-untyped-def]
    image = _image(user, "CT Chest 1.0 B30f")
    image.series_key = "a" * 64
    image.save()
    assert image.origin is not None
    image.origin.deidentification_report = {"PatientName": 300, "PatientID": 300}
    image.origin.save()
    archive = archive_create(creator=user, title="Lung screening")
    item = archive_item_create(archive=archive, title="Case 7")
    item.values.add(_value("generic-medical-image", image))
    login(client, user)

    page = client.get(
        reverse("cases:image", args=[image.pk]), {"from": str(item.pk)}
    ).content.decode()
    assert SHAPE in page
    assert VOXELS in page
    assert "PatientName" in page and "Attributes removed before storing" in page
    crumbs = page.split('class="breadcrumbs"', 1)[1].split("</nav>", 1)[0]
    assert crumbs.index("Archives") < crumbs.index("Lung screening") < crumbs.index("Case 7")
    assert item.get_absolute_url() in crumbs


def test_import_page_leads_back_to_its_archive(client, user):  # type: ignore[no-untyped-def]
    archive = archive_create(creator=user, title="Lung screening")
    session = RawImageUploadSession.objects.create(
        creator=user, target={"kind": "archive", "archive": str(archive.pk)}
    )
    login(client, user)
    page = client.get(reverse("cases:upload-session", args=[session.pk])).content.decode()
    crumbs = page.split('class="breadcrumbs"', 1)[1].split("</nav>", 1)[0]
    assert archive.get_absolute_url() in crumbs and "Lung screening" in crumbs


# --- archives and their items ------------------------------------------------------------


def test_archive_items_search_by_image_name_and_filter_by_socket(client, user, other_user):  # type: ignore[no-untyped-def]
    archive = archive_create(creator=user, title="Lung screening")
    for name in ("CT Chest", "CT Abdomen"):
        item = archive_item_create(archive=archive)
        item.values.add(_value("generic-medical-image", _image(user, name)))
    overlay_item = archive_item_create(archive=archive, title="Overlay only")
    overlay_item.values.add(_value("generic-overlay", _image(user, "Heat", modality="")))
    archive_create(creator=other_user, title="Their archive")
    login(client, user)
    url = archive.get_absolute_url()

    page = client.get(url).content.decode()
    assert len(_rows(page)) == 3
    assert "Middle slice of CT Chest" in page  # each row's thumbnail, named
    found = client.get(url, {"q": "abdomen"}).content.decode()
    assert len(_rows(found)) == 1 and "CT Abdomen" in found
    overlays = client.get(url, {"socket": "generic-overlay"}).content.decode()
    assert len(_rows(overlays)) == 1 and "Overlay only" in overlays

    archives = client.get(reverse("archives:list")).content.decode()
    assert "Lung screening" in archives and "Their archive" not in archives
    assert "Lung" in client.get(reverse("archives:list"), {"q": "lung"}).content.decode()
    assert _rows(client.get(reverse("archives:list"), {"q": "their"}).content.decode()) == []


def test_archive_items_page_costs_the_same_queries_for_2_and_20_items(client, user):  # type: ignore[no-untyped-def]
    archive: Archive = archive_create(creator=user, title="Lung screening")
    login(client, user)

    def add(n: int) -> None:
        for _ in range(n):
            item = archive_item_create(archive=archive)
            item.values.add(_value("generic-medical-image", _image(user, "CT")))

    add(2)
    client.get(archive.get_absolute_url())  # per-process caches
    small = _queries(client, archive.get_absolute_url())
    add(18)
    assert _queries(client, archive.get_absolute_url()) == small


# --- jobs and algorithms -----------------------------------------------------------------


def test_jobs_list_shows_algorithm_input_status_and_duration_and_filters_by_status(  # type: ignore[no-untyped-def]
    client, user, other_user
):
    algorithm = _algorithm(user)
    done = _job(user, algorithm, Job.Status.SUCCEEDED, _image(user, "CT Chest 1.0 B30f"))
    done.started = timezone.now() - timedelta(minutes=3, seconds=5)
    done.completed = timezone.now()
    done.exec_duration = timedelta(minutes=3, seconds=5)
    done.save()
    _job(user, algorithm, Job.Status.FAILED, _image(user, "MR Brain"))
    _job(other_user, _algorithm(other_user, "Their model"), Job.Status.SUCCEEDED)
    login(client, user)
    url = reverse("algorithms:job-list")

    page = client.get(url).content.decode()
    assert len(_rows(page)) == 2
    assert "Their model" not in page
    assert "Lung nodules" in page and "CT Chest 1.0 B30f" in page
    assert f"/cases/images/{done.inputs.get().image_id}/thumbnail.png" in page
    assert "3 min 05 s" in page

    succeeded = client.get(url, {"status": "Succeeded"}).content.decode()
    rows = _rows(succeeded)
    assert len(rows) == 1 and "CT Chest" in rows[0] and "Succeeded" in rows[0]
    found = client.get(url, {"q": "brain"}).content.decode()
    assert len(_rows(found)) == 1 and "Failed" in _rows(found)[0]


def test_jobs_page_costs_the_same_queries_for_2_and_20_jobs(client, user):  # type: ignore[no-untyped-def]
    algorithm = _algorithm(user)
    login(client, user)
    url = reverse("algorithms:job-list")

    def add(n: int) -> None:
        for _ in range(n):
            _job(user, algorithm, Job.Status.QUEUED, _image(user, "CT"))

    add(2)
    client.get(url)
    small = _queries(client, url)
    add(18)
    assert _queries(client, url) == small


def test_algorithm_list_filters_by_gpu_and_searches(client, user):  # type: ignore[no-untyped-def]
    _algorithm(user, "Lung nodules")
    gpu = _algorithm(user, "Brain tumours")
    Algorithm.objects.filter(pk=gpu.pk).update(requires_gpu=True)
    login(client, user)
    url = reverse("algorithms:list")
    assert len(_rows(client.get(url).content.decode())) == 2
    on_gpu = client.get(url, {"gpu": "yes"}).content.decode()
    assert len(_rows(on_gpu)) == 1 and "Brain tumours" in on_gpu
    assert "Lung nodules" in client.get(url, {"q": "lung"}).content.decode()


# --- uploads -------------------------------------------------------------------------------


def test_uploads_page_hides_deleted_uploads_unless_asked(client, user, other_user):  # type: ignore[no-untyped-def]
    UserUpload.objects.create(creator=user, filename="scan.mha", status="Completed", size=2048)
    UserUpload.objects.create(creator=user, filename="old.mha", status="Deleted", size=1024)
    UserUpload.objects.create(creator=other_user, filename="theirs.mha", status="Completed")
    login(client, user)
    url = reverse("uploads:list")

    page = client.get(url).content.decode()
    assert "scan.mha" in page and "old.mha" not in page and "theirs.mha" not in page
    assert "Show deleted uploads" in page
    everything = client.get(url, {"deleted": "1"}).content.decode()
    assert "scan.mha" in everything and "old.mha" in everything
    assert "theirs.mha" not in everything


# --- input pickers -----------------------------------------------------------------------


def test_pickers_offer_only_images_that_fit_the_socket(client, user):  # type: ignore[no-untyped-def]
    algorithm = _algorithm(user, inputs=("ct-image", "segmentation"))
    ct = _image(user, "CT Chest 1.0 B30f")
    mask = _image(user, "Liver mask", modality="", segments=[0, 1])
    heat = _image(user, "Attention map", modality="")
    _job(user, algorithm, Job.Status.SUCCEEDED).outputs.add(_value("generic-overlay", heat))
    # an algorithm's output mask given through an image-kind output is still no scan
    made = _image(user, "Predicted nodules", modality="", segments=[0, 1])
    job = _job(user, algorithm, Job.Status.SUCCEEDED)
    as_image = ComponentInterfaceValue.objects.create(interface=_socket("ct-image"), image=made)
    job.outputs.add(as_image)
    login(client, user)

    page = client.get(reverse("algorithms:job-try-out", args=[algorithm.slug])).content.decode()
    ct_picker = page.split('name="socket-ct-image"', 1)[1].split("</fieldset>", 1)[0]
    seg_picker = page.split('name="socket-segmentation"', 1)[1].split("</fieldset>", 1)[0]
    assert f'value="{ct.pk}"' in ct_picker
    for other in (mask, heat, made):
        assert f'value="{other.pk}"' not in ct_picker, other.name
    assert f'value="{mask.pk}"' in seg_picker and f'value="{made.pk}"' in seg_picker
    assert f'value="{ct.pk}"' not in seg_picker
    assert f"CT · {SHAPE}" in ct_picker  # names that tell images apart
    assert f"/cases/images/{ct.pk}/thumbnail.png" in ct_picker


def test_imports_list_filters_by_status_and_shows_the_images(client, user, other_user):  # type: ignore[no-untyped-def]
    _image(user, "CT Chest 1.0 B30f")  # in a succeeded import of its own
    RawImageUploadSession.objects.create(
        creator=user, status="Failed", error_message="No image could be built."
    )
    _image(other_user, "Their scan")
    login(client, user)
    url = reverse("cases:upload-session-list")

    page = client.get(url).content.decode()
    assert len(_rows(page)) == 2 and "Their scan" not in page
    assert "Middle slice of CT Chest 1.0 B30f" in page
    failed = _rows(client.get(url, {"status": "Failed"}).content.decode())
    assert len(failed) == 1 and "No image could be built." in failed[0]
    assert len(_rows(client.get(url, {"q": "chest"}).content.decode())) == 1


def test_unknown_parameters_fall_back_instead_of_failing(client, user):  # type: ignore[no-untyped-def]
    _algorithm(user)
    login(client, user)
    for url in (
        reverse("algorithms:job-list"),
        reverse("algorithms:list"),
        reverse("archives:list"),
        reverse("uploads:list"),
        reverse("cases:image-list"),
        reverse("cases:upload-session-list"),
    ):
        response = client.get(
            url, {"sort": "pk; drop", "status": "Nope", "page": "999", "q": "x" * 500}
        )
        assert response.status_code == 200, url
    one = client.get(reverse("algorithms:list")).content.decode()
    assert "1 algorithm." in one
