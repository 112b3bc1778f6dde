"""Write the measures as files: CSV for programs, one Excel workbook for people.

CSV files keep the brief's column names and plain numbers at full precision (UTF-8).
`summary.xlsx` has one sheet per table with headers in the run's language, a
"单位：万元" line above each table, and Excel number formats (two decimals with thousands
separators, percentages, 1 : x) on numbers that stay numbers, so analysts can compute on.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from analysis.labels import LABELS, label
from analysis.measures import Measures
from analysis.present import PEOPLE_COLUMNS, column_kind, for_people

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
}

# present.column_kind -> Excel number format: the look of present's text, as numbers.
_FORMATS = {
    "amount": "#,##0.00",
    "tolerance": "#,##0.000",
    "percent": "0.0%",
    "leverage": '"1 : "#,##0.00',
    "ratio": "0.00",
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
    }


def write_csv(tables: dict[str, pd.DataFrame], folder: Path) -> list[Path]:
    """Write each table as folder/<stem>.csv (plain numbers, UTF-8) and return the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for stem, table in tables.items():
        path = folder / f"{stem}.csv"
        table.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        paths.append(path)
    return paths


def _number_format(column: str) -> str | None:
    return _FORMATS.get(column_kind(column))


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
            cell = WriteOnlyCell(sheet, value=label(key, lang) if key in LABELS else column)
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
