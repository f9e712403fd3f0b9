"""Account mails name the site (SITE_NAME), not the host they were requested on: without
django.contrib.sites allauth would call the site "127.0.0.1:8000"."""

from types import SimpleNamespace

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    def format_email_subject(self, subject: str) -> str:
        return f"[{settings.SITE_NAME}] {subject}"

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        site = SimpleNamespace(name=settings.SITE_NAME, domain=settings.SITE_NAME)
        super().send_mail(template_prefix, email, {**context, "current_site": site})
