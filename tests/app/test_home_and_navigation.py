"""The signed-in home page, the site's date and byte formats, the favicon."""

from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.test import Client

from algorithms.models import Algorithm
from archives.services import archive_create
from cases.models import RawImageUploadSession
from tests.algorithms.factories import make_algorithm
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_signed_in_home_shows_the_users_own_things(user, other_user):  # type: ignore[no-untyped-def]
    archive_create(creator=user, title="Lung screening")
    archive_create(creator=other_user, title="Someone else's archive")
    make_algorithm(creator=user, title="Nodule finder")
    public = make_algorithm(creator=other_user, title="Public demo")
    Algorithm.objects.filter(pk=public.pk).update(public=True)
    RawImageUploadSession.objects.create(creator=user, status="Started")
    RawImageUploadSession.objects.create(creator=user, status="Succeeded")
    client = Client()
    client.force_login(user)
    page = client.get("/").content.decode()
    assert "Your archives" in page and ">Lung screening</a>" in page
    assert "Someone else" not in page
    assert ">Nodule finder</a>" in page and "Public demo" not in page  # yours, not all public
    assert "No jobs yet." in page
    assert page.count('href="/cases/upload-sessions/') == 1  # only the one in progress
    assert "No reader studies for you." in page
    # anonymous visitors get the introduction, no dashboard
    assert "Your archives" not in Client().get("/").content.decode()


def test_one_date_format_and_one_byte_unit(settings):  # type: ignore[no-untyped-def]
    settings.TIME_ZONE = "Europe/Amsterdam"
    from django.utils import timezone

    timezone.activate("Europe/Amsterdam")
    try:
        rendered = Template("{{ when|isodate }}|{{ day|isodate }}|{{ none|isodate }}").render(
            Context(
                {
                    "when": datetime(2026, 12, 1, 23, 5, tzinfo=UTC),
                    "day": datetime(2026, 1, 2).date(),
                }
            )
        )
    finally:
        timezone.deactivate()
    assert rendered == "2026-12-02 00:05|2026-01-02|"
    sizes = Template(
        "{{ a|binarysize }},{{ b|binarysize }},{{ c|binarysize }},{{ d|binarysize }}"
    ).render(Context({"a": 512, "b": 1536, "c": 165_675_008, "d": 3 * 1024**4}))
    assert sizes == "512 B,1.5 KiB,158.0 MiB,3.0 TiB"


def test_every_page_has_the_favicon_and_the_staff_page_links_requests():  # type: ignore[no-untyped-def]
    page = Client().get("/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    staff = Client()
    staff.force_login(UserFactory(is_staff=True))  # type: ignore[arg-type]
    assert 'href="/staff/requests/"' in staff.get("/staff/").content.decode()
