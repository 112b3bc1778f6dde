"""Write the measures as files: CSV for programs, one Excel workbook for people.

CSV files keep the brief's column names and plain numbers at full precision (UTF-8).
`summary.xlsx` has one sheet per table with headers in the run's language, a
"单位：万元" line above each table, and Excel number formats (two decimals with thousands
separators, percentages, 1 : x) on numbers that stay numbers, so analysts can compute on.
"""

from __future__ import annotations

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
        "reconciliation": reconciliation,
        "findings": findings,
        "indicators": ms.indicators,
        "by_category_variance": ms.by_category_variance,
    }


def write_csv(tables: dict[str, pd.DataFrame], folder: Path) -> list[Path]:
    """Write each table as folder/<stem>.csv (plain numbers, UTF-8) and return the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for stem, table in tables.items():
        path = folder / f"{stem}.csv"
        path.write_text(csv_text(table), encoding="utf-8")
        paths.append(path)
    return paths


def csv_text(table: pd.DataFrame) -> str:
    """Return table.to_csv(index=False, lineterminator="\n"), the same text, built by pyarrow.

    pandas writes CSV row by row in Python: 9.7 s for the 1.26 million project × category
    rows of 150,000 projects. Here each column is turned into text at once and the columns
    joined into lines. Numbers are spelled as Python spells them (repr: shortest digits
    that read back the same), text is quoted only where it must be. A table with a column
    of another kind (or a single column, where the csv module writes an empty cell as "")
    is written by pandas.
    """
    cells = [_csv_cells(table[c]) for c in table.columns] if table.columns.is_unique else [None]
    if len(cells) < 2 or any(c is None for c in cells):
        return table.to_csv(index=False, lineterminator="\n")
    names = pa.array([str(c) for c in table.columns], type=pa.large_string())
    header = ",".join(_csv_quoted(names).to_pylist())
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


def _csv_cells(column: pd.Series) -> pa.Array | None:
    """Return a column as CSV cells (large_string, no nulls), or None for another kind."""
    dtype = column.dtype
    if isinstance(dtype, pd.StringDtype):
        text = pa.array(column.array, type=pa.large_string(), from_pandas=True)
        return _csv_quoted(pc.fill_null(text, _EMPTY))
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


def _csv_quoted(text: pa.Array) -> pa.Array:
    """Return text cells quoted as pandas' csv writer quotes them: only those holding a comma,
    a quote or a newline (a lone \\r is written as it is)."""
    needs = pc.match_substring_regex(text, r'[,"\n]')
    if not pc.any(needs).as_py():
        return text
    doubled = pc.replace_substring(text, '"', '""')
    quoted = pc.binary_join_element_wise(_cell('"'), doubled, _cell('"'), _EMPTY)
    return pc.if_else(needs, quoted, text)


def _number_format(column: str) -> str | None:
    found = registry.column(column)
    return None if found is None else found.excel_format


def write_workbook(
    tables: dict[str, pd.DataFrame], path: Path, lang: str = "zh", categories=None
) -> Path:
    """Write the tables as one workbook for people and return its path."""
    book = Workbook(write_only=True)
    for stem, table in tables.items():
        sheet = book.create_sheet(SHEETS[stem][0 if lang == "zh" else 1])
        columns = [c for c in PEOPLE_COLUMNS.get(stem, table.columns) if c in table.columns]
        if stem == "findings":
            columns = ["severity", "rule", "file", "source_row", "project_id", f"message_{lang}"]
        table = table[columns]
        # Codes become names (categories, groups, severities); numbers stay numbers.
        names = for_people(table, lang, categories)
        unit = WriteOnlyCell(sheet, value=label("unit_wan", lang))
        unit.font = Font(italic=True)
        sheet.append([unit])
        header = []
        for column in columns:
            key = "message" if column.startswith("message_") else column
            cell = WriteOnlyCell(sheet, value=column_header(key, lang))
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        formats = [_number_format(c) for c in columns]
        numeric = [fmt is not None for fmt in formats]
        values = table.astype(object).where(table.notna(), None).to_numpy()
        shown = names.to_numpy()
        for raw_row, shown_row in zip(values, shown, strict=True):
            row = []
            for value, text, fmt, is_number in zip(
                raw_row, shown_row, formats, numeric, strict=True
            ):
                if is_number and value is not None:
                    cell = WriteOnlyCell(sheet, value=float(value))
                    cell.number_format = fmt
                else:
                    cell = WriteOnlyCell(sheet, value=None if text == "" else _plain(text))
                row.append(cell)
            sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _plain(value: object) -> object:
    return value.item() if hasattr(value, "item") else value
