"""Independent pieces of work side by side, one thread per core.

numpy, pyarrow and pandas' hashing release the GIL while they work through a column, so
two threads over independent columns (or rules, or tables) take little more than half the
time on two cores. Results come back in the order the work was given, whatever finished
first, so that nothing downstream depends on timing.

FUND_ANALYSIS_THREADS=1 runs everything in order, in the calling thread: for a debugger,
a profile or a busy machine.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

THREADS_ENV = "FUND_ANALYSIS_THREADS"

Item = TypeVar("Item")
Result = TypeVar("Result")


def threads() -> int:
    """Return how many threads to use: FUND_ANALYSIS_THREADS, else the usable cores."""
    given = os.environ.get(THREADS_ENV, "").strip()
    if given.isdigit() and int(given) > 0:
        return int(given)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def each(function: Callable[[Item], Result], items: Iterable[Item]) -> list[Result]:
    """Return [function(item) for item in items], worked out side by side."""
    items = list(items)
    workers = min(threads(), len(items))
    if workers <= 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fund-analysis") as pool:
        return list(pool.map(function, items))


def together(*calls: Callable[[], object]) -> list:
    """Return the results of calls that take no arguments, worked out side by side."""
    return each(lambda call: call(), calls)
