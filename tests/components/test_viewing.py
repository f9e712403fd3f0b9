"""The viewer configs of a case carry its annotation-kind values, drawn on its images."""

import pytest

from components.models import ComponentInterface
from components.services import socket_create, socket_value_create
from components.viewing import viewer_configs
from tests.viewer.volumes import ct_volume, store_volume

pytestmark = pytest.mark.django_db

BOX = {
    "type": "2D bounding box",
    "corners": [[0, 0, 110], [5, 0, 110], [5, 5, 110], [0, 5, 110]],
    "version": {"major": 1, "minor": 0},
}


def test_annotation_values_of_inputs_and_outputs_go_to_every_viewer():
    image = store_volume(ct_volume(), name="CT", window=None)
    ct = socket_value_create(
        socket=ComponentInterface.objects.get(slug="generic-medical-image"), image=image
    )
    box_socket = socket_create(title="Box", kind="2D bounding box", relative_path="box.json")
    score_socket = socket_create(title="Score", kind="Float", relative_path="score.json")
    box = socket_value_create(socket=box_socket, value=BOX)
    score = socket_value_create(socket=score_socket, value=0.5)

    [config] = viewer_configs(main=[ct, score], overlays=[box])

    assert config["annotations"] == [
        {"slug": box_socket.slug, "title": "Box", "kind": "2D bounding box", "value": BOX}
    ]
    assert viewer_configs(main=iter([ct]))[0]["annotations"] == []
