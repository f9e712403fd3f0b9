"""Segments of label maps: found across the whole image, not only its first part."""

import numpy as np

from cases.builders import segments
from cases.builders.segments import MAX_SEGMENTS, label_values


def test_values_spread_over_many_chunks_are_all_found(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(segments, "_CHUNK", 1000)
    array = np.zeros((10, 100, 100), dtype=np.int16)
    array[9, 99, 99] = 200  # only in the last chunk
    array[0, 0, 0] = -5
    assert label_values(array) == [-5, 0, 200]


def test_more_values_than_a_label_map_holds_is_no_label_map(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(segments, "_CHUNK", 1000)
    array = np.zeros(10_000, dtype=np.uint16)
    # each chunk alone holds few values; together they pass the limit
    array[::1000] = np.arange(1, 11) * 7000
    array[1::1000] = np.arange(1, 11) * 6000
    for i in range(MAX_SEGMENTS):
        array[(i % 10) * 1000 + 2 + i] = 100 + i
    assert label_values(array) is None
    assert label_values(array[:MAX_SEGMENTS]) is not None


def test_wide_range_of_few_values_is_a_label_map() -> None:
    array = np.array([0, 60000, 0, 60000, 1], dtype=np.uint16)
    assert label_values(array) == [0, 1, 60000]
    assert label_values(np.zeros(3, dtype=np.float32)) is None
    assert label_values(np.zeros(0, dtype=np.uint8)) is None
