from django.contrib.auth.models import Group, User

from hanging_protocols.models import HangingProtocol
from hanging_protocols.services import hanging_protocol_create
from tests.factories import UserFactory

TWO_SIDE_BY_SIDE = [
    {"viewport_name": "main", "x": 0, "y": 0, "w": 1, "h": 1},
    {"viewport_name": "secondary", "x": 1, "y": 0, "w": 1, "h": 1, "orientation": "coronal"},
]
ONE = [{"viewport_name": "main", "x": 0, "y": 0, "w": 1, "h": 1}]


def layout_maker() -> User:
    """A user with archive-creator rights, who may make hanging protocols."""
    user: User = UserFactory()  # type: ignore[assignment]
    user.save()
    user.groups.add(Group.objects.get_or_create(name="archive creators")[0])
    return user


def protocol(
    creator: User, title: str = "Two side by side", json: list | None = None
) -> HangingProtocol:
    return hanging_protocol_create(creator=creator, title=title, json=json or TWO_SIDE_BY_SIDE)
