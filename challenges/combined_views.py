"""The combined leaderboard page: one ranking over several phases, each participant's
phase ranks beside the combined figure. Reads through `selectors`, as the API does."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from challenges import selectors


def combined_leaderboard(request: HttpRequest, slug: str, board_slug: str) -> HttpResponse:
    challenge = get_object_or_404(selectors.challenges_visible_to(request.user), slug=slug)
    board = get_object_or_404(
        selectors.combined_leaderboards_visible_to(challenge=challenge, user=request.user),
        slug=board_slug,
    )
    return render(
        request,
        "challenges/combined_leaderboard.html",
        {
            "challenge": challenge,
            "board": board,
            "phases": selectors.combined_phases(board),
            "rows": selectors.combined_leaderboard_rows(board=board, user=request.user),
            "teams": selectors.uses_teams(challenge),
        },
    )
