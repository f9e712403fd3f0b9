"""`/api/v1/hanging-protocols/`: signed-in users list and read, users with creator rights
create, only the creator edits; archive items, jobs and display sets embed the protocol
in GC's shape (`json`, `title`, `pk`, `svg_icon`)."""

import pytest
from django.urls import reverse

from hanging_protocols.models import HangingProtocol
from hanging_protocols.services import viewer_settings_update
from tests.archives.helpers import archive_with_image
from tests.factories import UserFactory
from tests.hanging_protocols.helpers import ONE, TWO_SIDE_BY_SIDE, layout_maker, protocol

pytestmark = pytest.mark.django_db
LIST = "/api/v1/hanging-protocols/"


def test_signed_in_users_list_and_read_protocols(api_client) -> None:  # type: ignore[no-untyped-def]
    maker = layout_maker()
    hp = protocol(maker)
    assert api_client.get(LIST).status_code == 401
    reader = UserFactory()
    api_client.force_authenticate(reader)
    page = api_client.get(LIST).json()
    assert page["count"] == 1
    item = page["results"][0]
    assert item["pk"] == str(hp.pk) and item["title"] == "Two side by side"
    assert item["json"] == TWO_SIDE_BY_SIDE
    assert item["svg_icon"].startswith("<svg") and item["svg_icon"].count("<rect") == 2
    assert api_client.get(f"{LIST}{hp.pk}/").json()["slug"] == "two-side-by-side"


def test_create_needs_creator_rights_and_valid_json(api_client) -> None:  # type: ignore[no-untyped-def]
    api_client.force_authenticate(UserFactory())
    body = {"title": "Mine", "json": ONE}
    response = api_client.post(LIST, body, format="json")
    assert response.status_code == 403
    assert "creator rights" in response.json()["detail"]

    api_client.force_authenticate(layout_maker())
    bad = api_client.post(
        LIST, {"title": "Bad", "json": [{"viewport_name": "main", "w": "wide"}]}, format="json"
    )
    assert bad.status_code == 400
    assert "viewport 1 ('main'), field 'w'" in str(bad.json()["json"])
    assert not HangingProtocol.objects.exists()

    created = api_client.post(LIST, body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["json"] == ONE
    clash = api_client.post(LIST, {"title": "mine", "json": ONE}, format="json")
    assert clash.status_code == 400 and "already a hanging protocol" in str(clash.json())


def test_only_the_creator_edits(api_client) -> None:  # type: ignore[no-untyped-def]
    maker = layout_maker()
    hp = protocol(maker)
    api_client.force_authenticate(layout_maker())
    assert api_client.patch(f"{LIST}{hp.pk}/", {"title": "Taken"}, format="json").status_code == 403
    api_client.force_authenticate(maker)
    response = api_client.patch(f"{LIST}{hp.pk}/", {"json": ONE}, format="json")
    assert response.status_code == 200
    hp.refresh_from_db()
    assert hp.json == ONE and hp.title == "Two side by side"


def test_archive_items_carry_the_archive_viewer_settings(api_client) -> None:  # type: ignore[no-untyped-def]
    maker = layout_maker()
    archive, item, _ = archive_with_image(maker)
    hp, alt = protocol(maker), protocol(maker, "One", ONE)
    viewer_settings_update(
        obj=archive,
        hanging_protocol=hp,
        optional_hanging_protocols=[alt],
        view_content={"main": ["generic-medical-image"], "secondary": ["generic-medical-image"]},
    )
    api_client.force_authenticate(maker)
    data = api_client.get(reverse("api:archive-item-detail", args=[item.pk])).json()
    assert set(data["hanging_protocol"]) == {"json", "title", "pk", "svg_icon"}
    assert data["hanging_protocol"]["pk"] == str(hp.pk)
    assert [p["title"] for p in data["optional_hanging_protocols"]] == ["One"]
    assert data["view_content"]["secondary"] == ["generic-medical-image"]


def test_titles_with_one_slug_get_numbered_slugs(api_client) -> None:  # type: ignore[no-untyped-def]
    api_client.force_authenticate(layout_maker())
    first = api_client.post(LIST, {"title": "CT / PET", "json": ONE}, format="json").json()
    second = api_client.post(LIST, {"title": "CT PET", "json": ONE}, format="json").json()
    assert (first["slug"], second["slug"]) == ("ct-pet", "ct-pet-2")
