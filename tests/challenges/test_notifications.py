"""Challenge e-mails: admins hear of a registration request, the user of the decision,
the submitter of their evaluation's end (rank and link, or the reason). Each names the
site, goes only once the action commits, and a broken mail server breaks no action."""

import pytest
from django.core import mail
from django.db import transaction

from challenges import services
from challenges.models import Challenge, Evaluation, RegistrationRequest
from tests.archives.helpers import new_user
from tests.challenges.helpers import (
    evaluation_of,
    fail,
    make_challenge,
    make_phase,
    participant,
    submit,
    succeed,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(settings):  # type: ignore[no-untyped-def]
    settings.SITE_NAME = "Lung Lab"
    settings.SITE_URL = "https://lunglab.example.org/"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings


def test_admins_hear_of_a_request_and_the_user_of_the_decision(
    user, site, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    challenge = make_challenge(user)
    ann, bob = new_user(username="ann"), new_user(username="bob")
    with django_capture_on_commit_callbacks(execute=True):
        ann_request = services.registration_request_create(challenge=challenge, user=ann)
        bob_request = services.registration_request_create(challenge=challenge, user=bob)
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([user.email], "[Lung Lab] ann asks to join Lung-2026"),
        ([user.email], "[Lung Lab] bob asks to join Lung-2026"),
    ]
    # the link opens the requests to decide on
    assert "https://lunglab.example.org/challenges/lung-2026/admin/requests/" in mail.outbox[0].body
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.registration_request_decide(registration=ann_request, accept=True, actor=user)
        services.registration_request_decide(registration=bob_request, accept=False, actor=user)
    accepted, rejected = mail.outbox
    assert (accepted.to, accepted.subject) == (
        [ann.email],
        "[Lung Lab] Your request to join Lung-2026 was accepted",
    )
    assert "You can submit now" in accepted.body and accepted.body.endswith("— Lung Lab\n")
    assert (rejected.to, rejected.subject) == (
        [bob.email],
        "[Lung Lab] Your request to join Lung-2026 was rejected",
    )
    assert "submit" not in rejected.body


def test_an_accepted_at_once_request_tells_the_user_only(
    user, site, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    challenge = make_challenge(
        user, access_request_handling=Challenge.AccessRequestHandling.ACCEPT_ALL
    )
    ann = new_user(username="ann")
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_request_create(challenge=challenge, user=ann)
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([ann.email], "[Lung Lab] Your request to join Lung-2026 was accepted")
    ]


def test_nothing_is_sent_when_the_action_is_rolled_back(
    user, site, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    challenge = make_challenge(user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                services.registration_request_create(challenge=challenge, user=new_user())
                raise RuntimeError("the request fails after the service")
        except RuntimeError:
            pass
    assert callbacks == [] and mail.outbox == []


def test_the_submitter_hears_of_the_rank_or_the_reason(
    user, site, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    challenge = make_challenge(user)
    phase = make_phase(challenge, title="Final")
    ann, bob = participant(challenge, "ann"), participant(challenge, "bob")
    succeed(submit(phase, bob), {"dice": 0.9})
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        succeed(submit(phase, ann), {"dice": 0.8})
    [message] = mail.outbox
    assert (message.to, message.subject) == (
        [ann.email],
        "[Lung Lab] Your submission to Final of Lung-2026 was evaluated",
    )
    assert "succeeded. It is ranked #2 on the leaderboard." in message.body
    assert "https://lunglab.example.org/challenges/lung-2026/phases/final/leaderboard/" in (
        message.body
    )

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        fail(submit(phase, ann), "The evaluation container exited with code 1: no such case")
    [message] = mail.outbox
    assert message.subject == "[Lung Lab] Your submission to Final of Lung-2026 failed"
    assert "The evaluation container exited with code 1: no such case" in message.body
    assert "does not count towards your submission limit" in message.body


def test_an_unpublished_result_says_it_waits_for_the_organisers(
    user, site, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    challenge = make_challenge(user)
    phase = make_phase(challenge, auto_publish_new_results=False)
    ann = participant(challenge, "ann")
    with django_capture_on_commit_callbacks(execute=True):
        succeed(submit(phase, ann), {"dice": 0.8})
    assert "It is not on the leaderboard until the organisers publish it." in mail.outbox[0].body


def test_a_broken_mail_server_breaks_no_action(
    user, settings, django_capture_on_commit_callbacks, caplog
):  # type: ignore[no-untyped-def]
    # a real SMTP client against a port where nothing listens
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    challenge = make_challenge(user)
    ann = new_user(username="ann")
    with django_capture_on_commit_callbacks(execute=True):
        registration = services.registration_request_create(challenge=challenge, user=ann)
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_request_decide(registration=registration, accept=True, actor=user)
    registration.refresh_from_db()
    assert registration.status == RegistrationRequest.Status.ACCEPTED
    phase = make_phase(challenge)
    with django_capture_on_commit_callbacks(execute=True):
        evaluation = succeed(submit(phase, ann), {"dice": 0.5})
    assert Evaluation.objects.get(pk=evaluation.pk).status == Evaluation.Status.SUCCESS
    assert evaluation_of(evaluation.submission).rank == 1
    assert "Could not send the mail" in caplog.text
