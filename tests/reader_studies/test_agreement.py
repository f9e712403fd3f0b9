"""Agreement statistics against published worked examples."""

import pytest

from reader_studies import agreement


def test_cohen_kappa_of_the_standard_two_by_two_example():
    # 50 cases: both yes 20, A yes B no 5, A no B yes 10, both no 15 (the example in
    # Wikipedia's "Cohen's kappa"): po = 0.7, pe = 0.5*0.6 + 0.5*0.4 = 0.5, kappa = 0.4
    pairs = [("y", "y")] * 20 + [("y", "n")] * 5 + [("n", "y")] * 10 + [("n", "n")] * 15
    assert agreement.cohen_kappa(pairs) == pytest.approx(0.4)
    assert agreement.cohen_kappa([]) is None
    assert agreement.cohen_kappa([("y", "y"), ("y", "y")]) is None  # no chance to disagree


FLEISS_TABLE = [  # 10 cases, 14 readers, 5 categories (Wikipedia's "Fleiss' kappa" example)
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def test_fleiss_kappa_of_the_textbook_table():
    # P-bar = 0.378, Pe-bar = 0.213 -> kappa = 0.210
    assert agreement.fleiss_kappa(FLEISS_TABLE) == pytest.approx(0.2099, abs=1e-4)
    with pytest.raises(ValueError, match="same number"):
        agreement.fleiss_kappa([[1, 1], [2, 1]])


def test_category_counts_rebuild_the_table_from_answers():
    rows = [["a", "a", "b"], ["b", "b", "b"]]
    assert agreement.category_counts(rows) == [[2, 1], [0, 3]]
    # with two readers, Fleiss equals Scott's pi; here all agree -> 1
    assert agreement.fleiss_kappa(agreement.category_counts([["a", "a"], ["b", "b"]])) == 1


SHROUT_FLEISS = [  # 6 targets x 4 judges, Shrout & Fleiss (1979) table 2
    [9, 2, 5, 8],
    [6, 1, 3, 2],
    [8, 4, 6, 8],
    [7, 1, 2, 6],
    [10, 5, 6, 9],
    [6, 2, 4, 7],
]


def test_icc_2_1_of_shrout_and_fleiss_table():
    # BMS 11.24, JMS 32.49, EMS 1.02: ICC(2,1) = 0.29 as published
    assert agreement.icc_2_1(SHROUT_FLEISS) == pytest.approx(0.2898, abs=1e-3)
    assert agreement.icc_2_1([[1, 2]]) is None


def test_complete_cases_and_mean_pairwise():
    answers = {"c1": {"ann": 1, "bob": 1}, "c2": {"ann": 2}, "c3": {"ann": 3, "bob": 4}}
    assert agreement.complete_cases(answers, ["ann", "bob"]) == [[1, 1], [3, 4]]
    rows = [[1, 1, 2], [3, 3, 3]]
    # pairs per case: (1,1) (1,2) (1,2) and three (3,3): equal pairs 4 of 6
    assert agreement.mean_pairwise(rows, lambda a, b: float(a == b)) == pytest.approx(4 / 6)
