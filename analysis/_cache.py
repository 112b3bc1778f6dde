"""One run's loaded, measured and checked data, left once for all of its kernels.

`fund-analysis run` has loaded, checked and measured the data before its notebooks start;
each notebook would otherwise do the same work again. The run writes the result here and
names the file in SESSION_CACHE_ENV for the kernels it starts; a notebook opened on exactly
the same data and filters reads it, any other notebook loads the data as usual.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

from analysis.config import SESSION_CACHE_ENV


def write_cache(path: Path, data: str, ds, measures, findings) -> None:
    """Leave a run's loaded, measured and checked data (unfiltered) for its kernels."""
    partial = path.with_suffix(".partial")
    with partial.open("wb") as handle:
        record = {"key": (data, "", 0), "ds": ds, "measures": measures, "findings": findings}
        pickle.dump(record, handle, protocol=pickle.HIGHEST_PROTOCOL)
    partial.replace(path)  # a kernel never reads half a file


def read_cache(key: tuple[str, str, int]) -> dict | None:
    """Return what `fund-analysis run` cached for exactly this data and filter, if anything.

    Only a run sets SESSION_CACHE_ENV, pointing at a file it wrote itself; without it, or
    for other data, the notebook loads and measures the data as usual.
    """
    path = os.environ.get(SESSION_CACHE_ENV)
    if not path:
        return None
    try:
        with open(path, "rb") as handle:
            record = pickle.load(handle)
    except OSError:  # not written yet: this kernel started first
        return None
    return record if record["key"] == key else None
