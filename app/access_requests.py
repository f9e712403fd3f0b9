"""Access requests: creator rights (staff decide) and object roles (the object's editors decide).

One flow for every object keyed by content type (`AccessRequest`). The owning app fetches
the object with its own visibility rules and calls these services; deciding adds the user
to the creator group or the object's role group through `app.permissions`, and tells the
user by e-mail now and by a message on their next page view (`AccessDecisionMiddleware`;
the reading page, read case after case, leaves it to the next other page).
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser, Group, User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, models, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from app.mail import send_safely
from app.models import AccessRequest, AccessRequestHandling
from app.permissions import CREATOR_GROUPS, add_creator, add_member, can
from app.services import audit_record

AnyUser = User | AnonymousUser
V = TypeVar("V", bound=Callable[..., Any])


# --- reads ---------------------------------------------------------------------------


def creator_groups_by_label() -> dict[str, Group]:
    groups = {g.name: g for g in Group.objects.filter(name__in=CREATOR_GROUPS.values())}
    return {label: groups[name] for label, name in CREATOR_GROUPS.items() if name in groups}


def creator_group_for(label: str) -> Group | None:
    return creator_groups_by_label().get(label)


def _ct(obj: models.Model) -> ContentType:
    return ContentType.objects.get_for_model(obj, for_concrete_model=True)


def requests_for(obj: models.Model) -> models.QuerySet[AccessRequest]:
    return AccessRequest.objects.filter(
        content_type=_ct(obj), object_id=str(obj.pk)
    ).select_related("user")


def creator_requests() -> models.QuerySet[AccessRequest]:
    return AccessRequest.objects.filter(content_type=ContentType.objects.get_for_model(Group))


def pending_request_of(*, user: AnyUser, obj: models.Model) -> AccessRequest | None:
    if not user.is_authenticated:
        return None
    return requests_for(obj).filter(user=user, status=AccessRequest.Status.PENDING).first()


def may_decide(*, user: AnyUser, access_request: AccessRequest) -> bool:
    target = access_request.target
    return target is not None and may_decide_on(user=user, target=target)


def may_decide_on(*, user: AnyUser, target: models.Model) -> bool:
    if isinstance(target, Group):
        return bool(user.is_authenticated and user.is_staff)
    return can(user, f"change_{target._meta.model_name}", target)


def group_rights(group: Group) -> str:
    """ "archive creators" -> "archive creator rights" """
    return f"{group.name.removesuffix('s')} rights"


def describe(access_request: AccessRequest) -> str:
    """What was asked, in words: "archive creator rights" or "users access to the algorithm “X”"."""
    target = access_request.target
    if isinstance(target, Group):
        return group_rights(target)
    if target is None:
        return f"{access_request.role} access to something since deleted"
    return f"{access_request.role} access to the {target._meta.verbose_name} “{target}”"


# --- writes --------------------------------------------------------------------------


def access_request_create(
    *, user: User, target: models.Model, role: str = "", reason: str = ""
) -> AccessRequest:
    """Ask for `role` on target (a creator group when role is empty). One pending request
    per user and target: asking again while one is pending is refused with a clear error."""
    if isinstance(target, Group):
        if target.name not in CREATOR_GROUPS.values():
            raise ValidationError(f"{target.name!r} is not a creator group.")
        if target.user_set.filter(pk=user.pk).exists():
            raise ValidationError(f"You already have {group_rights(target)}.")
    elif not role:
        raise ValidationError("Say which role you ask for.")
    else:
        group = getattr(target, f"{role}_group", None)
        if not isinstance(group, Group):
            raise ValidationError(f"{target._meta.verbose_name} has no role {role!r}.")
        if group.user_set.filter(pk=user.pk).exists():
            raise ValidationError(f"You already have {role} access to “{target}”.")
    if pending_request_of(user=user, obj=target) is not None:
        raise ValidationError("You already asked; your request is pending.")
    try:
        with transaction.atomic():
            created = AccessRequest.objects.create(
                user=user,
                content_type=_ct(target),
                object_id=str(target.pk),
                role=role,
                reason=reason,
            )
    except IntegrityError:  # the same request sent twice at once (a double click)
        raise ValidationError("You already asked; your request is pending.") from None
    if role and accepted_at_once(target=target, user=user):
        return _accept_by_policy(created, target=target)
    return created


def accepted_at_once(*, target: models.Model, user: User) -> bool:
    """An object with an `access_request_handling` policy may accept everyone, or users
    with a verified e-mail address, without waiting for its editors."""
    handling = getattr(target, "access_request_handling", AccessRequestHandling.MANUAL_REVIEW)
    return handling == AccessRequestHandling.ACCEPT_ALL or (
        handling == AccessRequestHandling.ACCEPT_VERIFIED_USERS
        and user.emailaddress_set.filter(verified=True).exists()  # type: ignore[attr-defined]
    )


def _accept_by_policy(access_request: AccessRequest, *, target: models.Model) -> AccessRequest:
    with transaction.atomic():
        access_request.status = AccessRequest.Status.ACCEPTED
        access_request.decided = timezone.now()
        access_request.save(update_fields=["status", "decided"])
        add_member(obj=target, role=access_request.role, user=access_request.user, actor=None)
        transaction.on_commit(lambda: _mail_decision(access_request))
    return access_request


def access_request_decide(
    *,
    access_request: AccessRequest,
    accept: bool,
    actor: User,
    request: HttpRequest | None = None,
) -> AccessRequest:
    if not may_decide(user=actor, access_request=access_request):
        raise PermissionDenied("You may not decide on this request.")
    with transaction.atomic():
        locked = AccessRequest.objects.select_for_update().get(pk=access_request.pk)
        if locked.status != AccessRequest.Status.PENDING:
            raise ValidationError(
                f"This request was already {locked.get_status_display().lower()}."
            )
        locked.status = AccessRequest.Status.ACCEPTED if accept else AccessRequest.Status.REJECTED
        locked.decided = timezone.now()
        locked.save(update_fields=["status", "decided"])
        target = locked.target
        if target is None:
            raise ValidationError("What this request was for no longer exists.")
        if accept and isinstance(target, Group):
            add_creator(group=target, user=locked.user, actor=actor, request=request)
        elif accept:
            add_member(obj=target, role=locked.role, user=locked.user, actor=actor, request=request)
        else:  # a grant is audited by add_creator/add_member; a refusal here
            audit_record(
                action="access-request-rejected",
                actor=actor,
                obj=target,
                request=request,
                detail={"user": locked.user.get_username(), "role": locked.role},
            )
        transaction.on_commit(lambda: _mail_decision(locked))
    return locked


def _mail_decision(access_request: AccessRequest) -> None:
    verdict = access_request.get_status_display().lower()
    send_safely(
        subject=f"Your request for {describe(access_request)} was {verdict}",
        body=(
            f"Hello {access_request.user.get_username()},\n\n"
            f"your request for {describe(access_request)} on {settings.SITE_NAME} was "
            f"{verdict}.\n"
            + ("Sign in to use it.\n" if access_request.status == "accepted" else "")
        ),
        recipients=[access_request.user.email],
    )


def decisions_to_show(*, user: User) -> list[AccessRequest]:
    """Decided requests the user has not been shown yet; marks them shown."""
    decided = list(
        AccessRequest.objects.filter(user=user, notified=False).exclude(
            status=AccessRequest.Status.PENDING
        )
    )
    if decided:
        AccessRequest.objects.filter(pk__in=[r.pk for r in decided]).update(notified=True)
    return decided


def quiet_about_access_decisions(view: V) -> V:
    """Marks a view whose pages leave the access-decision notice to the user's next
    other page: pages viewed one after another behind their own permission check (the
    reading page, case after case), which spare the query on each view."""
    view.tells_access_decisions = False  # type: ignore[attr-defined]
    return view


class AccessDecisionMiddleware:
    """Tells a user on their next page view that a request of theirs was decided."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> None:
        if not getattr(view, "tells_access_decisions", True):
            return
        try:
            self._tell(request)
        except DatabaseError:
            pass  # the database is down: the view answers 503; tell them next time

    def _tell(self, request: HttpRequest) -> None:
        user = getattr(request, "user", None)
        # page views only, told apart before the user is: that costs the session's and the
        # user's queries, which an image tile or an API call need not pay
        if (
            request.method == "GET"
            and not request.path.startswith(("/api/", "/static/", "/health/"))
            and "text/html" in request.headers.get("Accept", "text/html")
            and user is not None
            and user.is_authenticated
        ):
            for decided in decisions_to_show(user=user):  # type: ignore[arg-type]
                level = messages.SUCCESS if decided.status == "accepted" else messages.WARNING
                verdict = decided.get_status_display().lower()
                messages.add_message(
                    request, level, f"Your request for {describe(decided)} was {verdict}."
                )
