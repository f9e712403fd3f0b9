"""Hanging-protocol pages: signed-in users see them, creators make and edit their own,
schema errors show beside the JSON naming the field; editors set an archive's viewer."""

import pytest

from archives.services import archive_create
from tests.archives.helpers import login, new_user
from tests.hanging_protocols.helpers import ONE, layout_maker, protocol

pytestmark = pytest.mark.django_db


def test_list_and_detail_show_icon_and_viewports(client) -> None:  # type: ignore[no-untyped-def]
    hp = protocol(layout_maker())
    assert client.get("/hanging-protocols/").status_code == 302  # sign in first
    login(client, new_user())
    listing = client.get("/hanging-protocols/").content.decode()
    assert "Two side by side" in listing and "<svg" in listing and "2 viewports" in listing
    assert "Create a hanging protocol" not in listing
    detail = client.get(hp.get_absolute_url()).content.decode()
    assert "secondary" in detail and "coronal" in detail and "<rect" in detail
    assert ">Edit<" not in detail
    assert client.get(f"/hanging-protocols/{hp.slug}/update/").status_code == 403


def test_create_shows_schema_errors_then_saves(client) -> None:  # type: ignore[no-untyped-def]
    maker = layout_maker()
    login(client, maker)
    bad = client.post(
        "/hanging-protocols/create/",
        {"title": "Grid", "json": '[{"viewport_name": "main", "x": 0, "y": 0, "w": 1}]'},
    )
    assert bad.status_code == 200
    assert (
        "viewport 1 (&#x27;main&#x27;): x, y, w and h go together; h missing."
        in bad.content.decode()
    )
    broken = client.post("/hanging-protocols/create/", {"title": "Grid", "json": "[{"})
    assert "Not valid JSON" in broken.content.decode()
    ok = client.post(
        "/hanging-protocols/create/", {"title": "Grid", "json": '[{"viewport_name": "main"}]'}
    )
    assert ok.status_code == 302 and ok["Location"] == "/hanging-protocols/grid/"
    edit = client.post(
        "/hanging-protocols/grid/update/",
        {"title": "Grid 1", "json": '[{"viewport_name": "main"}]'},
    )
    assert edit.status_code == 302 and edit["Location"] == "/hanging-protocols/grid/"


def test_plain_users_may_not_create(client) -> None:  # type: ignore[no-untyped-def]
    login(client, new_user())
    assert client.get("/hanging-protocols/create/").status_code == 403


def test_archive_editors_set_the_viewer(client) -> None:  # type: ignore[no-untyped-def]
    maker = layout_maker()
    hp = protocol(maker, "One", ONE)
    archive = archive_create(creator=maker, title="Lungs")
    url = f"/archives/{archive.slug}/viewer/"
    login(client, new_user())
    assert client.get(url).status_code == 404  # not a member: the archive is hidden
    login(client, maker)
    assert "Viewer settings" in client.get(archive.get_absolute_url()).content.decode()
    bad = client.post(
        url, {"hanging_protocol": hp.pk, "view_content": '{"secondary": ["generic-medical-image"]}'}
    )
    assert "not in the protocol: secondary" in bad.content.decode()
    ok = client.post(
        url,
        {
            "hanging_protocol": hp.pk,
            "optional_hanging_protocols": [hp.pk],
            "view_content": '{"main": ["generic-medical-image"]}',
        },
    )
    assert ok.status_code == 302
    archive.refresh_from_db()
    assert archive.hanging_protocol == hp and archive.view_content == {
        "main": ["generic-medical-image"]
    }
