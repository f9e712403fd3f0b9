"""Reads for tokens, the audit log and the creator groups."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import Group, User
from django.db.models import QuerySet
from django.utils import timezone

from app.models import ApiToken, AuditRecord
from app.permissions import CREATOR_GROUPS


def tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    actor: str = ""  # user name, exact (case-insensitive)
    object_type: str = ""  # model label, e.g. "algorithms.Algorithm"
    since: date | None = None
    until: date | None = None  # inclusive


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_records(f: AuditFilter) -> QuerySet[AuditRecord]:
    records = AuditRecord.objects.select_related("actor").order_by("-created", "-pk")
    if f.action:
        records = records.filter(action=f.action)
    if f.actor:
        records = records.filter(actor_name__iexact=f.actor)
    if f.object_type:
        records = records.filter(object_type__iexact=f.object_type)
    if f.since:
        records = records.filter(created__gte=_start_of(f.since))
    if f.until:
        records = records.filter(created__lt=_start_of(f.until) + timedelta(days=1))
    return records


def audit_object_types() -> list[str]:
    return sorted(
        t
        for t in AuditRecord.objects.values_list("object_type", flat=True).distinct()
        if t  # records without an object (sign-in) have none
    )


def creator_groups() -> QuerySet[Group]:
    return Group.objects.filter(name__in=CREATOR_GROUPS.values()).order_by("name")
