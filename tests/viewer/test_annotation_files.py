"""Annotation values kept as JSON files (sockets with store_in_database off, as
grand-challenge keeps large values) are drawn like inline ones: in the volume viewer
over the image, and on the item page's data for every viewer."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from components.models import ComponentInterfaceValue
from components.services import socket_create, socket_value_create
from components.viewing import annotations
from tests.factories import UserFactory
from tests.viewer.test_annotations import CORNER_A, oblique_item, on_screen, open_axial, red_pixels

pytestmark = pytest.mark.django_db(transaction=True)


def box_json(volume) -> dict:  # type: ignore[no-untyped-def]
    i, j, k = CORNER_A
    corners = [(i, j, k), (i + 4, j, k), (i + 4, j + 4, k), (i, j + 4, k)]
    return {
        "type": "2D bounding box",
        "corners": [list(volume.TransformContinuousIndexToPhysicalPoint(c)) for c in corners],
        "version": {"major": 1, "minor": 0},
    }


def test_a_value_kept_as_a_file_is_listed_for_drawing_like_an_inline_one() -> None:
    inline = socket_create(title="Box inline", kind="2D bounding box", relative_path="a.json")
    filed = socket_create(
        title="Box as file",
        kind="2D bounding box",
        relative_path="b.json",
        store_in_database=False,
    )
    value = {
        "type": "2D bounding box",
        "corners": [[0, 0, 0]] * 4,
        "version": {"major": 1, "minor": 0},
    }
    a = socket_value_create(socket=inline, value=value)
    b = socket_value_create(socket=filed, value=value)
    assert b.value is None and b.file.name.endswith(".json")  # really held as a file
    values = ComponentInterfaceValue.objects.filter(pk__in=[a.pk, b.pk]).select_related("interface")
    drawn = {d["slug"]: d["value"] for d in annotations(values)}
    assert drawn == {inline.slug: value, filed.slug: value}


def test_the_viewer_draws_a_box_held_as_a_file(live_server, browser_as) -> None:  # type: ignore[no-untyped-def]
    editor: User = UserFactory()  # type: ignore[assignment]
    item, volume = oblique_item(editor)
    socket = socket_create(
        title="Big box", kind="2D bounding box", relative_path="big.json", store_in_database=False
    )
    box = box_json(volume)
    civ = socket_value_create(socket=socket, value=box)
    assert civ.value is None and civ.file
    item.values.add(civ)
    page = browser_as(editor)
    open_axial(page, live_server.url + reverse("archives:item", args=[item.archive.slug, item.pk]))
    on_screen(page, box["corners"][0], box["corners"][0])  # to the box's slice
    page.wait_for_timeout(200)
    assert page.locator("canvas.viewer-annotations").get_attribute("data-drawn") == "1"
    assert red_pixels(page, "annotation-file-drawn") > 50
    assert page.console_errors == []  # type: ignore[attr-defined]
