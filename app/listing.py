"""One way for every list page to search, filter, sort and paginate from GET parameters.

A view describes its list with a `Listing` (which fields the search looks in, its filters,
its sort orders) and calls `list_page`; the template includes `app/_list_controls.html`
(the form) and `app/_pager.html` (page links that keep the query). Unknown or malformed
parameters never raise: a bad date is named in the form and ignored, an unknown sort or
choice falls back to the default.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import Model, Q, QuerySet
from django.db.models.expressions import OrderBy

M = TypeVar("M", bound=Model)

SEARCH_MAX_CHARS = 200


@dataclass(frozen=True)
class Sort:
    key: str  # the value of ?sort=
    label: str
    order_by: tuple[str | OrderBy, ...]


@dataclass(frozen=True)
class Choice:
    """A select: rows whose `lookup` equals the chosen value (or, when `lookup` is a
    function, rows matching the Q it makes of the value); '' (any) by default."""

    name: str
    label: str
    choices: Sequence[tuple[str, str]]
    lookup: str | Callable[[str], Q]
    any_label: str = "Any"


@dataclass(frozen=True)
class Toggle:
    """A checkbox; unticked, `unless_ticked` narrows the rows (e.g. hides deleted uploads)."""

    name: str
    label: str
    unless_ticked: Callable[[QuerySet[Any]], QuerySet[Any]]


@dataclass(frozen=True)
class Listing:
    noun: str  # "images", for labels and the result count
    sorts: Sequence[Sort]  # the first is the default
    search_fields: Sequence[str] = ()
    search_label: str = "Search"
    filters: Sequence[Choice | Toggle] = ()
    date_field: str | None = "created"
    per_page: int = 25

    @property
    def noun_one(self) -> str:
        """'image' for 'images': every list noun here is a plain plural."""
        return self.noun.removesuffix("s")


@dataclass
class Control:
    """One field of the form as the template renders it."""

    name: str
    label: str
    kind: str  # "search", "select", "checkbox", "date"
    value: str
    options: list[tuple[str, str, bool]] = field(default_factory=list)
    error: str = ""


@dataclass
class ListPage(Generic[M]):
    page: Page  # type: ignore[type-arg]
    controls: list[Control]
    query: str  # the GET query without the page number, url-encoded
    active: bool  # whether any search or filter narrows the rows
    listing: Listing

    @property
    def values(self) -> dict[str, str]:
        """The form's values by parameter name, for templates."""
        return {c.name: c.value for c in self.controls}

    @property
    def rows(self) -> list[M]:
        return list(self.page.object_list)

    @property
    def page_links(self) -> list[tuple[int | str, str]]:
        """(number or '…', url) for the pager, eliding long ranges."""
        links: list[tuple[int | str, str]] = []
        for number in self.page.paginator.get_elided_page_range(self.page.number):
            links.append((number, self.url_for(number) if isinstance(number, int) else ""))
        return links

    def url_for(self, number: int) -> str:
        return "?" + "&".join(part for part in (self.query, f"page={number}") if part)

    @property
    def previous_url(self) -> str:
        return self.url_for(self.page.previous_page_number()) if self.page.has_previous() else ""

    @property
    def next_url(self) -> str:
        return self.url_for(self.page.next_page_number()) if self.page.has_next() else ""


def _date(raw: str, label: str) -> tuple[date | None, str]:
    if not raw:
        return None, ""
    try:
        return date.fromisoformat(raw), ""
    except ValueError:
        return None, f"{label}: “{raw[:20]}” is not a date; use YYYY-MM-DD."


def _narrow(queryset: QuerySet[M], condition: Q) -> QuerySet[M]:
    """Rows matching condition, through a subquery: a condition across a to-many relation
    (an item's image names) would repeat rows if joined into the listed query."""
    return queryset.filter(pk__in=queryset.model._default_manager.filter(condition).values("pk"))


def list_page(*, params: Mapping[str, str], queryset: QuerySet[M], listing: Listing) -> ListPage[M]:
    """Apply the search, filters, dates and sort in `params` (request.GET) and paginate."""
    kept: dict[str, str] = {}
    controls: list[Control] = []
    active = False

    q = str(params.get("q", "")).strip()[:SEARCH_MAX_CHARS]
    if listing.search_fields:
        controls.append(Control("q", listing.search_label, "search", q))
        if q:
            match = Q()
            for name in listing.search_fields:
                match |= Q(**{f"{name}__icontains": q})
            queryset = _narrow(queryset, match)
            kept["q"], active = q, True

    for spec in listing.filters:
        raw = str(params.get(spec.name, ""))
        if isinstance(spec, Toggle):
            ticked = raw in ("1", "on", "true")
            controls.append(Control(spec.name, spec.label, "checkbox", "1" if ticked else ""))
            if ticked:
                kept[spec.name] = "1"
            else:
                queryset = spec.unless_ticked(queryset)
            continue
        valid = {value for value, _ in spec.choices}
        value = raw if raw in valid else ""
        options = [("", spec.any_label, value == "")] + [
            (v, label, v == value) for v, label in spec.choices
        ]
        controls.append(Control(spec.name, spec.label, "select", value, options))
        if value:
            lookup = spec.lookup
            queryset = _narrow(
                queryset, lookup(value) if callable(lookup) else Q(**{lookup: value})
            )
            kept[spec.name], active = value, True

    if listing.date_field:
        for name, label, lookup in (
            ("from", "From", "gte"),
            ("to", "To", "lte"),
        ):
            raw = str(params.get(name, "")).strip()
            day, error = _date(raw, label)
            controls.append(Control(name, label, "date", raw if day else "", error=error))
            if day is not None:
                queryset = queryset.filter(**{f"{listing.date_field}__date__{lookup}": day})
                kept[name], active = day.isoformat(), True

    sorts = {s.key: s for s in listing.sorts}
    chosen = sorts.get(str(params.get("sort", "")), listing.sorts[0])
    controls.append(
        Control(
            "sort",
            "Sort by",
            "select",
            chosen.key,
            [(s.key, s.label, s is chosen) for s in listing.sorts],
        )
    )
    if chosen is not listing.sorts[0]:
        kept["sort"] = chosen.key
    # the primary key breaks ties, so rows never repeat or vanish between pages
    queryset = queryset.order_by(*chosen.order_by, "pk")

    page = Paginator(queryset, listing.per_page).get_page(params.get("page"))
    return ListPage(
        page=page, controls=controls, query=urlencode(kept), active=active, listing=listing
    )
