"""Writes for tokens and the audit log."""

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest
from django.utils import timezone

from app.models import ApiToken, AuditRecord

MAX_TOKEN_DAYS = 365


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def client_address(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: str,
    actor: User | AnonymousUser | None = None,
    obj: models.Model | None = None,
    request: HttpRequest | None = None,
    detail: dict | None = None,
) -> AuditRecord:
    user = actor if actor is not None and actor.is_authenticated else None
    return AuditRecord.objects.create(
        action=action,
        actor=user,
        actor_name=user.get_username() if user else "",
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        address=client_address(request),
        detail=detail or {},
    )


def api_token_create(
    *,
    user: User,
    name: str,
    days: int,
    request: HttpRequest | None = None,
    via_token: ApiToken | None = None,
) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is shown once and never stored.

    `via_token`: the token that authenticated the request, if one did. A token never
    mints a token: a new one would outlive the first one's expiry and its revocation, so
    a leaked token could keep itself alive. Tokens come from a signed-in session only.
    """
    if via_token is not None:
        raise PermissionDenied(
            "A request authenticated with an API token cannot create API tokens. "
            "Sign in to the site and create one on /accounts/tokens/."
        )
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_TOKEN_DAYS}, not {days}")
    if not name.strip():
        raise ValueError("name must not be empty")
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100],
        digest=token_digest(secret),
        prefix=secret[:8],
        expires=timezone.now() + timedelta(days=days),
    )
    audit_record(action=AuditRecord.Action.TOKEN_CREATED, actor=user, obj=token, request=request)
    return token, secret


def api_token_revoke(*, token: ApiToken, actor: User, request: HttpRequest | None = None) -> None:
    if token.revoked is None:
        token.revoked = timezone.now()
        token.save(update_fields=["revoked"])
        audit_record(
            action=AuditRecord.Action.TOKEN_REVOKED, actor=actor, obj=token, request=request
        )
