import time

import httpx

from app.models import AuditRecord
from app.tasks import enqueue, project_task


@project_task(queue="default")
def record_ping(*, name: str) -> None:
    AuditRecord.objects.create(action=AuditRecord.Action.UPLOAD, object_repr=name)


def test_gcapi_client_constructs_over_https(gcapi_client, https_live_server):  # type: ignore[no-untyped-def]
    response = httpx.get(
        f"{https_live_server.api_url}gcapi/", verify=str(https_live_server.ca_file)
    )
    assert response.json()["lowest_supported_version"]
    assert str(gcapi_client.base_url).startswith("https://")


def test_task_enqueued_on_commit_runs_on_a_real_worker(celery_worker):  # type: ignore[no-untyped-def]
    from django.db import transaction

    with transaction.atomic():
        enqueue(record_ping, name="ping-from-test")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if AuditRecord.objects.filter(object_repr="ping-from-test").exists():
            break
        time.sleep(0.2)
    assert AuditRecord.objects.filter(object_repr="ping-from-test").count() == 1
