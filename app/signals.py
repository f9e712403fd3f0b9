"""Audit records for sign-in, failed sign-in and sign-out (Django's auth signals).

allauth signs people in and out through django.contrib.auth, so these cover both
the account pages and the admin.
"""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from app.models import AuditRecord
from app.services import audit_record


@receiver(user_logged_in, dispatch_uid="app.audit.sign_in")
def _signed_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit_record(action=AuditRecord.Action.SIGN_IN, actor=user, request=request)


@receiver(user_logged_out, dispatch_uid="app.audit.sign_out")
def _signed_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit_record(action=AuditRecord.Action.SIGN_OUT, actor=user, request=request)


@receiver(user_login_failed, dispatch_uid="app.audit.sign_in_failed")
def _sign_in_failed(
    sender: Any, credentials: dict, request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Only the name that was tried; the password is never recorded.
    tried = credentials.get("username") or credentials.get("email") or ""
    audit_record(
        action=AuditRecord.Action.SIGN_IN_FAILED,
        request=request,
        detail={"username": str(tried)[:150]},
    )
