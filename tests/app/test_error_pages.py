"""400, 403, 404 and 500 in the site layout with navigation and a way on; JSON under /api/;
a browser asking for a file it may not see gets the site's 404, never DRF's HTML page."""

import uuid

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.app.error_urls")]

NAV = '<nav aria-label="Main">'


def _signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def test_404_in_the_layout_says_what_to_do(user):  # type: ignore[no-untyped-def]
    anonymous = Client().get("/archives/no-such-archive/")
    page = anonymous.content.decode()
    assert anonymous.status_code == 404
    assert NAV in page and "Page not found" in page and "/archives/no-such-archive/" in page
    assert 'href="/accounts/login/?next=/archives/no-such-archive/"' in page
    signed_in = _signed_in(user).get("/archives/no-such-archive/").content.decode()
    assert (
        "ask them to add you as a member" in signed_in and 'href="/algorithms/jobs/"' in signed_in
    )


def test_403_for_creating_names_the_right_and_links_to_the_request(user):  # type: ignore[no-untyped-def]
    response = _signed_in(user).get("/archives/create/")
    page = response.content.decode()
    assert response.status_code == 403 and NAV in page and "Not allowed" in page
    assert "Creating archives needs archive creator rights, which you do not have." in page
    assert 'href="/requests/creator/?for=archives.Archive"' in page
    assert "Request archive creator rights" in page
    algorithms = _signed_in(user).get("/algorithms/create/").content.decode()
    assert 'href="/requests/creator/?for=algorithms.Algorithm"' in algorithms


def test_400_in_the_layout(user):  # type: ignore[no-untyped-def]
    response = _signed_in(user).get("/test-malformed/")
    page = response.content.decode()
    assert response.status_code == 400 and NAV in page and "Bad request" in page
    assert "send it again" in page


def test_500_in_the_layout_with_navigation(user):  # type: ignore[no-untyped-def]
    response = _signed_in(user).get("/test-boom/")
    page = response.content.decode()
    assert response.status_code == 500 and NAV in page
    assert "Something went wrong on our side" in page and "It is not something you did" in page
    assert user.username in page  # the signed-in layout, not a bare page


def test_api_errors_stay_json():  # type: ignore[no-untyped-def]
    client = Client(raise_request_exception=False)
    missing = client.get("/api/v1/no-such-endpoint/", HTTP_ACCEPT="text/html")
    assert missing.status_code == 404 and missing.json() == {"detail": "Page not found."}


def test_a_browser_asking_a_thumbnail_it_may_not_see_gets_the_site_404(user):  # type: ignore[no-untyped-def]
    url = f"/cases/images/{uuid.uuid4()}/thumbnail.png"
    for accept in ("text/html,application/xhtml+xml,*/*;q=0.8", "image/avif,image/webp,*/*"):
        response = _signed_in(user).get(url, HTTP_ACCEPT=accept)
        page = response.content.decode()
        assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
        assert NAV in page and "Page not found" in page and "Django REST framework" not in page
    # an API client still gets JSON
    api = _signed_in(user).get(url, HTTP_ACCEPT="application/json")
    assert api.status_code == 404 and api["Content-Type"] == "application/json"
