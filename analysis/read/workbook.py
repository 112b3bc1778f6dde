"""Read the tables of an .xlsx workbook, one sheet per table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import InputError
from analysis.read.columns import SPECS, checked_columns


def read_workbook(book: Path) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    try:
        # calamine (Rust) reads a workbook some eight times faster than openpyxl, and gives
        # the same text for every cell (tests/test_load.py compares the two).
        sheets = pd.read_excel(book, sheet_name=None, dtype=str, engine="calamine")
    except Exception as exc:  # a damaged file raises many types
        raise InputError(
            "malformed", book, expected="an .xlsx workbook", found=type(exc).__name__
        ) from None
    by_name = {name.strip().lower().removesuffix(".csv"): name for name in sheets}
    raw: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    for spec in SPECS.values():
        sheet = by_name.get(spec.name)
        where = f"{book} [sheet {spec.name}]"
        if sheet is None:
            if spec.needed:
                raise InputError("missing_file", where, expected=f"a sheet named {spec.name}")
            continue
        table = sheets[sheet]
        if len(table.columns) == 0:
            raise InputError("empty_file", where, expected="a header row")
        # read_excel keeps blank rows, so Excel's row number is the position plus the header.
        table = table.assign(source_row=np.arange(len(table)) + 2)
        raw[spec.name] = checked_columns(table, spec, where)
        files[spec.name] = where
    return raw, files
