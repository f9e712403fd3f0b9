"""A phase's leaderboard page, one of the challenge site's pages (its tabs on top). Reads
through `selectors`, as the API does, so a page shows no more than the API would."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from challenges import leaderboard_display, selectors
from challenges.site_views import site_context


def leaderboard(request: HttpRequest, slug: str, phase_slug: str) -> HttpResponse:
    """The ranked results, sortable by any column (`?sort=<column>&order=asc|desc`), a plot
    of the scores over time, and `?format=csv` with the columns shown."""
    phase = get_object_or_404(
        selectors.phases_visible_to(request.user).select_related("challenge"),
        challenge__slug=slug,
        slug=phase_slug,
    )
    titles, rows = selectors.leaderboard_table(phase=phase, user=request.user)
    cols = leaderboard_display.columns(
        titles=titles,
        algorithm_phase=phase.is_algorithm_phase,
        teams=selectors.uses_teams(phase.challenge),
    )
    if request.GET.get("format") == "csv":
        response = HttpResponse(
            leaderboard_display.csv_text(rows=rows, cols=cols), content_type="text/csv"
        )
        response["Content-Disposition"] = f'attachment; filename="{phase.slug}-leaderboard.csv"'
        return response
    sort = request.GET.get("sort", "rank")
    descending = request.GET.get("order") == "desc"
    shown = leaderboard_display.sort_rows(rows, cols=cols, key=sort, descending=descending)
    headers = []
    for col in cols:
        current = col.key == sort
        order = "asc" if current and descending else ("desc" if current else "asc")
        headers.append(
            {
                "title": col.title,
                "href": f"?sort={col.key}&order={order}",
                "aria_sort": ("descending" if descending else "ascending") if current else "",
            }
        )
    context = site_context(request, phase.challenge, "phases")
    context.update(
        {
            "phase": phase,
            "headers": headers,
            "rows": [leaderboard_display.cells(row, cols) for row in shown],
            "sort": sort,
            "descending": descending,
            "plot": leaderboard_display.score_plot(
                rows,
                score_title=phase.score_title,
                higher_is_better=phase.score_default_sort == phase.Sort.DESCENDING,
            ),
        }
    )
    return render(request, "challenges/leaderboard.html", context)
