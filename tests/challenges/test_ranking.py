"""The leaderboard ranking (contracts §B.6) against hand-computed values."""

from collections.abc import Hashable
from datetime import UTC, datetime, timedelta

import pytest

from challenges.ranking import (
    Column,
    Metric,
    Position,
    Result,
    calculate_ranks,
    format_metric,
    get_jsonpath,
    invalid_metrics,
    leaderboard_cells,
    leaderboard_columns,
    phase_metrics,
    rank_results,
    scores_to_ranks,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def at(hours: int) -> datetime:
    return T0 + timedelta(hours=hours)


def result(pk, *, creator="u", hours=0, published=True, **metrics):  # type: ignore[no-untyped-def]
    return Result(pk=pk, creator=creator, created=at(hours), metrics=metrics, published=published)


DICE_HD = (Metric("dice", reverse=True), Metric("hd", reverse=False))


# --- jsonpath ------------------------------------------------------------------------------


def test_jsonpath_walks_nested_dicts() -> None:
    doc = {"aggregates": {"dice": {"mean": 0.81, "std": 0.1}}, "flag": True}
    assert get_jsonpath(doc, "aggregates.dice.mean") == 0.81
    assert get_jsonpath(doc, "aggregates.dice") == {"mean": 0.81, "std": 0.1}
    assert get_jsonpath(doc, "flag") is True


@pytest.mark.parametrize(
    "doc,path",
    [
        ({"a": {"b": 1}}, "a.c"),  # missing key
        ({"a": [1, 2]}, "a.0"),  # no list indexing
        ({"a": 1}, "a.b"),  # scalar on the way
        ([{"a": 1}], "a"),  # metrics.json that is a list
        (None, "a"),
        ({"a": 1}, ""),  # empty path
    ],
)
def test_jsonpath_gives_empty_string_when_a_step_is_missing(doc, path) -> None:  # type: ignore[no-untyped-def]
    assert get_jsonpath(doc, path) == ""


# --- metrics of a phase --------------------------------------------------------------------


def test_phase_metrics_score_first_then_extra_columns_not_excluded() -> None:
    metrics = phase_metrics(
        score_jsonpath="aggregates.dice.mean",
        score_default_sort="desc",
        extra_results_columns=[
            {"title": "HD", "path": "aggregates.hd.mean", "order": "asc"},
            {"title": "Time", "path": "time", "order": "asc", "exclude_from_ranking": True},
            {"title": "Sens", "path": "sens", "order": "desc", "exclude_from_ranking": False},
        ],
    )
    assert metrics == (
        Metric("aggregates.dice.mean", reverse=True),
        Metric("aggregates.hd.mean", reverse=False),
        Metric("sens", reverse=True),
    )


def test_ascending_score_is_not_reversed() -> None:
    assert phase_metrics(
        score_jsonpath="hd", score_default_sort="asc", extra_results_columns=[]
    ) == (Metric("hd", reverse=False),)


def test_invalid_metrics_are_the_non_numbers_and_booleans_count_as_numbers() -> None:
    assert invalid_metrics(metrics_json={"dice": "0.9", "hd": True}, metrics=DICE_HD) == {"dice"}
    assert invalid_metrics(metrics_json={"dice": 1}, metrics=DICE_HD) == {"hd"}
    assert invalid_metrics(metrics_json=[], metrics=DICE_HD) == {"dice", "hd"}
    assert invalid_metrics(metrics_json={"dice": 0, "hd": 0.0}, metrics=DICE_HD) == set()


# --- competition ranks ---------------------------------------------------------------------


def test_competition_ranks_share_a_rank_and_leave_a_gap_after_it() -> None:
    scores: dict[Hashable, int] = {"a": 5, "b": 3, "c": 3, "d": 1}
    assert scores_to_ranks(scores=scores, reverse=True) == {"a": 1, "b": 2, "c": 2, "d": 4}
    assert scores_to_ranks(scores=scores, reverse=False) == {"d": 1, "b": 2, "c": 2, "a": 4}
    assert scores_to_ranks(scores={"x": 0.5, "y": 0.5, "z": 0.5}, reverse=True) == {
        "x": 1,
        "y": 1,
        "z": 1,
    }
    assert scores_to_ranks(scores={}, reverse=True) == {}


# --- rank_results: the spec's worked example plus a missing and a non-numeric metric -------

WORKED = [
    result("A", dice=0.9, hd=5),
    result("B", dice=0.9, hd=3),
    result("C", dice=0.8, hd=4),
    result("D", dice=0.95),  # hd missing
    result("E", dice=0.99, hd="n/a"),  # hd not a number
]


def test_absolute_ranks_on_the_score_rank_with_a_tie() -> None:
    positions = rank_results(results=WORKED, metrics=DICE_HD, scoring_method="abs")
    assert positions == {
        "A": Position(rank=1, rank_score=1.0, rank_per_metric={"dice": 1, "hd": 3}),
        "B": Position(rank=1, rank_score=1.0, rank_per_metric={"dice": 1, "hd": 1}),
        "C": Position(rank=3, rank_score=3.0, rank_per_metric={"dice": 3, "hd": 2}),
    }


def test_mean_of_ranks() -> None:
    positions = rank_results(results=WORKED, metrics=DICE_HD, scoring_method="avg")
    assert {pk: (p.rank, p.rank_score) for pk, p in positions.items()} == {
        "A": (2, 2.0),
        "B": (1, 1.0),
        "C": (3, 2.5),
    }
    assert isinstance(positions["A"].rank_score, float)


def test_median_of_two_ranks_equals_the_mean() -> None:
    positions = rank_results(results=WORKED, metrics=DICE_HD, scoring_method="med")
    assert {pk: (p.rank, p.rank_score) for pk, p in positions.items()} == {
        "A": (2, 2.0),
        "B": (1, 1.0),
        "C": (3, 2.5),
    }


THREE_METRICS = (Metric("dice", True), Metric("hd", False), Metric("sens", True))
# dice: A1 B2 C3 · hd: B1 C2 A3 · sens: A1 C2 B3
# A (1,3,1) mean 5/3 median 1 · B (2,1,3) mean 2 median 2 · C (3,2,2) mean 7/3 median 2
THREE = [
    result("A", dice=0.9, hd=10, sens=0.9),
    result("B", dice=0.8, hd=1, sens=0.1),
    result("C", dice=0.7, hd=2, sens=0.5),
]


def test_three_metrics_mean_median_and_absolute_differ() -> None:
    avg = rank_results(results=THREE, metrics=THREE_METRICS, scoring_method="avg")
    med = rank_results(results=THREE, metrics=THREE_METRICS, scoring_method="med")
    ab = rank_results(results=THREE, metrics=THREE_METRICS, scoring_method="abs")
    assert {pk: p.rank_per_metric for pk, p in avg.items()} == {
        "A": {"dice": 1, "hd": 3, "sens": 1},
        "B": {"dice": 2, "hd": 1, "sens": 3},
        "C": {"dice": 3, "hd": 2, "sens": 2},
    }
    assert {pk: (p.rank, p.rank_score) for pk, p in avg.items()} == {
        "A": (1, pytest.approx(5 / 3)),
        "B": (2, 2.0),
        "C": (3, pytest.approx(7 / 3)),
    }
    # The median ties B and C at 2, so both take rank 2.
    assert {pk: (p.rank, p.rank_score) for pk, p in med.items()} == {
        "A": (1, 1.0),
        "B": (2, 2.0),
        "C": (2, 2.0),
    }
    assert {pk: (p.rank, p.rank_score) for pk, p in ab.items()} == {
        "A": (1, 1.0),
        "B": (2, 2.0),
        "C": (3, 3.0),
    }


def test_unknown_scoring_method_is_refused() -> None:
    with pytest.raises(ValueError, match="'xyz'"):
        rank_results(results=THREE, metrics=THREE_METRICS, scoring_method="xyz")


# --- calculate_ranks: published, all / most recent / best ----------------------------------

# u1: e1 (1h, .9) and e2 (3h, .5) · u2: e3 (2h, .7) · u3: e5 (0h, .6) and e4 (4h, dice missing)
# u4: e6 (5h, 1.0) unpublished.
DISPLAY = [
    result("e1", creator="u1", hours=1, dice=0.9),
    result("e2", creator="u1", hours=3, dice=0.5),
    result("e3", creator="u2", hours=2, dice=0.7),
    result("e4", creator="u3", hours=4, other=1),
    result("e5", creator="u3", hours=0, dice=0.6),
    result("e6", creator="u4", hours=5, dice=1.0, published=False),
]
DICE = (Metric("dice", True),)


def ranks_of(positions):  # type: ignore[no-untyped-def]
    return {pk: p.rank for pk, p in positions.items()}


def test_display_all_ranks_every_published_valid_result() -> None:
    positions = calculate_ranks(
        results=DISPLAY, metrics=DICE, scoring_method="abs", result_display="all"
    )
    assert ranks_of(positions) == {"e1": 1, "e2": 4, "e3": 2, "e4": 0, "e5": 3, "e6": 0}
    assert positions["e4"] == Position(rank=0, rank_score=0.0, rank_per_metric={})
    assert positions["e6"] == Position(rank=0, rank_score=0.0, rank_per_metric={})


def test_display_most_recent_keeps_each_creators_latest_even_when_it_is_invalid() -> None:
    positions = calculate_ranks(
        results=DISPLAY, metrics=DICE, scoring_method="abs", result_display="rec"
    )
    # u3's latest (e4) has no dice, so u3 is off the board; u4's only one is unpublished.
    assert ranks_of(positions) == {"e1": 0, "e2": 2, "e3": 1, "e4": 0, "e5": 0, "e6": 0}
    assert positions["e2"] == Position(rank=2, rank_score=2.0, rank_per_metric={"dice": 2})


def test_display_best_keeps_each_creators_best_ranked_and_reranks() -> None:
    positions = calculate_ranks(
        results=DISPLAY, metrics=DICE, scoring_method="abs", result_display="bst"
    )
    assert ranks_of(positions) == {"e1": 1, "e2": 0, "e3": 2, "e4": 0, "e5": 3, "e6": 0}


def test_display_best_tie_keeps_the_most_recent() -> None:
    results = [
        result("old", creator="u1", hours=1, dice=0.8),
        result("new", creator="u1", hours=2, dice=0.8),
        result("other", creator="u2", hours=0, dice=0.9),
    ]
    positions = calculate_ranks(
        results=results, metrics=DICE, scoring_method="abs", result_display="bst"
    )
    assert ranks_of(positions) == {"old": 0, "new": 2, "other": 1}


def test_display_best_with_mean_of_ranks() -> None:
    # u1: x (dice .9 hd 9) ranks (1,4)→2.5 and y (.8, 1) ranks (2,1)→1.5 · u2: z (.7, 2) (3,2)→2.5
    # w (.6, 3) u2 (4,3)→3.5. Best per user: u1 y, u2 z; re-ranked: y (1,1)→1, z (2,2)→2.
    results = [
        result("x", creator="u1", hours=1, dice=0.9, hd=9),
        result("y", creator="u1", hours=2, dice=0.8, hd=1),
        result("z", creator="u2", hours=3, dice=0.7, hd=2),
        result("w", creator="u2", hours=4, dice=0.6, hd=3),
    ]
    positions = calculate_ranks(
        results=results, metrics=DICE_HD, scoring_method="avg", result_display="bst"
    )
    assert positions == {
        "x": Position(0, 0.0, {}),
        "y": Position(1, 1.0, {"dice": 1, "hd": 1}),
        "z": Position(2, 2.0, {"dice": 2, "hd": 2}),
        "w": Position(0, 0.0, {}),
    }


def test_no_results_no_positions() -> None:
    assert (
        calculate_ranks(results=[], metrics=DICE, scoring_method="med", result_display="all") == {}
    )


# --- display -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,places,shown",
    [
        (0.12345, 4, "0.1235"),  # half up
        (0.81, 4, "0.8100"),
        (2, 2, "2.00"),
        (2.5, 0, "3"),
        ("0.5", 2, ""),
        (None, 2, ""),
        (True, 2, ""),
    ],
)
def test_format_metric(value, places, shown) -> None:  # type: ignore[no-untyped-def]
    assert format_metric(value, decimal_places=places) == shown


