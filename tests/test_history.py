"""engine.history: a run's metrics in bounded memory, evenly thinned, the latest steps exact."""

from __future__ import annotations

import itertools

import pytest

from engine.history import History


def check_summary(kept: list[int], total: int, capacity: int, exact: int) -> None:
    """What any History of steps 1..total must look like."""
    assert len(kept) <= capacity
    assert kept[-exact:] == list(range(total - exact + 1, total + 1)), "the latest steps, each of them"
    older = kept[:-exact]
    assert older[0] == 1, "the start of the run stays"
    gaps = {b - a for a, b in itertools.pairwise(older)}
    assert len(gaps) == 1, f"the older part is evenly spaced, not {sorted(gaps)}"
    stride = gaps.pop()
    assert kept[-exact] - older[-1] <= stride, "no hole between the thinned part and the exact part"
    assert len(older) >= (capacity - exact) // 2, "the older part uses at least half its room"


@pytest.mark.parametrize("total", [1, 7, 40, 41, 100, 1_000, 12_345, 100_000])
def test_any_length_is_bounded_even_and_ends_exact(total):
    history = History(capacity=40, exact=10, entries=range(1, total + 1))
    kept = list(history)
    if total <= 40:
        assert kept == list(range(1, total + 1))
    else:
        check_summary(kept, total, 40, 10)
    assert len(history) == len(kept) and history[-1] == total and history[0] == 1


def test_a_first_and_last_summary_would_fail():
    """The control: the check above refuses what the old weak test accepted."""
    with pytest.raises(AssertionError):
        check_summary([1, *range(91, 101)], 100, 40, 10)
    with pytest.raises(AssertionError):
        check_summary([1, 2, 3, 50, *range(91, 101)], 100, 40, 10)


def test_reads_like_a_list():
    history = History(capacity=10, exact=3, entries=range(5))
    assert history == [0, 1, 2, 3, 4] and history[1:3] == [1, 2] and history[-2] == 3
    history.clear()
    assert history == [] and len(history) == 0
    with pytest.raises(IndexError):
        history[0]


def test_memory_stays_flat_over_a_long_run():
    """100,000 steps keep no more entries than 1,000 do (the capacity)."""
    history = History(capacity=2_000)
    history.extend(range(100_000))
    assert len(history) <= 2_000 and history.stride >= 64
