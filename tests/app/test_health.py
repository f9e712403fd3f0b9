"""`/health/`: public JSON for load balancers; 503 when a required part is down."""

import socket

import pytest
from django.test import Client, override_settings

PARTS = {"database", "broker", "object_store", "docker", "workers"}


def _dead_url(scheme: str) -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"{scheme}://127.0.0.1:{sock.getsockname()[1]}"


def test_all_parts_up_answers_200_with_every_part_reported(celery_worker, settings):  # type: ignore[no-untyped-def]
    response = Client().get("/health/")  # no sign-in
    assert response.status_code == 200
    report = response.json()
    assert report["status"] == "ok"
    assert set(report["checks"]) == PARTS
    assert {name for name, c in report["checks"].items() if c["ok"]} == PARTS
    assert {name for name, c in report["checks"].items() if c["required"]} == {
        "database",
        "broker",
        "object_store",
    }
    assert report["checks"]["object_store"]["detail"] == "4 buckets answer"
    assert report["checks"]["workers"]["detail"] == "1 answered"
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    for secret in (settings.SECRET_KEY, settings.AWS_SECRET_ACCESS_KEY, "127.0.0.1", "redis://"):
        assert secret not in body


@pytest.mark.django_db
def test_a_dead_object_store_answers_503_naming_it():  # type: ignore[no-untyped-def]
    dead = _dead_url("http")
    with override_settings(AWS_S3_ENDPOINT_URL=dead):
        response = Client().get("/health/")
    assert response.status_code == 503
    report = response.json()
    assert report["status"] == "unavailable"
    store = report["checks"]["object_store"]
    assert store["ok"] is False and store["required"] is True
    assert store["detail"].startswith("EndpointConnectionError: ")
    assert dead.split("//")[1] not in response.content.decode()  # no address on a public page
    assert report["checks"]["database"]["ok"] is True
    assert report["checks"]["broker"]["ok"] is True


@pytest.mark.django_db
def test_a_dead_broker_answers_503(settings):  # type: ignore[no-untyped-def]
    settings.CELERY_BROKER_URL = _dead_url("redis")
    response = Client().get("/health/")
    assert response.status_code == 503
    broker = response.json()["checks"]["broker"]
    assert broker["ok"] is False and broker["required"] is True
    assert broker["detail"].startswith("OperationalError: ")


@pytest.mark.django_db
def test_no_worker_is_reported_but_the_web_stays_in_service():  # type: ignore[no-untyped-def]
    response = Client().get("/health/")
    assert response.status_code == 200
    workers = response.json()["checks"]["workers"]
    assert workers == {
        "ok": False,
        "required": False,
        "detail": "RuntimeError: no worker answered a ping in 1s",
        "ms": workers["ms"],
    }
    assert workers["ms"] >= 1000


@pytest.mark.django_db
def test_workers_can_be_required(settings):  # type: ignore[no-untyped-def]
    settings.HEALTH_REQUIRED = ["database", "workers"]
    response = Client().get("/health/")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
