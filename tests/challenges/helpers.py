"""Challenge set-up for tests, through the real services."""

import json
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from algorithms.models import Algorithm, AlgorithmImage
from app.permissions import add_member
from archives.models import Archive
from archives.services import archive_create, archive_item_create
from challenges import services
from challenges.models import Challenge, Evaluation, Method, Phase, Submission
from components.models import ComponentInterface
from components.services import socket_value_create
from tests.archives.helpers import new_user, stored_image
from tests.cases.helpers import completed_upload


def client(user: User | None = None) -> APIClient:
    """An API client signed in as user (anonymous for None)."""
    c = APIClient()
    if user is not None:
        c.force_authenticate(user)
    return c


def make_challenge(admin: User, slug: str = "lung-2026", **fields: Any) -> Challenge:
    return services.challenge_create(creator=admin, slug=slug, title=slug.title(), **fields)


def participant(challenge: Challenge, username: str = "") -> User:
    user = new_user(**({"username": username} if username else {}))
    add_member(obj=challenge, role="participants", user=user)
    return user


def with_valid_method(phase: Phase) -> Method:
    """A method as validation leaves it (validation itself is tested with real images)."""
    return Method.objects.create(
        phase=phase, status=Method.Status.VALID, is_active=True, sha256=f"sha256:{phase.pk.hex}"
    )


def make_phase(challenge: Challenge, title: str = "Final", **fields: Any) -> Phase:
    """A predictions phase, open now, with a method; `fields` override GC's defaults."""
    admin = challenge.admins_group.user_set.get()  # type: ignore[union-attr]
    limit = fields.pop("submissions_limit_per_user_per_period", 10)
    phase = services.phase_save(
        challenge=challenge,
        actor=admin,
        fields={"title": title, "score_jsonpath": "dice", **fields},
    )
    with_valid_method(phase)
    if limit:
        phase = services.phase_save(
            challenge=challenge,
            actor=admin,
            phase=phase,
            fields={"submissions_limit_per_user_per_period": limit},
        )
    return phase


def predictions(user: User, text: str = "case,score\n1,0.5\n", filename: str = "p.csv"):  # type: ignore[no-untyped-def]
    return completed_upload(user=user, filename=filename, data=text.encode())


def submit(phase: Phase, user: User, **kwargs: Any) -> Submission:
    if "algorithm_image" not in kwargs and "user_upload" not in kwargs:
        kwargs["user_upload"] = predictions(user)
    return services.submission_create(phase=phase, creator=user, **kwargs)


def evaluation_of(submission: Submission) -> Evaluation:
    return submission.evaluations.get()


def succeed(submission: Submission, metrics: Any) -> Evaluation:
    return services.evaluation_succeed(
        evaluation=evaluation_of(submission), metrics_json=json.dumps(metrics).encode()
    )


def fail(submission: Submission, message: str = "boom") -> Evaluation:
    return services.evaluation_fail(evaluation=evaluation_of(submission), error_message=message)


def backdate(submission: Submission, days: float) -> None:
    Submission.objects.filter(pk=submission.pk).update(
        created=timezone.now() - timedelta(days=days)
    )


def hidden_archive(user: User, cases: int = 1) -> Archive:
    """An archive of `cases` items, each with a stored CT image (the `ct-image` input of
    tests.algorithms.factories.make_algorithm)."""
    archive = archive_create(creator=user, title="Hidden test set")
    ct = ComponentInterface.objects.get(slug="ct-image")
    for n in range(1, cases + 1):
        item = archive_item_create(archive=archive, title=f"case {n}")
        item.values.add(socket_value_create(socket=ct, image=stored_image(name=f"case_{n}.mha")))
    return archive


def valid_algorithm_image(algorithm: Algorithm, sha: str) -> AlgorithmImage:
    """An algorithm image as validation leaves it."""
    return AlgorithmImage.objects.create(
        algorithm=algorithm, status=AlgorithmImage.Status.VALID, image_sha256=sha
    )
