"""Pages of challenges (so far: a phase's leaderboard). Reads through `selectors`, as the
API does, so a page shows no more than the API would."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from challenges import selectors


def leaderboard(request: HttpRequest, slug: str, phase_slug: str) -> HttpResponse:
    phase = get_object_or_404(
        selectors.phases_visible_to(request.user).select_related("challenge"),
        challenge__slug=slug,
        slug=phase_slug,
    )
    titles, rows = selectors.leaderboard_table(phase=phase, user=request.user)
    return render(
        request,
        "challenges/leaderboard.html",
        {"phase": phase, "challenge": phase.challenge, "titles": titles, "rows": rows},
    )
