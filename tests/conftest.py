import fcntl
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from app import objectstore
from tests import cleanup
from tests.factories import UserFactory

_OWNED_STORE = pytest.StashKey[cleanup.OwnedStore | None]()


def _controls_the_run(config: pytest.Config) -> bool:
    return not hasattr(config, "workerinput")  # not an xdist worker


def pytest_configure(config: pytest.Config) -> None:
    cleanup.interrupt_on_sigterm()


def pytest_sessionstart(session: pytest.Session) -> None:
    # runs before xdist starts its workers: they find the store up
    if _controls_the_run(session.config):
        session.config.stash[_OWNED_STORE] = cleanup.start_store()


@pytest.hookimpl(trylast=True)  # after xdist has stopped its workers
def pytest_sessionfinish(session: pytest.Session) -> None:
    if _controls_the_run(session.config):
        store = session.config.stash.get(_OWNED_STORE, None)
        cleanup.end_of_run(run=cleanup.run_id(), store=store)


@pytest.fixture(scope="session", autouse=True)
def object_store() -> Iterator[None]:
    """One real SeaweedFS for the whole run, started and stopped by the process that
    controls the run (see tests/cleanup.py); each process makes its own buckets."""
    lock_path = Path(settings.VAR_DIR) / "seaweedfs.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        objectstore.ensure_running()
        fcntl.flock(lock, fcntl.LOCK_UN)
    yield


@pytest.fixture
def user(db):  # type: ignore[no-untyped-def]
    return UserFactory()


@pytest.fixture
def other_user(db):  # type: ignore[no-untyped-def]
    return UserFactory()


@pytest.fixture
def api_client():  # type: ignore[no-untyped-def]
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def https_live_server(transactional_db):  # type: ignore[no-untyped-def]
    """The whole site served over HTTPS on a free port, as gcapi needs."""
    from tests.servers import https_server

    with https_server(Path(settings.VAR_DIR) / "tls") as server:
        yield server


@pytest.fixture
def gcapi_client(https_live_server, user):  # type: ignore[no-untyped-def]
    """A real gcapi.Client for `user`, talking to the HTTPS live server."""
    import gcapi

    from app.services import api_token_create

    _, secret = api_token_create(user=user, name="gcapi tests", days=1)
    return gcapi.Client(
        base_url=https_live_server.api_url, token=secret, verify=str(https_live_server.ca_file)
    )


@pytest.fixture
def celery_worker(transactional_db):  # type: ignore[no-untyped-def]
    """A real Celery worker (threads) consuming every queue from this test's Redis db."""
    from celery.contrib.testing.worker import start_worker

    from app.celery import celery_app

    celery_app.control.purge()
    with start_worker(
        celery_app,
        pool="threads",
        concurrency=2,
        perform_ping_check=False,
        queues=settings.CELERY_TASK_QUEUES_NAMES,
        shutdown_timeout=60,
    ) as worker:
        yield worker
