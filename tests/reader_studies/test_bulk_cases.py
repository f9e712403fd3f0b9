"""Editors add many cases at once: uploaded images become one case each (page and upload
session API), and chosen archive items become one case each, holding the items' values."""

import numpy as np
import pytest

from archives.services import archive_create, archive_item_create
from cases.importing import import_session
from cases.models import RawImageUploadSession
from components.models import ComponentInterface
from components.services import socket_value_create
from reader_studies import services
from reader_studies.models import DisplaySet
from tests.archives.helpers import login, stored_image
from tests.cases.helpers import completed_upload
from tests.cases.test_import import mha_bytes
from tests.reader_studies.helpers import new_user

pytestmark = pytest.mark.django_db(transaction=True)


def _socket() -> ComponentInterface:
    return ComponentInterface.objects.get(slug="generic-medical-image")


def _archive_with_items(editor, titles):  # type: ignore[no-untyped-def]
    archive = archive_create(creator=editor, title="Source CTs")
    items = []
    for title in titles:
        item = archive_item_create(archive=archive, title=title)
        item.values.add(socket_value_create(socket=_socket(), image=stored_image(title)))
        items.append(item)
    return archive, items


def test_an_editor_turns_chosen_archive_items_into_cases_with_their_values(client):  # type: ignore[no-untyped-def]
    editor = new_user()
    study = services.reader_study_create(creator=editor, title="Nodules")
    services.display_set_create(reader_study=study, title="chest")  # order 10
    archive, items = _archive_with_items(editor, ["chest", "abdomen", "head"])
    login(client, editor)

    page = client.get(f"/reader-studies/{study.slug}/add-cases/?archive={archive.slug}")
    assert page.status_code == 200
    for item in items:
        assert item.title in page.content.decode()

    chosen = [str(items[0].pk), str(items[1].pk)]
    response = client.post(
        f"/reader-studies/{study.slug}/add-cases/?archive={archive.slug}",
        {"action": "items", "items": chosen},
    )
    assert response.status_code == 302
    cases = list(study.display_sets.order_by("order"))
    # the new cases follow the existing one; a clashing title gets a number
    assert [(c.title, c.order) for c in cases] == [
        ("chest", 10),
        ("chest (2)", 20),
        ("abdomen", 30),
    ]
    assert set(cases[1].values.all()) == set(items[0].values.all())  # shared, not copied
    assert set(cases[2].values.all()) == set(items[1].values.all())


def test_items_the_editor_may_not_see_add_nothing(client):  # type: ignore[no-untyped-def]
    editor, stranger = new_user(), new_user()
    study = services.reader_study_create(creator=editor, title="Nodules")
    _, foreign = _archive_with_items(stranger, ["secret"])
    _, mine = _archive_with_items(editor, ["mine"])
    login(client, editor)

    response = client.post(
        f"/reader-studies/{study.slug}/add-cases/",
        {"action": "items", "items": [str(mine[0].pk), str(foreign[0].pk)]},
    )
    assert response.status_code == 200
    assert "Some chosen items were not found." in response.content.decode()
    assert study.display_sets.count() == 0  # all or nothing


def test_only_editors_reach_the_page(client):  # type: ignore[no-untyped-def]
    editor, reader = new_user(), new_user()
    study = services.reader_study_create(creator=editor, title="Nodules")
    services.reader_study_member_add(reader_study=study, role="readers", user=reader, actor=editor)
    login(client, reader)
    assert client.get(f"/reader-studies/{study.slug}/add-cases/").status_code == 404
    client.logout()
    response = client.get(f"/reader-studies/{study.slug}/add-cases/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_uploaded_images_become_one_case_each_through_the_upload_session_api(api_client):  # type: ignore[no-untyped-def]
    editor, reader = new_user(), new_user()
    study = services.reader_study_create(creator=editor, title="Nodules")
    services.reader_study_member_add(reader_study=study, role="readers", user=reader, actor=editor)
    rng = np.random.default_rng(5)
    uploads = [
        completed_upload(editor, f"{name}.mha", mha_bytes(rng.integers(0, 99, (3, 8, 9))))
        for name in ("first", "second")
    ]
    api_client.force_authenticate(editor)
    response = api_client.post(
        "/api/v1/cases/upload-sessions/",
        {"uploads": [str(u.pk) for u in uploads], "reader_study": study.slug},
        format="json",
    )
    assert response.status_code == 201, response.json()

    import_session(session_pk=response.json()["pk"])

    session = RawImageUploadSession.objects.get(pk=response.json()["pk"])
    assert session.status == RawImageUploadSession.Status.SUCCEEDED, session.error_message
    cases = list(DisplaySet.objects.filter(reader_study=study).order_by("order"))
    assert len(cases) == 2
    images = [c.values.get().image for c in cases]
    assert all(image is not None and image.origin_id == session.pk for image in images)
    assert len({c.title for c in cases}) == 2

    # a reader of the study may not add cases to it
    api_client.force_authenticate(reader)
    refused = api_client.post(
        "/api/v1/cases/upload-sessions/",
        {"uploads": [], "reader_study": study.slug},
        format="json",
    )
    assert refused.status_code == 400
    assert "reader_study" in refused.json() or "uploads" in refused.json()


def test_naming_two_targets_is_refused_with_both_named(api_client):  # type: ignore[no-untyped-def]
    editor = new_user()
    study = services.reader_study_create(creator=editor, title="Nodules")
    archive = archive_create(creator=editor, title="Lungs")
    upload = completed_upload(editor, "a.mha", mha_bytes(np.zeros((2, 4, 4), np.int16)))
    api_client.force_authenticate(editor)
    response = api_client.post(
        "/api/v1/cases/upload-sessions/",
        {"uploads": [str(upload.pk)], "reader_study": study.slug, "archive": archive.slug},
        format="json",
    )
    assert response.status_code == 400
    text = str(response.json())
    assert "`archive`" in text and "`reader_study`" in text
