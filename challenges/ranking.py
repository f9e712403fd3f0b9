"""Leaderboard ranking exactly as grand-challenge ranks (contracts §B.6).

Pure functions over plain values: no ORM, so every rule is unit-testable with hand-computed
numbers. `services.evaluations_rank` feeds it the phase's successful evaluations and stores the
result.
"""

import statistics
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

# Stored values of the phase settings (GC's `evaluation/utils.py` choices).
ASCENDING = "asc"
DESCENDING = "desc"
ABSOLUTE = "abs"
MEAN = "avg"
MEDIAN = "med"
ALL = "all"
MOST_RECENT = "rec"
BEST = "bst"


@dataclass(frozen=True)
class Metric:
    path: str
    reverse: bool  # True: higher values are better (sorted descending)


@dataclass(frozen=True)
class Result:
    """One successful evaluation as the ranking sees it."""

    pk: Hashable
    creator: Hashable
    created: datetime
    metrics: Any  # the parsed metrics.json
    published: bool = True


@dataclass(frozen=True)
class Position:
    rank: int
    rank_score: float
    rank_per_metric: dict[str, int] = field(default_factory=dict)


UNRANKED = Position(rank=0, rank_score=0.0, rank_per_metric={})


def get_jsonpath(obj: Any, path: str) -> Any:
    """The value at a dotted path into nested dicts, or "" when any step is missing.

    GC's `get_jsonpath`: no list indexing (a list or scalar on the way gives "").
    """
    try:
        for key in str(path).split("."):
            obj = obj[key]
    except (KeyError, TypeError, IndexError):
        return ""
    return obj


def phase_metrics(
    *, score_jsonpath: str, score_default_sort: str, extra_results_columns: Sequence[Mapping]
) -> tuple[Metric, ...]:
    """The metrics a phase ranks on: the score first, then extra columns not excluded."""
    return (
        Metric(path=score_jsonpath, reverse=score_default_sort == DESCENDING),
        *(
            Metric(path=column["path"], reverse=column["order"] == DESCENDING)
            for column in extra_results_columns
            if not column.get("exclude_from_ranking", False)
        ),
    )


def invalid_metrics(*, metrics_json: Any, metrics: Iterable[Metric]) -> set[str]:
    """Paths whose value is not a number (bools count as numbers, as in GC)."""
    return {
        metric.path
        for metric in metrics
        if not isinstance(get_jsonpath(metrics_json, metric.path), (int, float))
    }


def scores_to_ranks(*, scores: Mapping[Hashable, Any], reverse: bool) -> dict[Hashable, int]:
    """Competition ranks (1, 2, 2, 4): equal scores share the rank of the first of them."""
    ordered = sorted(scores.items(), key=lambda item: item[1], reverse=reverse)
    ranks: dict[Hashable, int] = {}
    current_score: Any = None
    current_rank = 0
    for index, (pk, score) in enumerate(ordered):
        if index == 0 or score != current_score:
            current_score = score
            current_rank = index + 1
        ranks[pk] = current_rank
    return ranks


def scoring_function(scoring_method: str) -> Callable[[list[int]], float]:
    if scoring_method == ABSOLUTE:
        # The rank of the first (score) metric, not its raw value.
        return lambda ranks: ranks[0]
    if scoring_method == MEAN:
        return statistics.mean
    if scoring_method == MEDIAN:
        return statistics.median
    raise ValueError(f"Unknown scoring method {scoring_method!r}")


def rank_results(
    *, results: Sequence[Result], metrics: Sequence[Metric], scoring_method: str
) -> dict[Hashable, Position]:
    """Rank the results that have a number for every metric; the others are left out."""
    valid = [r for r in results if not invalid_metrics(metrics_json=r.metrics, metrics=metrics)]
    metric_ranks = {
        metric.path: scores_to_ranks(
            scores={r.pk: get_jsonpath(r.metrics, metric.path) for r in valid},
            reverse=metric.reverse,
        )
        for metric in metrics
    }
    rank_per_metric = {
        r.pk: {path: ranks[r.pk] for path, ranks in metric_ranks.items()} for r in valid
    }
    score = scoring_function(scoring_method)
    rank_scores = {
        pk: score(list(per_metric.values())) for pk, per_metric in rank_per_metric.items()
    }
    overall = scores_to_ranks(scores=rank_scores, reverse=False)
    return {
        pk: Position(
            rank=overall[pk],
            rank_score=float(rank_scores[pk]),
            rank_per_metric=rank_per_metric[pk],
        )
        for pk in rank_per_metric
    }


def _most_recent_per_creator(results: Sequence[Result]) -> list[Result]:
    seen: set[Hashable] = set()
    kept = []
    for r in results:
        if r.creator not in seen:
            seen.add(r.creator)
            kept.append(r)
    return kept


def _best_per_creator(
    results: Sequence[Result], positions: Mapping[Hashable, Position]
) -> list[Result]:
    best: dict[Hashable, Result] = {}
    for r in results:
        if r.pk not in positions:
            continue
        current = best.get(r.creator)
        # Strictly better only: among equal ranks the most recent (seen first) stays.
        if current is None or positions[r.pk].rank < positions[current.pk].rank:
            best[r.creator] = r
    return list(best.values())


