from typing import Any

from django.db.models import QuerySet

from app.permissions import CREATOR_GROUPS, AnyUser, can
from components.models import ComponentInterface
from hanging_protocols.models import HangingProtocol
from hanging_protocols.view_content import UNDISPLAYABLE_KINDS

# Who configures viewers may make layouts: the creators of archives, algorithms and
# reader studies (besides staff and holders of the model's add permission).
_LAYOUT_MAKERS = [
    CREATOR_GROUPS[label]
    for label in ("archives.Archive", "algorithms.Algorithm", "reader_studies.ReaderStudy")
]


def protocols_visible_to(user: AnyUser) -> QuerySet[HangingProtocol]:
    """Layouts hold no data: every signed-in user may see and use all of them."""
    if not user.is_authenticated or not user.is_active:
        return HangingProtocol.objects.none()
    return HangingProtocol.objects.select_related("creator").order_by("title")


def may_create_protocol(user: AnyUser) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff or user.is_superuser:
        return True
    if user.has_perm("hanging_protocols.add_hangingprotocol"):
        return True
    return user.groups.filter(name__in=_LAYOUT_MAKERS).exists()


def may_edit_protocol(user: AnyUser, protocol: HangingProtocol) -> bool:
    """The creator (who holds change_hangingprotocol on it) and staff."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_staff or can(user, "change_hangingprotocol", protocol)


def embedded(protocol: HangingProtocol | None) -> dict[str, Any] | None:
    """GC's embedded form, as archive items, jobs and display sets carry it."""
    if protocol is None:
        return None
    return {
        "json": protocol.json,
        "title": protocol.title,
        "pk": str(protocol.pk),
        "svg_icon": str(protocol.svg_icon),
    }


def viewer_settings_data(obj: Any) -> dict[str, Any]:
    """`hanging_protocol`, `optional_hanging_protocols` and `view_content` of an object with
    viewer settings (None: defaults), as archive items, jobs and display sets deliver them."""
    if obj is None:
        return {"hanging_protocol": None, "optional_hanging_protocols": [], "view_content": {}}
    return {
        "hanging_protocol": embedded(obj.hanging_protocol),
        "optional_hanging_protocols": [embedded(p) for p in obj.optional_hanging_protocols.all()],
        "view_content": obj.view_content,
    }


def displayable_sockets() -> QuerySet[ComponentInterface]:
    """The sockets a view content may name, for the settings page's reference list."""
    return ComponentInterface.objects.exclude(kind__in=list(UNDISPLAYABLE_KINDS)).order_by(
        "kind", "slug"
    )
