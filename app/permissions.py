"""Object permissions through groups, on django-guardian.

Each protected object owns one group per role (editors, users, ...), created with
`create_role_groups` and stored on the object's `<role>_group` foreign keys. A role
holds object permissions on that one object. Reads go through `visible_to` and
`get_visible_or_404`, so an object a user may not know about answers 404, never 403.

Who may create algorithms, archives, reader studies and challenges is decided by
site-wide creator groups (`CREATOR_GROUPS`), made by a data migration of `app` and
managed by staff on /staff/groups/. `may_create` checks membership of the group *by
name*: that works whatever order the apps' migrations run in and whether or not the
model exists yet, where a permission-based check would need the model's `add_*`
permission to exist first. A post_migrate handler (`grant_creator_permissions`) also
gives each group its model's `add_*` permission once the model exists, so the admin
and `user.has_perm` agree; it is a convenience, not what `may_create` relies on.

For views: `VisibleObjectMixin` (class-based pages), `get_visible_or_404` (function
views); for DRF: `VisibleToFilterBackend` (lists only what the user may see) with
`ObjectPermission` (writes need a permission on the object).
"""

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser, Group, User
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models, transaction
from django.http import Http404, HttpRequest
from django.urls import reverse
from guardian.shortcuts import assign_perm, get_objects_for_user
from rest_framework.filters import BaseFilterBackend
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from app.models import AuditRecord
from app.services import audit_record

M = TypeVar("M", bound=models.Model)
AnyUser = User | AnonymousUser


def _perm(model: type[models.Model], codename: str) -> str:
    return codename if "." in codename else f"{model._meta.app_label}.{codename}"


def create_role_groups(*, obj: models.Model, roles: Mapping[str, Iterable[str]]) -> None:
    """Create a group for each role, give it the role's permissions on obj, store it on obj."""
    label = f"{obj._meta.app_label}.{obj._meta.model_name}"
    with transaction.atomic():
        for role, codenames in roles.items():
            group = Group.objects.create(name=f"{label}.{obj.pk}.{role}")
            for codename in codenames:
                assign_perm(_perm(type(obj), codename), group, obj)
            setattr(obj, f"{role}_group", group)
        obj.save(update_fields=[f"{role}_group" for role in roles])


def role_group(obj: models.Model, role: str) -> Group:
    group = getattr(obj, f"{role}_group", None)
    if not isinstance(group, Group):
        raise ValueError(f"{obj._meta.label} has no role '{role}'")
    return group


def has_role(user: AnyUser, obj: models.Model, role: str) -> bool:
    if not user.is_authenticated:
        return False
    return role_group(obj, role).user_set.filter(pk=user.pk).exists()


def add_member(
    *,
    obj: models.Model,
    role: str,
    user: User,
    actor: AnyUser | None = None,
    request: HttpRequest | None = None,
) -> None:
    role_group(obj, role).user_set.add(user)  # type: ignore[arg-type]
    audit_record(
        action=AuditRecord.Action.PERMISSION_GRANTED,
        actor=actor,
        obj=obj,
        request=request,
        detail={"role": role, "user": user.get_username()},
    )


def remove_member(
    *,
    obj: models.Model,
    role: str,
    user: User,
    actor: AnyUser | None = None,
    request: HttpRequest | None = None,
) -> None:
    role_group(obj, role).user_set.remove(user)  # type: ignore[arg-type]
    audit_record(
        action=AuditRecord.Action.PERMISSION_REVOKED,
        actor=actor,
        obj=obj,
        request=request,
        detail={"role": role, "user": user.get_username()},
    )


def can(user: AnyUser, codename: str, obj: models.Model) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return bool(user.has_perm(_perm(type(obj), codename), obj))


def visible_to(
    user: AnyUser, queryset: models.QuerySet[M], codename: str | None = None
) -> models.QuerySet[M]:
    """The objects of queryset that user may view (or hold `codename` on)."""
    model = queryset.model
    perm = _perm(model, codename or f"view_{model._meta.model_name}")
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    return get_objects_for_user(  # type: ignore[no-any-return]
        user, perm, klass=queryset, accept_global_perms=False, with_superuser=True
    )


def get_visible_or_404(
    user: AnyUser, queryset: models.QuerySet[M], codename: str | None = None, **lookup: object
) -> M:
    try:
        return visible_to(user, queryset, codename).get(**lookup)
    except ObjectDoesNotExist as e:
        raise Http404(f"No {queryset.model._meta.verbose_name} matches the given query.") from e


