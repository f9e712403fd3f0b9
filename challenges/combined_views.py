"""Combined leaderboard pages: the ranking over several phases, each participant's phase
ranks beside the combined figure (reads through `selectors`, as the API does), and the
admin pages that list, create, change and delete them (404 to non-admins, as the admin
API is to them)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from app.http import request_user
from challenges import combined_services, selectors
from challenges.admin_views import administered_challenge
from challenges.forms import CombinedLeaderboardForm, add_service_errors
from challenges.models import CombinedLeaderboard
from challenges.site_views import posted, site_context, visible_challenge


def combined_leaderboard(request: HttpRequest, slug: str, board_slug: str) -> HttpResponse:
    challenge = visible_challenge(request, slug)
    board = get_object_or_404(
        selectors.combined_leaderboards_visible_to(challenge=challenge, user=request.user),
        slug=board_slug,
    )
    context = site_context(request, challenge, "phases")
    context.update(
        {
            "board": board,
            "phases": selectors.combined_phases(board),
            "rows": selectors.combined_leaderboard_rows(board=board, user=request.user),
            "teams": selectors.uses_teams(challenge),
        }
    )
    return render(request, "challenges/combined_leaderboard.html", context)


@login_required
def admin_list(request: HttpRequest, slug: str) -> HttpResponse:
    challenge = administered_challenge(request, slug)
    context = site_context(request, challenge, "admin")
    context["boards"] = selectors.combined_leaderboards_visible_to(
        challenge=challenge, user=request.user
    )
    return render(request, "challenges/admin/combined_leaderboards.html", context)


@login_required
def admin_edit(request: HttpRequest, slug: str, board_slug: str = "") -> HttpResponse:
    """Create (no board_slug) or change a combined leaderboard; POST action=delete removes it."""
    challenge = administered_challenge(request, slug)
    board = (
        get_object_or_404(CombinedLeaderboard, challenge=challenge, slug=board_slug)
        if board_slug
        else None
    )
    actor = request_user(request)
    if board and request.method == "POST" and request.POST.get("action") == "delete":
        combined_services.combined_leaderboard_delete(board=board, actor=actor, request=request)
        messages.success(request, f"Combined leaderboard {board.title} deleted.")
        return redirect("challenges:combined-leaderboards", slug=slug)
    form = CombinedLeaderboardForm(
        posted(request)[0],
        # a copy: the form writes posted values into its instance, the page shows the saved one
        instance=CombinedLeaderboard.objects.get(pk=board.pk) if board else None,
        challenge=challenge,
    )
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "phases"}
        try:
            saved = combined_services.combined_leaderboard_save(
                challenge=challenge,
                actor=actor,
                board=CombinedLeaderboard.objects.get(pk=board.pk) if board else None,
                fields=fields,
                phases=list(form.cleaned_data["phases"]),
                request=request,
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, f"Combined leaderboard {saved.title} saved.")
            return redirect("challenges:combined-leaderboard", slug=slug, board_slug=saved.slug)
    context = site_context(request, challenge, "admin")
    context.update(form=form, board=board)
    return render(request, "challenges/admin/combined_leaderboard_form.html", context)
