"""Read the tables of an .xlsx workbook, one sheet per table, once bounds.py has let it in."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import InputError
from analysis.read.bounds import (
    MAX_WORKBOOK_UNPACKED,
    WORKBOOK_EXPECTED,
    check_workbook,
    file_bytes,
)
from analysis.read.columns import SPECS, checked_columns


def read_workbook(book: Path) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Return the raw tables of the workbook's sheets named like the tables, keyed by table."""
    data = file_bytes(book, limit=MAX_WORKBOOK_UNPACKED, expected=WORKBOOK_EXPECTED)
    check_workbook(str(book), data)
    try:
        # calamine (Rust) reads a workbook some eight times faster than openpyxl, and gives
        # the same text for every cell (tests/test_load.py compares the two).
        with pd.ExcelFile(io.BytesIO(data), engine="calamine") as excel:
            found = _sheets_of_tables(book, excel.sheet_names)
            # Without a header row the header's cells come as they are: a column given twice
            # is seen, not renamed "special.1".
            sheets = pd.read_excel(excel, sheet_name=list(found.values()), header=None, dtype=str)
    except InputError:
        raise
    except Exception as exc:  # a damaged file raises many types
        raise InputError(
            "malformed", book, expected=WORKBOOK_EXPECTED, found=type(exc).__name__
        ) from None
    raw: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    for spec in SPECS.values():
        where = f"{book} [sheet {spec.name}]"
        if spec.name not in found:
            if spec.needed:
                raise InputError("missing_file", where, expected=f"a sheet named {spec.name}")
            continue
        table = sheets[found[spec.name]]
        if len(table.columns) == 0 or len(table) == 0:
            raise InputError("empty_file", where, expected="a header row")
        header = ["" if pd.isna(name) else str(name) for name in table.iloc[0]]
        table = table.iloc[1:].set_axis(header, axis=1).reset_index(drop=True)
        # Blank rows are kept, so Excel's row number is the position after the header.
        table = table.assign(source_row=np.arange(len(table)) + 2)
        raw[spec.name] = checked_columns(table, spec, where)
        files[spec.name] = where
    return raw, files


def _sheets_of_tables(book: Path, names: list[str]) -> dict[str, str]:
    """Return the sheet of each table found (its name spelt as "Projects" or "projects.csv"),
    raising where two sheets are spelt as one table."""
    found: dict[str, str] = {}
    for name in names:
        table = name.strip().lower().removesuffix(".csv").strip()
        if table not in SPECS:
            continue
        if table in found:
            raise InputError(
                "repeated",
                book,
                expected=f"one sheet for the table {table}",
                found=f"sheets {found[table]!r} and {name!r}",
            )
        found[table] = name
    return found