def test_leaderboard_cells_with_error_values_and_extra_columns() -> None:
    columns = leaderboard_columns(
        score_title="Dice",
        score_jsonpath="aggregates.dice.mean",
        score_error_jsonpath="aggregates.dice.std",
        extra_results_columns=[
            {
                "title": "HD",
                "path": "aggregates.hd.mean",
                "order": "asc",
                "error_path": "aggregates.hd.std",
            },
            {"title": "Time", "path": "time", "order": "asc", "exclude_from_ranking": True},
        ],
    )
    assert columns == [
        Column("Dice", "aggregates.dice.mean", "aggregates.dice.std"),
        Column("HD", "aggregates.hd.mean", "aggregates.hd.std"),
        Column("Time", "time", ""),
    ]
    metrics_json = {
        "aggregates": {"dice": {"mean": 0.81234, "std": 0.1}, "hd": {"mean": 3}},
        "time": 12.5,
    }
    assert leaderboard_cells(metrics_json=metrics_json, columns=columns, decimal_places=3) == [
        "0.812 ± 0.100",
        "3.000",
        "12.500",
    ]


def test_ranking_metrics_only_keeps_the_numbers_at_ranking_paths_nested() -> None:
    from challenges.ranking import ranking_metrics_only

    doc = {
        "aggregates": {"dice": {"mean": 0.8, "std": 0.1}, "hd": "n/a"},
        "results": [{"case": 1}],
        "auc": 0.9,
    }
    assert ranking_metrics_only(doc, ["aggregates.dice.mean", "aggregates.hd", "auc", "x.y"]) == {
        "aggregates": {"dice": {"mean": 0.8}},
        "auc": 0.9,
    }


