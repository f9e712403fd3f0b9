"""The one socket-value pipeline, seen through archive items and jobs: every value checked
against its socket before anything is written, one read form, every problem named."""

import json

import pytest

from archives.models import ArchiveItem
from archives.services import archive_item_create
from cases.models import RawImageUploadSession
from components.kinds import Kind
from components.models import ComponentInterfaceValue
from tests.archives.helpers import archive_with_image, stored_image
from tests.cases.helpers import completed_upload, keys_in
from tests.components.factories import make_socket

pytestmark = pytest.mark.django_db

ITEMS = "/api/v1/archives/items/"


def post(interface: str, **source: object) -> dict:
    """One value in GC's write form, with all eight keys as gcapi sends them."""
    fields = ("value", "file", "image", "upload_session", "user_upload", "user_uploads")
    return {"interface": interface, "image_name": None, **dict.fromkeys(fields), **source}


@pytest.fixture
def editor_client(api_client, user):  # type: ignore[no-untyped-def]
    api_client.force_authenticate(user)
    return api_client


def test_one_bad_value_refuses_the_whole_item_and_names_each_socket(editor_client, user):
    archive, _, _ = archive_with_image(user)
    score = make_socket(title="Score", kind=Kind.FLOAT, relative_path="score.json")
    note = make_socket(
        title="Note",
        kind=Kind.STRING,
        relative_path="note.json",
        schema={"type": "string", "maxLength": 3},
    )
    values_before = ComponentInterfaceValue.objects.count()

    response = editor_client.post(
        ITEMS,
        {
            "archive": str(archive.pk),
            "values": [post(score.slug, value="high"), post(note.slug, value="too long")],
        },
        format="json",
    )

    assert response.status_code == 400
    body = response.json()
    assert "Float" in " ".join(body[score.slug])
    assert "too long" in " ".join(body[note.slug]) or "long" in " ".join(body[note.slug])
    assert ArchiveItem.objects.filter(archive=archive).count() == 1  # only the fixture's
    assert ComponentInterfaceValue.objects.count() == values_before


def test_a_file_that_is_not_what_its_socket_holds_is_refused_and_nothing_is_stored(
    editor_client, user
):
    _archive, item, _ = archive_with_image(user)
    report = make_socket(title="Report", kind=Kind.PDF, relative_path="report.pdf")
    upload = completed_upload(user, "report.pdf", b"just text, no PDF header")
    stored_before = keys_in("protected", "values/")

    response = editor_client.patch(
        f"{ITEMS}{item.pk}/",
        {"values": [post(report.slug, user_upload=str(upload.pk))]},
        format="json",
    )

    assert response.status_code == 400
    message = " ".join(response.json()[report.slug])
    assert "report.pdf" in message and "PDF" in message
    assert keys_in("protected", "values/") == stored_before
    assert not item.values.filter(interface=report).exists()


def test_a_json_document_upload_is_validated_like_a_value_and_stored(editor_client, user):
    _archive, item, _ = archive_with_image(user)
    box = make_socket(
        title="Nodule box", kind=Kind.BOUNDING_BOX_2D, relative_path="nodule-box.json"
    )
    bad = completed_upload(user, "box.json", json.dumps({"type": "Point"}).encode())
    refused = editor_client.patch(
        f"{ITEMS}{item.pk}/",
        {"values": [post(box.slug, user_upload=str(bad.pk))]},
        format="json",
    )
    assert refused.status_code == 400
    assert "box.json" in " ".join(refused.json()[box.slug])

    good_value = {
        "version": {"major": 1, "minor": 0},
        "type": "2D bounding box",
        "name": "nodule",
        "corners": [[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]],
    }
    good = completed_upload(user, "box.json", json.dumps(good_value).encode())
    accepted = editor_client.patch(
        f"{ITEMS}{item.pk}/",
        {"values": [post(box.slug, user_upload=str(good.pk))]},
        format="json",
    )
    assert accepted.status_code == 200, accepted.json()
    (value,) = [v for v in accepted.json()["values"] if v["interface"] == box.slug]
    assert value["value"] == good_value


def test_an_image_from_a_finished_upload_session_becomes_the_items_value(editor_client, user):
    archive, _, _ = archive_with_image(user)
    item = archive_item_create(archive=archive)
    session = RawImageUploadSession.objects.create(
        creator=user, status=RawImageUploadSession.Status.SUCCEEDED
    )
    image = stored_image("from a session")
    image.origin = session
    image.save(update_fields=["origin"])

    response = editor_client.patch(
        f"{ITEMS}{item.pk}/",
        {
            "values": [
                post(
                    "generic-medical-image",
                    upload_session=f"http://testserver/api/v1/cases/upload-sessions/{session.pk}/",
                )
            ]
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["values"][0]["image"].endswith(f"/cases/images/{image.pk}/")


def test_another_users_image_or_upload_session_is_not_found(editor_client, user, other_user):
    _archive, item, _ = archive_with_image(user)
    theirs = stored_image("theirs")
    session = RawImageUploadSession.objects.create(
        creator=other_user, status=RawImageUploadSession.Status.SUCCEEDED
    )

    response = editor_client.patch(
        f"{ITEMS}{item.pk}/",
        {
            "values": [
                post("generic-medical-image", image=str(theirs.pk)),
            ]
        },
        format="json",
    )
    assert response.status_code == 400
    assert "not an image you may see" in " ".join(response.json()["generic-medical-image"])

    response = editor_client.patch(
        f"{ITEMS}{item.pk}/",
        {"values": [post("generic-medical-image", upload_session=str(session.pk))]},
        format="json",
    )
    assert response.status_code == 400
    assert "not an upload session of yours" in " ".join(response.json()["generic-medical-image"])


def test_values_read_back_with_the_socket_under_interface_and_socket(editor_client, user):
    _archive, item, image = archive_with_image(user)

    body = editor_client.get(f"{ITEMS}{item.pk}/").json()

    (value,) = body["values"]
    assert value["socket"] == value["interface"]
    assert value["socket"]["slug"] == "generic-medical-image"
    assert value["socket"]["super_kind"] == "Image"
    assert value["image"].endswith(f"/api/v1/cases/images/{image.pk}/")
    assert value["file"] is None and value["value"] is None


@pytest.mark.parametrize(
    "values, key, fragment",
    [
        ("not a list", "values", "list"),
        ([42], "values", "not an object"),
        ([{"interface": "no-such-socket", "value": 1}], "values", "unknown socket"),
        ([post("generic-medical-image")], "generic-medical-image", "got none"),
        (
            [post("generic-medical-image", image="x", user_uploads=["y"])],
            "generic-medical-image",
            "image, user_uploads",
        ),
        ([post("generic-medical-image", value=3)], "generic-medical-image", "takes an image"),
        (
            [post("generic-medical-image", file="data:,x")],
            "generic-medical-image",
            "uploads API",
        ),
        (
            [post("generic-medical-image", image=None, colour="red")],
            "generic-medical-image",
            "colour",
        ),
    ],
)
def test_malformed_values_get_a_400_naming_where(editor_client, user, values, key, fragment):
    _archive, item, _ = archive_with_image(user)

    response = editor_client.patch(f"{ITEMS}{item.pk}/", {"values": values}, format="json")

    assert response.status_code == 400
    assert fragment in json.dumps(response.json()[key])
