"""`manage.py create_api_token USERNAME [--name NAME] [--days N]`: print a new API token."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from app.services import MAX_TOKEN_DAYS, api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user and print its secret (shown only this once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="command line", help="a name to tell it apart")
        parser.add_argument(
            "--days",
            type=int,
            default=settings.API_TOKEN_DEFAULT_DAYS,
            help=f"days until it expires (1 to {MAX_TOKEN_DAYS})",
        )

    def handle(self, *args: object, username: str, name: str, days: int, **options: object) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named '{username}'")
        if not user.is_active:
            raise CommandError(f"User '{username}' is inactive")
        try:
            token, secret = api_token_create(user=user, name=name, days=days)
        except ValueError as e:
            raise CommandError(str(e)) from e
        self.stderr.write(f"Token '{token.name}' for {username}, expires {token.expires:%Y-%m-%d}:")
        self.stdout.write(secret)