# Model label -> the site-wide group whose members may create such objects.
CREATOR_GROUPS: dict[str, str] = {
    "algorithms.Algorithm": "algorithm creators",
    "archives.Archive": "archive creators",
    "reader_studies.ReaderStudy": "reader study creators",
    "challenges.Challenge": "challenge creators",
}


def creator_group_name(model: type[models.Model]) -> str | None:
    return CREATOR_GROUPS.get(model._meta.label)


def may_create(user: AnyUser, model: type[models.Model]) -> bool:
    """Site-wide: staff, members of the model's creator group, or holders of add_<model>."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff or user.is_superuser:
        return True
    group = creator_group_name(model)
    if group is not None and user.groups.filter(name=group).exists():
        return True
    return bool(user.has_perm(_perm(model, f"add_{model._meta.model_name}")))


class RightMissing(PermissionDenied):
    """A 403 that names the missing right; the 403 page links to where it is requested
    and says who decides."""

    def __init__(self, message: str, *, right: str, request_url: str, decided_by: str) -> None:
        self.right = right
        self.request_url = request_url
        self.decided_by = decided_by
        super().__init__(message)


class CreatorRightMissing(RightMissing):
    def __init__(self, model: type[models.Model]) -> None:
        self.label = model._meta.label
        right = f"{model._meta.verbose_name} creator rights"
        super().__init__(
            f"Creating {model._meta.verbose_name_plural} needs {right}, which you do not have.",
            right=right,
            request_url=f"{reverse('creator-request')}?for={self.label}",
            decided_by="staff decide, and you get an e-mail",
        )


def require_creator(user: AnyUser, model: type[models.Model]) -> None:
    if not may_create(user, model):
        raise CreatorRightMissing(model)


def grant_creator_permissions(**kwargs: object) -> None:
    """post_migrate: give each creator group the add_* permission of its model, if it exists."""
    from django.apps import apps
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    for label, group_name in CREATOR_GROUPS.items():
        # Also recreates the groups after a database flush (tests), which skips migrations.
        group, _ = Group.objects.get_or_create(name=group_name)
        try:
            model = apps.get_model(label)
        except LookupError:
            continue  # that app has not defined its model yet
        content_type = ContentType.objects.get_for_model(model)
        permission = Permission.objects.filter(
            content_type=content_type, codename=f"add_{model._meta.model_name}"
        ).first()
        if permission is not None:
            group.permissions.add(permission)


def add_creator(
    *, group: Group, user: User, actor: AnyUser | None = None, request: HttpRequest | None = None
) -> None:
    group.user_set.add(user)  # type: ignore[arg-type]
    audit_record(
        action=AuditRecord.Action.PERMISSION_GRANTED,
        actor=actor,
        obj=group,
        request=request,
        detail={"group": group.name, "user": user.get_username()},
    )


def remove_creator(
    *, group: Group, user: User, actor: AnyUser | None = None, request: HttpRequest | None = None
) -> None:
    group.user_set.remove(user)  # type: ignore[arg-type]
    audit_record(
        action=AuditRecord.Action.PERMISSION_REVOKED,
        actor=actor,
        obj=group,
        request=request,
        detail={"group": group.name, "user": user.get_username()},
    )


class VisibleObjectMixin:
    """For class-based views: `get_queryset` is narrowed to what the user may see.

    Set `permission` to a codename (default `view_<model>`). DetailView then answers
    404 for objects the user may not know about; ListView lists only visible ones.
    """

    permission: str | None = None
    request: HttpRequest

    def get_queryset(self) -> models.QuerySet:
        queryset = super().get_queryset()  # type: ignore[misc]
        return visible_to(self.request.user, queryset, self.permission)


class VisibleToFilterBackend(BaseFilterBackend):
    """DRF: list and look up only objects the user may view (others answer 404).

    A viewset may set `view_permission` to use another codename than `view_<model>`.
    """

    def filter_queryset(self, request: Request, queryset: models.QuerySet, view: Any) -> Any:
        return visible_to(request.user, queryset, getattr(view, "view_permission", None))


class ObjectPermission(BasePermission):
    """DRF: unsafe methods need a permission on the object (`change_<model>` by default).

    Set `change_permission` on the viewset for another codename. Reads pass here:
    `VisibleToFilterBackend` already hid what the user may not see.
    """

    def has_object_permission(self, request: Request, view: Any, obj: models.Model) -> bool:
        if request.method in SAFE_METHODS:
            return True
        codename = getattr(view, "change_permission", None) or f"change_{obj._meta.model_name}"
        return can(request.user, codename, obj)
