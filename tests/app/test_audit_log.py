"""The audit log: staff read and filter it; nobody changes it through the site or the API."""

from datetime import timedelta

import pytest
from django.utils import timezone

from app.models import AuditRecord
from app.services import audit_record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):  # type: ignore[no-untyped-def]
    return UserFactory.create(is_staff=True, is_superuser=True)


def _record(action: str, actor=None, days_ago: int = 0) -> AuditRecord:  # type: ignore[no-untyped-def]
    record = audit_record(action=action, actor=actor, detail={"note": action})
    # Backdated through the base manager: the default one refuses bulk updates.
    AuditRecord._base_manager.filter(pk=record.pk).update(
        created=timezone.now() - timedelta(days=days_ago)
    )
    return record


def test_staff_filter_the_log_by_action_actor_type_and_dates(client, staff, user):  # type: ignore[no-untyped-def]
    client.force_login(staff)  # itself recorded: a sign-in by staff today
    _record("sign-in", user, days_ago=10)
    _record("token-created", user, days_ago=1)
    _record("download", staff)

    def rows(**query: str) -> str:
        return client.get("/staff/audit/", query).content.decode()

    assert "4 records" in rows()
    page = rows(action="token-created")
    assert "1 record." in page and "Token Created" in page
    assert "2 records" in rows(actor=user.username)
    assert "1 record." in rows(actor=user.username, action="sign-in")
    since = (timezone.now() - timedelta(days=2)).date().isoformat()
    assert "3 records" in rows(since=since)
    until = (timezone.now() - timedelta(days=5)).date().isoformat()
    assert "1 record." in rows(until=until)


def test_the_log_is_paginated(client, staff):  # type: ignore[no-untyped-def]
    AuditRecord.objects.bulk_create(
        AuditRecord(action="download", object_repr=f"file {i}") for i in range(60)
    )
    client.force_login(staff)
    first = client.get("/staff/audit/").content.decode()
    assert "Page 1 of 2" in first and "file 59" in first and "file 0<" not in first
    assert "file 0<" in client.get("/staff/audit/?page=2").content.decode()


def test_staff_pages_are_for_staff_only(client, user):  # type: ignore[no-untyped-def]
    assert client.get("/staff/audit/")["Location"].startswith("/accounts/login/")
    client.force_login(user)
    assert client.get("/staff/audit/").status_code == 403
    assert client.get("/staff/groups/").status_code == 403


def test_admin_cannot_add_change_or_delete_records(client, staff):  # type: ignore[no-untyped-def]
    record = _record("sign-in", staff)
    client.force_login(staff)
    base = "/admin/app/auditrecord/"
    assert client.get(base).status_code == 200  # readable
    assert client.get(f"{base}add/").status_code == 403
    client.post(f"{base}{record.pk}/change/", {"action": "download"})
    client.post(f"{base}{record.pk}/delete/", {"post": "yes"})
    client.post(base, {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"})
    record.refresh_from_db()
    assert record.action == "sign-in"


def test_records_cannot_be_changed_or_deleted_in_code(user):  # type: ignore[no-untyped-def]
    record = _record("sign-in", user)
    record.action = "download"
    with pytest.raises(PermissionError):
        record.save()
    with pytest.raises(PermissionError):
        record.delete()
    with pytest.raises(PermissionError):
        AuditRecord.objects.filter(pk=record.pk).update(action="download")
    with pytest.raises(PermissionError):
        AuditRecord.objects.all().delete()
    assert AuditRecord.objects.get(pk=record.pk).action == "sign-in"


def test_no_api_route_exposes_or_writes_the_log(api_client, staff):  # type: ignore[no-untyped-def]
    from app.api_urls import router

    for prefix, viewset, _ in router.registry:
        queryset = getattr(viewset, "queryset", None)
        assert queryset is None or queryset.model is not AuditRecord, prefix
    api_client.force_authenticate(staff)
    schema = api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert not [p for p in schema.json()["paths"] if "audit" in p.lower()]
    for url in ("/api/v1/audit/", "/api/v1/audit-records/", "/api/v1/auditrecords/"):
        assert api_client.post(url, {"action": "sign-in"}, format="json").status_code == 404
