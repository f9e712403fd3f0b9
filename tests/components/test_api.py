import pytest

from components.models import ComponentInterface
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/components/interfaces/"
CATALOGUE = {
    "generic-medical-image": ("Image", "Image", "images/generic-medical-image"),
    "generic-overlay": ("Heat Map", "Image", "images/generic-overlay"),
    "results-json-file": ("Anything", "Value", "results.json"),
    "metrics-json-file": ("Anything", "Value", "metrics.json"),
    "predictions-json-file": ("Anything", "Value", "predictions.json"),
    "ct-image": ("Image", "Image", "images/ct"),
    "segmentation": ("Segmentation", "Image", "images/segmentation"),
    "probability": ("Float", "Value", "probability.json"),
}


def test_default_catalogue_has_the_slugs_gcapi_scripts_use(api_client, user):
    api_client.force_authenticate(user)
    response = api_client.get(URL, {"limit": 1000})
    assert response.status_code == 200
    by_slug = {s["slug"]: s for s in response.json()["results"]}
    for slug, (kind, super_kind, path) in CATALOGUE.items():
        assert by_slug[slug]["kind"] == kind
        assert by_slug[slug]["super_kind"] == super_kind
        assert by_slug[slug]["relative_path"] == path


def test_filter_by_slug_and_detail_in_gcapi_shape(api_client):
    response = api_client.get(URL, {"slug": "results-json-file"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    socket = body["results"][0]
    for field in (
        "title",
        "description",
        "slug",
        "kind",
        "pk",
        "default_value",
        "super_kind",
        "relative_path",
        "overlay_segments",
        "look_up_table",
    ):
        assert field in socket
    detail = api_client.get(f"{URL}{socket['pk']}/").json()
    assert detail == socket


def test_only_staff_create_sockets(api_client, user):
    payload = {
        "title": "Nodule centre",
        "kind": "Point",
        "relative_path": "nodule-centre.json",
        "description": "Where the nodule is",
    }
    assert api_client.post(URL, payload, format="json").status_code in (401, 403)
    api_client.force_authenticate(user)
    response = api_client.post(URL, payload, format="json")
    assert response.status_code == 403
    assert not ComponentInterface.objects.filter(title="Nodule centre").exists()

    api_client.force_authenticate(UserFactory(is_staff=True))
    response = api_client.post(URL, payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "nodule-centre"
    assert body["super_kind"] == "Value"
    assert body["store_in_database"] is True


def test_bad_socket_definitions_answer_400_naming_the_field(api_client):
    api_client.force_authenticate(UserFactory(is_staff=True))
    cases = [
        ({"title": "X", "kind": "Hologram", "relative_path": "x.json"}, "kind"),
        ({"title": "Y", "kind": "Image", "relative_path": "y.json"}, "relative_path"),
        ({"title": "Z", "kind": "Float", "relative_path": "results.json"}, "relative_path"),
        (
            {"title": "W", "kind": "Float", "relative_path": "w.json", "schema": {"type": 1}},
            "schema",
        ),
        ({"title": "V", "kind": "Float", "relative_path": "v.json", "colour": "red"}, "colour"),
    ]
    for payload, field in cases:
        response = api_client.post(URL, payload, format="json")
        assert response.status_code == 400, payload
        assert field in response.json(), response.json()


def test_sockets_cannot_be_changed_or_deleted_through_the_api(api_client):
    api_client.force_authenticate(UserFactory(is_staff=True))
    pk = ComponentInterface.objects.get(slug="probability").pk
    assert api_client.patch(f"{URL}{pk}/", {"title": "P"}, format="json").status_code == 405
    assert api_client.delete(f"{URL}{pk}/").status_code == 405
