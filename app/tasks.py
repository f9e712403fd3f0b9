"""The project's one task decorator and the on-commit enqueue helper.

Every task is acks-late and rejected back to the broker when its worker dies, so a
lost worker never loses work; tasks must therefore be idempotent (lock the row,
check its status). Tasks take primary keys as keyword arguments only.
"""

import importlib
from collections.abc import Callable
from typing import Any

from celery import Task
from celery.exceptions import NotRegistered
from django.conf import settings
from django.db import transaction
from django.db.utils import InterfaceError, OperationalError

from app.celery import celery_app

RETRY_ON: tuple[type[BaseException], ...] = (OperationalError, InterfaceError, ConnectionError)


def project_task(
    *,
    queue: str | None = None,
    max_retries: int = 3,
    soft_time_limit: int = 600,
    time_limit: int = 660,
    retry_on: tuple[type[BaseException], ...] = RETRY_ON,
) -> Callable[[Callable[..., Any]], Task]:
    def decorate(func: Callable[..., Any]) -> Task:
        name = f"{func.__module__}.{func.__name__}"
        # Routing by name (not the deprecated task attribute) also routes beat's sends.
        routes = dict(celery_app.conf.task_routes or {})
        routes[name] = {"queue": queue or settings.QUEUE_DEFAULT}
        celery_app.conf.task_routes = routes
        return celery_app.task(  # type: ignore[no-any-return]
            name=name,
            acks_late=True,
            reject_on_worker_lost=True,
            autoretry_for=retry_on,
            retry_backoff=True,
            retry_backoff_max=300,
            retry_jitter=True,
            max_retries=max_retries,
            soft_time_limit=soft_time_limit,
            time_limit=time_limit,
        )(func)

    return decorate


def enqueue(task: Task | str, *, queue: str | None = None, **kwargs: Any) -> None:
    """Send the task once the surrounding transaction commits, so it sees its rows.

    `task` may be the registered name (`"algorithms.tasks.execute_job"`): services
    enqueue by name, so that the tasks module can import its services and not the other
    way round. An unknown name fails here, in the caller, not after the commit."""
    resolved = registered_task(task) if isinstance(task, str) else task
    options = {"queue": queue} if queue else {}
    transaction.on_commit(lambda: resolved.apply_async(kwargs=kwargs, **options))


def registered_task(name: str) -> Task:
    """The task registered under `name`; raises NotRegistered for a name no app defines."""
    if name not in celery_app.tasks:
        # Outside a worker a tasks module is imported on first need. Import the task's own
        # module: Python's import lock makes a thread wait for one another thread is still
        # importing, where a second import_default_modules() returned early and a web
        # thread under load saw the task unregistered (a 500 in the load bench).
        try:
            importlib.import_module(name.rsplit(".", 1)[0])
        except ImportError as e:
            raise NotRegistered(name) from e
    return celery_app.tasks[name]
