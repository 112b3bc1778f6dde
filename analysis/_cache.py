"""One run's loaded, measured and checked data, left once for all of its notebooks.

`fund-analysis run` has loaded, checked and measured the data before its notebooks start;
each notebook would otherwise do the same work again. The run leaves the result in the
report folder it is building (the notebooks' output folder), and removes it before the
folder is swapped in. A notebook opened with that output folder, on exactly the same
data (path, sizes and modification times of its files) and without a filter of its own,
reads it; any other notebook loads the data as usual, so the cache can never serve stale
or other data.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

NAME = ".fund-analysis-session.pickle"


def fingerprint(data: str, files: dict[str, str]) -> tuple:
    """Return what identifies a data set on disk: its path, and each file's size and mtime."""
    stamps = []
    for where in sorted(set(files.values())):
        path = where.split(" [sheet ")[0]  # a workbook's tables name their sheet
        try:
            stat = os.stat(path)
        except OSError:
            return (data, None)
        stamps.append((path, stat.st_size, stat.st_mtime_ns))
    return (data, tuple(sorted(set(stamps))))


def write_cache(folder: Path, key: tuple, ds, measures, findings) -> Path:
    """Leave a run's loaded, measured and checked data (unfiltered) in folder; return the file."""
    path = folder / NAME
    partial = path.with_suffix(".partial")
    with partial.open("wb") as handle:
        record = {"key": key, "ds": ds, "measures": measures, "findings": findings}
        pickle.dump(record, handle, protocol=pickle.HIGHEST_PROTOCOL)
    partial.replace(path)  # a kernel never reads half a file
    return path


def read_cache(folder: str | Path, data: str) -> dict | None:
    """Return what a run left in folder for exactly this data, if anything."""
    path = Path(folder) / NAME
    try:
        with path.open("rb") as handle:
            record = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError):
        return None
    ds = record.get("ds")
    if ds is None or record.get("key") != fingerprint(data, ds.files):
        return None
    return record
