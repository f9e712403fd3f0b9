"""`Authorization: Bearer <token>` for the API (gcapi sends `BEARER`)."""

from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from app.models import ApiToken
from app.services import token_digest


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "bearer"

    def authenticate(self, request: Request):  # type: ignore[no-untyped-def]
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Authorization header must be 'Bearer <token>' with one token"
            )
        try:
            secret = header[1].decode()
        except UnicodeError as e:
            raise exceptions.AuthenticationFailed("Token contains invalid characters") from e
        token = ApiToken.objects.select_related("user").filter(digest=token_digest(secret)).first()
        now = timezone.now()
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token")
        if token.revoked is not None:
            raise exceptions.AuthenticationFailed("Token has been revoked")
        if token.expires <= now:
            raise exceptions.AuthenticationFailed("Token has expired")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User is inactive")
        if token.last_used is None or (now - token.last_used).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return "Bearer"
