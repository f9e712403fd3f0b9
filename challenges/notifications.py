"""E-mails of challenges (console by default): admins hear of registration requests to
review, users of the decision, submitters of their evaluation's end. Composed from the
committed state once the action commits; a mail failure never breaks the action."""

from typing import Any

from django.urls import reverse

from app.mail import mail_on_commit, site_url
from challenges.models import Challenge, Evaluation, RegistrationRequest


def _challenge_name(challenge: Challenge) -> str:
    return challenge.title or challenge.slug


def registration_requested(*, registration: RegistrationRequest) -> None:
    """The challenge's admins: a request waits for their review."""

    def build() -> tuple[str, str, list[str]] | None:
        r = RegistrationRequest.objects.select_related("challenge", "user").get(pk=registration.pk)
        if r.status != RegistrationRequest.Status.PENDING or r.challenge.admins_group is None:
            return None
        name = _challenge_name(r.challenge)
        admins = r.challenge.admins_group.user_set.filter(is_active=True)
        return (
            f"{r.user.get_username()} asks to join {name}",
            f"{r.user.get_username()} asks to take part in the challenge {name}.\n"
            "Accept or reject the request: "
            f"{site_url(reverse('challenges:registration-requests', args=[r.challenge.slug]))}\n",
            [a.email for a in admins],
        )

    mail_on_commit(build)


def registration_decided(*, registration: RegistrationRequest) -> None:
    """The user: accepted or rejected."""

    def build() -> tuple[str, str, list[str]] | None:
        r = RegistrationRequest.objects.select_related("challenge", "user").get(pk=registration.pk)
        if r.status == RegistrationRequest.Status.PENDING:
            return None
        name = _challenge_name(r.challenge)
        verdict = r.get_status_display().lower()
        next_step = (
            f"You can submit now: {site_url(f'/challenges/{r.challenge.slug}/')}\n"
            if r.status == RegistrationRequest.Status.ACCEPTED
            else ""
        )
        return (
            f"Your request to join {name} was {verdict}",
            f"Hello {r.user.get_username()},\n\n"
            f"your request to take part in the challenge {name} was {verdict}.\n{next_step}",
            [r.user.email],
        )

    mail_on_commit(build)


def evaluation_finished(*, evaluation_pk: Any) -> None:
    """The submitter: succeeded (with the rank and the leaderboard) or failed (with why)."""

    def build() -> tuple[str, str, list[str]] | None:
        e = Evaluation.objects.select_related(
            "submission__creator", "submission__phase__challenge"
        ).get(pk=evaluation_pk)
        creator, phase = e.submission.creator, e.submission.phase
        finished = (Evaluation.Status.SUCCESS, Evaluation.Status.FAILURE)
        if creator is None or e.status not in finished:
            return None
        where = f"{phase.title} of {_challenge_name(phase.challenge)}"
        when = e.submission.created.strftime("%Y-%m-%d %H:%M UTC")
        hello = f"Hello {creator.get_username()},\n\nthe evaluation of your submission of {when}"
        if e.status == Evaluation.Status.FAILURE:
            return (
                f"Your submission to {where} failed",
                f"{hello} to {where} failed:\n\n{e.error_message}\n\n"
                "A failed evaluation does not count towards your submission limit.\n",
                [creator.email],
            )
        board = site_url(
            reverse(
                "challenges:leaderboard",
                kwargs={"slug": phase.challenge.slug, "phase_slug": phase.slug},
            )
        )
        place = (
            f"It is ranked #{e.rank} on the leaderboard"
            if e.rank
            else "It is not on the leaderboard"
            + (" until the organisers publish it" if not e.published else "")
        )
        return (
            f"Your submission to {where} was evaluated",
            f"{hello} to {where} succeeded. {place}.\n\nLeaderboard: {board}\n",
            [creator.email],
        )

    mail_on_commit(build)
