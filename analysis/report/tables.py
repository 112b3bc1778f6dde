"""Write the measures as files: CSV files and one Excel workbook, for people to open.

The CSV files of a report keep the brief's column names and plain numbers at full
precision, in UTF-8 with a byte-order mark (so that Excel on a Chinese Windows reads them
as UTF-8). `summary.xlsx` starts with a 说明 (About) sheet, then has one sheet per table
with headers in the run's language (an amount's with its unit: 专项资金（万元）) and
Excel number formats (two decimals with thousands separators, percentages, 1 : x) on
numbers that stay numbers, so analysts can compute on; analysis.report.xlsx lays each
sheet out (widths, frozen header, filter, print set-up).

Both are opened in Excel, so a name in the data never becomes a formula there (OWASP's
CSV injection): every text cell of a workbook is stored as text, never as a formula, and
in a report's CSV files a text cell starting with =, +, -, @, a tab or a carriage return
is written with a leading ' (Excel's mark for "text as typed"), unless it is a plain
number. Numbers stay numbers. `csv_text` itself writes text as it is: `metrics --format
csv` is for programs, and a program wants the name the data holds.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl import Workbook

from analysis.measure.measures import Measures
from analysis.measure.scope import scope_of
from analysis.read.keys import one_piece
from analysis.report.xlsx import About, abandon, about_sheet, write_table
from analysis.words.formats import PEOPLE_COLUMNS
from analysis.words.labels import label


def measure_tables(ms: Measures, findings: pd.DataFrame, reconciliation: pd.DataFrame) -> dict:
    """Return every table a run writes, keyed by file stem."""
    return {
        "programs": ms.programs,
        "projects": ms.projects,
        "by_category": ms.by_category,
        "by_group": ms.by_group,
        "categories": ms.categories,
        "years": ms.years,
        "organizations": ms.organizations,
        "regions": ms.regions,
        "reconciliation": reconciliation,
        "findings": findings,
        "indicators": ms.indicators,
        "by_category_variance": ms.by_category_variance,
    }


def write_csv(tables: dict[str, pd.DataFrame], folder: Path) -> list[Path]:
    """Write each table as folder/<stem>.csv for people (plain numbers, UTF-8 with a BOM,
    no text Excel would run as a formula) and return the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for stem, table in tables.items():
        path = folder / f"{stem}.csv"
        text = csv_text(neutralized(table), for_excel=True)
        path.write_text(text, encoding="utf-8-sig", newline="")
        paths.append(path)
    return paths


# Text Excel reads as a formula (or as DDE) when a cell starts with it (OWASP).
_FORMULA_START = r"[=+\-@\t\r]"
# A cell that is only a number is read as that number, whatever its sign.
_PLAIN_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"


def neutralized(table: pd.DataFrame) -> pd.DataFrame:
    """Return the table with each text cell Excel would read as a formula prefixed by '.

    Only text columns are looked at, and a cell that is a plain number ("-5", "+1.5e3")
    is left alone: Excel reads it as the number it is.
    """
    changed = {}
    for column in table.columns:
        values = table[column]
        if not (isinstance(values.dtype, pd.StringDtype) or values.dtype == object):
            continue
        text = values.astype("string")
        risky = text.str.match(_FORMULA_START, na=False) & ~text.str.fullmatch(
            _PLAIN_NUMBER, na=False
        )
        if risky.any():
            changed[column] = values.mask(risky, "'" + text)
    if not changed:
        return table
    table = table.copy()
    for column, values in changed.items():
        table[column] = values
    return table


def csv_text(table: pd.DataFrame, *, for_excel: bool = False) -> str:
    """Return table.to_csv(index=False, lineterminator="\n"), the same text, built by pyarrow.

    pandas writes CSV row by row in Python: 9.7 s for the 1.26 million project × category
    rows of 150,000 projects. Here each column is turned into text at once and the columns
    joined into lines. Numbers are spelled as Python spells them (repr: shortest digits
    that read back the same), text is quoted only where it must be. A table with a column
    of another kind (or a single column, where the csv module writes an empty cell as "")
    is written by pandas.

    `for_excel` also quotes a cell holding a carriage return, which Excel would take for
    the end of a row (pandas, and the csv module, leave a lone \\r unquoted).
    """
    must = _QUOTED_FOR_EXCEL if for_excel else _QUOTED
    cells = [_csv_cells(table[c], must) for c in table.columns] if table.columns.is_unique else []
    if len(cells) < 2 or any(c is None for c in cells):
        quoting = csv.QUOTE_NONNUMERIC if for_excel else csv.QUOTE_MINIMAL
        return table.to_csv(index=False, lineterminator="\n", quoting=quoting)
    names = pa.array([str(c) for c in table.columns], type=pa.large_string())
    header = ",".join(_csv_quoted(names, must).to_pylist())
    if not len(table):
        return header + "\n"
    # Each line ends in a newline: the last cell takes it, so that one join makes the lines.
    cells[-1] = pc.binary_join_element_wise(cells[-1], _EMPTY, _cell("\n"))
    lines = one_piece(pc.binary_join_element_wise(*cells, _cell(",")))
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset :][: len(lines) + 1]
    data = lines.buffers()[2].to_pybytes()[offsets[0] : offsets[-1]]
    return header + "\n" + data.decode("utf-8")


