"""Independent pieces of work side by side, one thread per core.

numpy, pyarrow and pandas' hashing release the GIL while they work through a column, so
two threads over independent columns (or rules, or tables) take little more than half the
time on two cores. Results come back in the order the work was given, whatever finished
first, so that nothing downstream depends on timing.

Threads pay for themselves only on large tables: below SIDE_BY_SIDE_FROM rows of work,
handing the pieces to threads costs more than they save (measured: check on 1,000
projects took 0.14 s on two threads, 0.08 s on one), and everything runs in order.
Results do not depend on the number of threads (tests/test_generate.py compares one with
two); nothing outside this module needs to know that threads are used.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

SIDE_BY_SIDE_FROM = 100_000  # rows of work
WORKERS: int | None = None  # None: one per usable core (a test sets 1 to compare)

Item = TypeVar("Item")
Result = TypeVar("Result")


def threads() -> int:
    """Return how many threads to use: one per usable core."""
    if WORKERS is not None:
        return WORKERS
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def each(function: Callable[[Item], Result], items: Iterable[Item], *, rows: int) -> list[Result]:
    """Return [function(item) for item in items], worked out side by side.

    rows: how many rows each item's work goes through (side by side only from
    SIDE_BY_SIDE_FROM).
    """
    items = list(items)
    workers = min(threads(), len(items)) if rows >= SIDE_BY_SIDE_FROM else 1
    if workers <= 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fund-analysis") as pool:
        return list(pool.map(function, items))


def together(*calls: Callable[[], object], rows: int) -> list:
    """Return the results of calls that take no arguments, worked out side by side."""
    return each(lambda call: call(), calls, rows=rows)