def calculate_ranks(
    *,
    results: Iterable[Result],
    metrics: Sequence[Metric],
    scoring_method: str,
    result_display: str,
) -> dict[Hashable, Position]:
    """A position for every successful evaluation of a phase; unranked ones get rank 0."""
    everything = sorted(results, key=lambda r: r.created, reverse=True)
    candidates = [r for r in everything if r.published]
    if result_display == MOST_RECENT:
        candidates = _most_recent_per_creator(candidates)
    elif result_display == BEST:
        candidates = _best_per_creator(
            candidates,
            rank_results(results=candidates, metrics=metrics, scoring_method=scoring_method),
        )
    elif result_display != ALL:
        raise ValueError(f"Unknown result display {result_display!r}")
    positions = rank_results(results=candidates, metrics=metrics, scoring_method=scoring_method)
    return {r.pk: positions.get(r.pk, UNRANKED) for r in everything}


def format_metric(value: Any, *, decimal_places: int) -> str:
    """A metric as the leaderboard shows it: rounded half up; "" when not a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return ""
    try:
        quantum = Decimal(1).scaleb(-decimal_places)
        return str(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))
    except InvalidOperation:  # nan, inf
        return str(value)


@dataclass(frozen=True)
class Column:
    title: str
    path: str
    error_path: str = ""


def leaderboard_columns(
    *,
    score_title: str,
    score_jsonpath: str,
    score_error_jsonpath: str,
    extra_results_columns: Sequence[Mapping],
) -> list[Column]:
    """The score column then every extra column (excluded-from-ranking ones are still shown)."""
    return [
        Column(title=score_title, path=score_jsonpath, error_path=score_error_jsonpath),
        *(
            Column(
                title=column["title"], path=column["path"], error_path=column.get("error_path", "")
            )
            for column in extra_results_columns
        ),
    ]


def leaderboard_cells(
    *, metrics_json: Any, columns: Sequence[Column], decimal_places: int
) -> list[str]:
    """Each column's value, with "± error" where the column has an error path with a number."""
    cells = []
    for column in columns:
        cell = format_metric(get_jsonpath(metrics_json, column.path), decimal_places=decimal_places)
        if column.error_path:
            error = format_metric(
                get_jsonpath(metrics_json, column.error_path), decimal_places=decimal_places
            )
            if cell and error:
                cell = f"{cell} ± {error}"
        cells.append(cell)
    return cells


def ranking_metrics_only(metrics_json: Any, paths: Iterable[str]) -> dict:
    """Only the numbers at the ranking paths, nested as in metrics.json (what non-admins see
    when a phase does not display all metrics)."""
    kept: dict = {}
    for path in paths:
        value = get_jsonpath(metrics_json, path)
        if not isinstance(value, (int, float)):
            continue
        *parents, leaf = path.split(".")
        node = kept
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    return kept


# --- combined leaderboard (GC's CombinedLeaderboard over public phases) -------------------

COMBINATION_METHODS: dict[str, Callable[[list[int]], float]] = {
    "MEAN": statistics.mean,
    "MEDIAN": statistics.median,
    "SUM": sum,
}


@dataclass(frozen=True)
class PhaseRank:
    """A ranked (rank > 0), published, successful evaluation of one of the phases."""

    pk: Hashable
    creator: Hashable
    phase: Hashable
    created: datetime
    rank: int


@dataclass(frozen=True)
class CombinedRank:
    user: Hashable
    combined_rank: float
    rank: int
    created: datetime  # of the newest evaluation counted
    evaluations: dict[Hashable, Hashable]  # phase -> evaluation pk counted


def combined_ranks(
    *, evaluations: Iterable[PhaseRank], phases: Sequence[Hashable], combination_method: str
) -> list[CombinedRank]:
    """Per user the best-ranked evaluation of each phase; users missing a phase are left
    out; MEAN, MEDIAN or SUM of those ranks, then competition ranks ascending."""
    combine = COMBINATION_METHODS[combination_method]
    best: dict[Hashable, dict[Hashable, PhaseRank]] = {}
    for e in evaluations:
        if e.rank <= 0 or e.phase not in phases:
            continue
        per_phase = best.setdefault(e.creator, {})
        if e.phase not in per_phase or e.rank < per_phase[e.phase].rank:
            per_phase[e.phase] = e
    rows = [
        (user, combine([e.rank for e in per_phase.values()]), per_phase)
        for user, per_phase in best.items()
        if len(per_phase) == len(set(phases))
    ]
    rows.sort(key=lambda row: row[1])
    ranks = scores_to_ranks(scores={i: row[1] for i, row in enumerate(rows)}, reverse=False)
    return [
        CombinedRank(
            user=user,
            combined_rank=score,
            rank=ranks[i],
            created=max(e.created for e in per_phase.values()),
            evaluations={phase: e.pk for phase, e in per_phase.items()},
        )
        for i, (user, score, per_phase) in enumerate(rows)
    ]
