"""Reads for algorithms and their images, always through object permissions."""

from django.db.models import Q, QuerySet

from algorithms.models import Algorithm, AlgorithmImage
from app.permissions import AnyUser, can, visible_to


def algorithms_for(*, user: AnyUser, slug: str | None = None) -> QuerySet[Algorithm]:
    """Algorithms the user may see: member of, or public ones when signed in."""
    visible = visible_to(user, Algorithm.objects.all())
    queryset = Algorithm.objects.all()
    if user.is_authenticated and user.is_active:
        queryset = queryset.filter(Q(pk__in=visible.values("pk")) | Q(public=True))
    else:
        queryset = queryset.none()
    if slug:
        queryset = queryset.filter(slug=slug)
    return queryset.prefetch_related("interfaces__inputs", "interfaces__outputs")


def editable_algorithms_for(*, user: AnyUser) -> QuerySet[Algorithm]:
    return visible_to(user, Algorithm.objects.all(), "change_algorithm")


def is_editor(*, user: AnyUser, algorithm: Algorithm) -> bool:
    return can(user, "change_algorithm", algorithm)


def images_for(*, user: AnyUser) -> QuerySet[AlgorithmImage]:
    """Images are for editors of their algorithm only (they hold the code)."""
    return AlgorithmImage.objects.filter(
        algorithm__in=editable_algorithms_for(user=user)
    ).select_related("algorithm")


def may_run(*, user: AnyUser, algorithm: Algorithm) -> bool:
    """Members (users, editors) run an algorithm; a public one, anyone signed in."""
    if not user.is_authenticated or not user.is_active:
        return False
    return algorithm.public or can(user, "execute_algorithm", algorithm)
