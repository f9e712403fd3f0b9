"""E-mail to users, sent once the transaction that caused it commits; a mail that cannot
be sent is logged and never undoes or breaks the action (the decision, the evaluation)."""

import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

logger = logging.getLogger(__name__)


def site_url(path: str) -> str:
    """An absolute link for a mail sent without a request (by a worker, say)."""
    return settings.SITE_URL.rstrip("/") + path


def send_safely(*, subject: str, body: str, recipients: Iterable[str]) -> int:
    """One mail per recipient (no one sees the others' addresses), subject prefixed with
    the site's name; returns how many were sent."""
    site = settings.SITE_NAME
    sent = 0
    for address in sorted({r for r in recipients if r}):
        try:
            sent += send_mail(
                subject=f"[{site}] {subject}",
                message=f"{body.rstrip()}\n\n— {site}\n",
                from_email=None,
                recipient_list=[address],
            )
        except Exception:  # SMTP, DNS, TLS...: the action itself stands
            logger.exception("Could not send the mail %r to %s", subject, address)
    return sent


def mail_on_commit(build: Callable[[], tuple[str, str, Iterable[str]] | None]) -> None:
    """After the commit, `build()` gives (subject, body, recipients) from the committed
    state, or None when there is nothing to say; then the mail goes."""

    def send() -> None:
        try:
            message = build()
        except Exception:
            logger.exception("Could not compose a mail")
            return
        if message is not None:
            subject, body, recipients = message
            send_safely(subject=subject, body=body, recipients=recipients)

    transaction.on_commit(send)
