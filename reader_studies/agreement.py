"""Inter-reader agreement (beyond GC): pure functions, no ORM.

- `cohen_kappa`: two readers, categorical answers (Cohen 1960).
- `fleiss_kappa`: any number of readers, the same number per case (Fleiss 1971).
- `icc_2_1`: numbers; two-way random effects, absolute agreement, single rater
  (Shrout & Fleiss 1979, ICC(2,1)).
- `mean_pairwise`: drawings; the mean of a pair score (IoU, Dice, ...) over every pair of
  readers of every case.

Each takes only cases that every reader answered (`complete_cases`): kappa and ICC are
defined on a full cases x readers table. Undefined values (no cases, no variance) are None.
"""

from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from itertools import combinations
from typing import Any

import numpy as np


def complete_cases(answers: dict[Any, dict[Any, Any]], readers: Sequence[Any]) -> list[list[Any]]:
    """{case: {reader: answer}} -> rows of the readers' answers for cases all answered."""
    return [
        [by_reader[r] for r in readers]
        for _, by_reader in sorted(answers.items(), key=lambda kv: str(kv[0]))
        if all(r in by_reader for r in readers)
    ]


def cohen_kappa(pairs: Sequence[tuple[Hashable, Hashable]]) -> float | None:
    """kappa = (po - pe) / (1 - pe) for two readers' categories per case."""
    n = len(pairs)
    if n == 0:
        return None
    po = sum(a == b for a, b in pairs) / n
    first = Counter(a for a, _ in pairs)
    second = Counter(b for _, b in pairs)
    pe = sum(first[c] * second[c] for c in first) / (n * n)
    if pe == 1:
        return None  # both readers always gave one and the same category
    return (po - pe) / (1 - pe)


def category_counts(rows: Sequence[Sequence[Hashable]]) -> list[list[int]]:
    """Cases x readers categories -> cases x categories counts (Fleiss' table)."""
    categories = sorted({c for row in rows for c in row}, key=repr)
    return [[Counter(row)[c] for c in categories] for row in rows]


def fleiss_kappa(counts: Sequence[Sequence[int]]) -> float | None:
    """Fleiss' kappa from a cases x categories table of how many readers chose each."""
    table = np.array(counts, dtype=float)
    if table.size == 0:
        return None
    n_cases = table.shape[0]
    raters = table.sum(axis=1)
    if raters.min() != raters.max() or raters[0] < 2:
        raise ValueError("Fleiss' kappa needs the same number (two or more) of readers per case.")
    m = raters[0]
    p_j = table.sum(axis=0) / (n_cases * m)
    p_i = ((table * table).sum(axis=1) - m) / (m * (m - 1))
    p_bar, pe_bar = float(p_i.mean()), float((p_j * p_j).sum())
    if pe_bar == 1:
        return None
    return (p_bar - pe_bar) / (1 - pe_bar)


def icc_2_1(rows: Sequence[Sequence[float]]) -> float | None:
    """ICC(2,1) of a cases x readers table of numbers:
    (BMS - EMS) / (BMS + (k - 1) EMS + k (JMS - EMS) / n)."""
    x = np.array(rows, dtype=float)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 2:
        return None
    n, k = x.shape
    grand = x.mean()
    ss_rows = k * float(((x.mean(axis=1) - grand) ** 2).sum())
    ss_cols = n * float(((x.mean(axis=0) - grand) ** 2).sum())
    ss_err = float(((x - grand) ** 2).sum()) - ss_rows - ss_cols
    bms = ss_rows / (n - 1)
    jms = ss_cols / (k - 1)
    ems = ss_err / ((n - 1) * (k - 1))
    denominator = bms + (k - 1) * ems + k * (jms - ems) / n
    if denominator == 0:
        return None
    return (bms - ems) / denominator


def mean_pairwise(
    rows: Sequence[Sequence[Any]], pair_score: Callable[[Any, Any], float | None]
) -> float | None:
    """Mean of pair_score over every pair of readers within each case (None scores skipped)."""
    scores = [
        s for row in rows for a, b in combinations(row, 2) if (s := pair_score(a, b)) is not None
    ]
    return sum(scores) / len(scores) if scores else None