# --- combined leaderboard ------------------------------------------------------------------


def test_combined_ranks_over_phases() -> None:
    from challenges.ranking import PhaseRank, combined_ranks

    def e(pk: str, user: str, phase: str, rank: int, hours: int = 0) -> PhaseRank:
        return PhaseRank(pk=pk, creator=user, phase=phase, created=at(hours), rank=rank)

    evaluations = [
        e("a1", "ann", "p1", 1, 1),
        e("a1b", "ann", "p1", 3, 5),  # ann's worse one in p1 is not counted
        e("a2", "ann", "p2", 3, 2),
        e("b1", "bob", "p1", 2, 1),
        e("b2", "bob", "p2", 2, 3),
        e("c1", "cat", "p1", 4, 1),
        e("c2", "cat", "p2", 1, 4),
        e("d1", "dan", "p1", 1, 1),  # dan misses p2: left out
        e("x", "eve", "p2", 0, 1),  # unranked: never counted
        e("h", "ann", "hidden", 1, 9),  # not one of the leaderboard's phases
    ]
    mean = combined_ranks(evaluations=evaluations, phases=["p1", "p2"], combination_method="MEAN")
    # ann (1+3)/2=2, bob (2+2)/2=2, cat (4+1)/2=2.5
    assert [(r.user, r.combined_rank, r.rank, r.evaluations) for r in mean] == [
        ("ann", 2, 1, {"p1": "a1", "p2": "a2"}),
        ("bob", 2, 1, {"p1": "b1", "p2": "b2"}),
        ("cat", 2.5, 3, {"p1": "c1", "p2": "c2"}),
    ]
    assert mean[0].created == at(2)
    total = combined_ranks(evaluations=evaluations, phases=["p1", "p2"], combination_method="SUM")
    assert [(r.user, r.combined_rank, r.rank) for r in total] == [
        ("ann", 4, 1),
        ("bob", 4, 1),
        ("cat", 5, 3),
    ]
    single = combined_ranks(evaluations=evaluations, phases=["p1"], combination_method="MEDIAN")
    assert [(r.user, r.rank) for r in single] == [("ann", 1), ("dan", 1), ("bob", 3), ("cat", 4)]