def _cell(text: str) -> pa.Scalar:
    return pa.scalar(text, pa.large_string())


_EMPTY = _cell("")


# Cells pandas quotes, and cells a CSV file for Excel must quote.
_QUOTED = r'[,"\n]'
_QUOTED_FOR_EXCEL = r'[,"\n\r]'


def _csv_cells(column: pd.Series, must: str = _QUOTED) -> pa.Array | None:
    """Return a column as CSV cells (large_string, no nulls), or None for another kind."""
    dtype = column.dtype
    if isinstance(dtype, pd.StringDtype):
        text = pa.array(column.array, type=pa.large_string(), from_pandas=True)
        return _csv_quoted(pc.fill_null(text, _EMPTY), must)
    if dtype == np.bool_:
        return pa.array(np.where(column.to_numpy(), "True", "False"), type=pa.large_string())
    if dtype.kind in "iu" and isinstance(dtype, np.dtype):
        return pc.cast(pa.array(column.to_numpy()), pa.large_string())
    if dtype == np.float64:
        return _csv_floats(column.to_numpy())
    return None


def _csv_floats(values: np.ndarray) -> pa.Array:
    """Return floats spelled as repr() spells them, NaN as an empty cell."""
    size = np.abs(values)
    with np.errstate(invalid="ignore"):
        # Whole numbers: pyarrow writes 33 where Python writes 33.0 (-0.0 is left to repr).
        whole = (values == np.trunc(values)) & (size < 1e16) & ~((values == 0) & np.signbit(values))
        # Where repr writes plain digits, pyarrow's shortest digits are the same, unless
        # pyarrow chose an exponent (it does for some long numbers, 1.00000000005e+10).
        plain = (size >= 1e-4) & (size < 1e16) & ~whole
    missing = np.isnan(values)
    spelled = pc.cast(pa.array(values), pa.large_string())
    exponent = pc.match_substring(spelled, "e").to_numpy(zero_copy_only=False)
    integers = pc.cast(pa.array(np.where(whole, values, 0).astype(np.int64)), pa.large_string())
    spelled = pc.if_else(whole, pc.binary_join_element_wise(integers, _cell(".0"), _EMPTY), spelled)
    spelled = pc.if_else(missing, _EMPTY, spelled)
    other = ~(whole | missing | (plain & ~exponent))
    if other.any():  # tiny, huge, long, infinite or -0.0: a few cells, each spelled by repr
        shown = pa.array([repr(x) for x in values[other].tolist()], type=pa.large_string())
        spelled = pc.replace_with_mask(spelled, pa.array(other), shown)
    return spelled


def _csv_quoted(text: pa.Array, must: str = _QUOTED) -> pa.Array:
    """Return text cells quoted as pandas' csv writer quotes them: only those holding a comma,
    a quote or a newline (a lone \\r is written as it is, unless `must` says otherwise)."""
    needs = pc.match_substring_regex(text, must)
    if not pc.any(needs).as_py():
        return text
    doubled = pc.replace_substring(text, '"', '""')
    quoted = pc.binary_join_element_wise(_cell('"'), doubled, _cell('"'), _EMPTY)
    return pc.if_else(needs, quoted, text)


def write_workbook(
    tables: dict[str, pd.DataFrame],
    path: Path,
    lang: str = "zh",
    categories=None,
    check: Callable[[], None] | None = None,
    about: About | None = None,
) -> Path:
    """Write the tables as one workbook for people and return its path: first the 说明
    (About) sheet, then a sheet per table (analysis.report.xlsx: headers frozen and
    filtered, widths fitted, figures as numbers, ready to print).

    about: what the 说明 sheet says (None: the tables' own scope, no source files).
    `check`, if given, is called between sheets; what it raises stops the writing.
    """
    if about is None:
        projects = tables["projects"]
        about = About(scope_of(projects).named(lang), int(projects["project_id"].nunique()), "")
    book = Workbook(write_only=True)
    try:
        about_sheet(book, about, lang)
        for stem, table in tables.items():
            if check is not None:
                check()
            sheet = book.create_sheet(label(f"sheet_{stem}", lang))
            title = f"{label(f'sheet_{stem}', lang)} · {about.scope} · {label('unit_wan', lang)}"
            write_table(sheet, people_table(stem, table, lang), lang, categories, title=title)
        path.parent.mkdir(parents=True, exist_ok=True)
        book.save(path)
    except BaseException:
        abandon(book)
        raise
    return path


def people_table(stem: str, table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Return the columns of a measure table that people read (PEOPLE_COLUMNS; for the
    findings, the rule, where and what in the run's language)."""
    if stem == "findings":
        columns = ["severity", "rule", "name", "file", "source_row", "project_id",
                   f"message_{lang}"]  # fmt: skip
    else:
        columns = [c for c in PEOPLE_COLUMNS.get(stem, table.columns) if c in table.columns]
    return table[columns]
