"""Write the measures as files: CSV files and one Excel workbook, for people to open.

The CSV files of a report keep the brief's column names and plain numbers at full
precision, in UTF-8 with a byte-order mark (so that Excel on a Chinese Windows reads them
as UTF-8). `summary.xlsx` has one sheet per table with headers in the run's language, a
"单位：万元" line above each table, and Excel number formats (two decimals with thousands
separators, percentages, 1 : x) on numbers that stay numbers, so analysts can compute on.

Both are opened in Excel, so a name in the data never becomes a formula there (OWASP's
CSV injection): every text cell of a workbook is stored as text, never as a formula, and
in a report's CSV files a text cell starting with =, +, -, @, a tab or a carriage return
is written with a leading ' (Excel's mark for "text as typed"), unless it is a plain
number. Numbers stay numbers. `csv_text` itself writes text as it is: `metrics --format
csv` is for programs, and a program wants the name the data holds.
"""

from __future__ import annotations

import contextlib
import csv
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from analysis.measure.measures import Measures
from analysis.read.keys import one_piece
from analysis.words import registry
from analysis.words.formats import PEOPLE_COLUMNS, column_header, for_people
from analysis.words.labels import label

# file stem -> (sheet name zh, sheet name en)
SHEETS: dict[str, tuple[str, str]] = {
    "programs": ("计划汇总", "Programs"),
    "projects": ("项目", "Projects"),
    "by_category": ("科目结构", "By category"),
    "by_group": ("费用类别", "By group"),
    "categories": ("项目科目明细", "Project categories"),
    "years": ("年度", "Years"),
    "organizations": ("承担单位", "Organizations"),
    "regions": ("地区", "Regions"),
    "reconciliation": ("核对", "Reconciliation"),
    "findings": ("数据质量", "Data quality"),
    "indicators": ("绩效指标", "Indicators"),
    "by_category_variance": ("科目执行", "Budget vs actual"),
}


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


def _number_format(column: str) -> str | None:
    found = registry.column(column)
    return None if found is None else found.excel_format


def write_workbook(
    tables: dict[str, pd.DataFrame],
    path: Path,
    lang: str = "zh",
    categories=None,
    check: Callable[[], None] | None = None,
) -> Path:
    """Write the tables as one workbook for people and return its path.

    `check`, if given, is called between sheets; what it raises stops the writing.
    """
    book = Workbook(write_only=True)
    try:
        for stem, table in tables.items():
            if check is not None:
                check()
            sheet = book.create_sheet(SHEETS[stem][0 if lang == "zh" else 1])
            _write_sheet(sheet, stem, table, lang, categories)
        path.parent.mkdir(parents=True, exist_ok=True)
        book.save(path)
    except BaseException:
        _abandon(book)
        raise
    return path


def _write_sheet(sheet, stem: str, table: pd.DataFrame, lang: str, categories) -> None:
    columns = [c for c in PEOPLE_COLUMNS.get(stem, table.columns) if c in table.columns]
    if stem == "findings":
        columns = ["severity", "rule", "file", "source_row", "project_id", f"message_{lang}"]
    table = table[columns]
    # Codes become names (categories, groups, severities); numbers stay numbers.
    names = for_people(table, lang, categories)
    unit = text_cell(sheet, label("unit_wan", lang))
    unit.font = Font(italic=True)
    sheet.append([unit])
    header = []
    for column in columns:
        key = "message" if column.startswith("message_") else column
        cell = text_cell(sheet, column_header(key, lang))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    formats = [_number_format(c) for c in columns]
    numeric = [fmt is not None for fmt in formats]
    values = table.astype(object).where(table.notna(), None).to_numpy()
    shown = names.to_numpy()
    for raw_row, shown_row in zip(values, shown, strict=True):
        row = []
        for value, text, fmt, is_number in zip(raw_row, shown_row, formats, numeric, strict=True):
            if is_number and value is not None:
                cell = WriteOnlyCell(sheet, value=float(value))
                cell.number_format = fmt
            else:
                cell = _value_cell(sheet, None if text == "" else _python_value(text))
            row.append(cell)
        sheet.append(row)


def _abandon(book: Workbook) -> None:
    """Close the sheets of a workbook left half-written (an error, an interrupted run) and
    remove their temporary files, quietly: openpyxl's half-run generators would otherwise
    print a traceback each when they are collected."""
    for sheet in getattr(book, "_sheets", []):
        writer = getattr(sheet, "_writer", None)
        for generator in (getattr(sheet, "_rows", None), getattr(writer, "xf", None)):
            with contextlib.suppress(Exception):
                if generator is not None:
                    generator.close()
        with contextlib.suppress(Exception):
            if writer is not None:
                writer.cleanup()


def _python_value(value: object) -> object:
    return value.item() if hasattr(value, "item") else value


def _value_cell(sheet, value: object) -> WriteOnlyCell:
    return text_cell(sheet, value) if isinstance(value, str) else WriteOnlyCell(sheet, value=value)


# What XML 1.0 cannot hold, so neither can a workbook: control characters other than tab,
# line feed and carriage return, halves of surrogate pairs, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# The most characters (UTF-16 code units) Excel shows in a cell.
EXCEL_CELL_CHARACTERS = 32_767


def text_cell(sheet, text: str) -> WriteOnlyCell:
    """Return a write-only cell that holds text as text, shown as typed.

    Never a formula: openpyxl would store a string starting with "=" as one. A character
    a workbook cannot hold (a control character such as \\x07) is shown as U+FFFD �, and
    text beyond what Excel shows in a cell ends in "…" at that length.
    """
    cell = WriteOnlyCell(sheet, value=as_typed(text))
    cell.data_type = "s"
    return cell


def as_typed(text: str) -> str:
    """Return text a workbook can hold, shown as typed: a character it cannot hold (a
    control character such as \\x07) as U+FFFD �, and text beyond what Excel shows in a
    cell ending in "…" at that length."""
    text = _NOT_XML.sub("\ufffd", text)
    return _within_excel(text) if len(text) > EXCEL_CELL_CHARACTERS // 2 else text


def _within_excel(text: str) -> str:
    units = text.encode("utf-16-le")
    if len(units) <= 2 * EXCEL_CELL_CHARACTERS:
        return text
    cut = units[: 2 * (EXCEL_CELL_CHARACTERS - 1)].decode("utf-16-le", "ignore")
    return cut + "…"
