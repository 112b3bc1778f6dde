"""Work side by side: results in the order given, errors as the first failing item raises."""

from __future__ import annotations

import threading
import time

import pytest

from analysis import _parallel
from analysis._parallel import SIDE_BY_SIDE_FROM, each, threads, together


def test_results_come_back_in_the_order_given_whatever_finishes_first():
    def slow_for_small(n: int) -> int:
        time.sleep(0.02 * (5 - n))
        return n * n

    assert each(slow_for_small, range(5), rows=SIDE_BY_SIDE_FROM) == [0, 1, 4, 9, 16]
    assert together(lambda: "a", lambda: "b", rows=SIDE_BY_SIDE_FROM) == ["a", "b"]


def test_the_first_failing_item_raises(monkeypatch):
    monkeypatch.setattr(_parallel, "WORKERS", 2)

    def fail_on_odd(n: int) -> int:
        if n % 2:
            raise ValueError(f"item {n}")
        return n

    with pytest.raises(ValueError, match="item 1"):
        each(fail_on_odd, range(6), rows=SIDE_BY_SIDE_FROM)


def test_small_work_and_one_thread_stay_in_the_calling_thread(monkeypatch):
    here = [threading.current_thread()] * 3
    monkeypatch.setattr(_parallel, "WORKERS", 2)
    # Small work stays in the calling thread; large work goes to others.
    assert each(lambda _: threading.current_thread(), range(3), rows=10) == here
    assert each(lambda _: threading.current_thread(), range(3), rows=SIDE_BY_SIDE_FROM) != here
    monkeypatch.setattr(_parallel, "WORKERS", 1)
    assert threads() == 1
    assert each(lambda _: threading.current_thread(), range(3), rows=SIDE_BY_SIDE_FROM) == here
    monkeypatch.setattr(_parallel, "WORKERS", None)
    assert threads() >= 1
