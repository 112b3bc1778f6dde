"""What every workbook of a report shares, so each opens and prints as people expect.

- Text is stored as text, shown as typed, never a formula (`text_cell`, `as_typed`): a
  name in the data starting with "=" stays that name (OWASP's CSV injection).
- A table's sheet (`write_table`): the header in row 1, frozen, with an autofilter;
  column widths fitted to the content (a CJK character counted as two); figures as numbers
  with the registry's Excel formats; long text wrapped in a column of at most
  `MAX_WIDTH` characters; printed on A4 landscape, fitted to the page's width, the header
  repeated on every page, page numbers in the footer (`print_setup`).
- The first sheet, 说明 (About, `about_sheet`): what the data are (scope, projects), the
  files read with their sha256 (the same as manifest.json's), when the run wrote it and
  with which version, and the unit of the amounts.

`fund-analysis run` writes two workbooks with these: tables/summary.xlsx
(analysis.report.tables) and tables/自评表.xlsx (analysis.report.self_evaluation).
"""

from __future__ import annotations

import contextlib
import math
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from analysis.words import registry
from analysis.words.formats import MISSING, column_header, display_width, for_people
from analysis.words.labels import label

# --- text as typed ----------------------------------------------------------------------

# What XML 1.0 cannot hold, so neither can a workbook: control characters other than tab,
# line feed and carriage return, halves of surrogate pairs, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# The most characters (UTF-16 code units) Excel shows in a cell.
EXCEL_CELL_CHARACTERS = 32_767


def text_cell(sheet, text: str) -> WriteOnlyCell:
    """Return a cell that holds text as text, shown as typed (for `sheet.append`).

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
    text = xml_text(text)
    return _within_excel(text) if len(text) > EXCEL_CELL_CHARACTERS // 2 else text


def xml_text(text: str) -> str:
    """Return text an Office file (XML 1.0) can hold: a character it cannot hold (a control
    character such as \\x07) as U+FFFD �. The workbooks and the Word report use it."""
    return _NOT_XML.sub("\ufffd", text)


def _within_excel(text: str) -> str:
    units = text.encode("utf-16-le")
    if len(units) <= 2 * EXCEL_CELL_CHARACTERS:
        return text
    cut = units[: 2 * (EXCEL_CELL_CHARACTERS - 1)].decode("utf-16-le", "ignore")
    return cut + "…"


# --- widths -----------------------------------------------------------------------------

MIN_WIDTH = 6
MAX_WIDTH = 60


def _widest(texts: pd.Series) -> int:
    """Return the widest cell of a column of text (a CJK character counted as two).

    Worked out on the whole column at once: in UTF-8 a CJK character takes three bytes and
    an ASCII one one, so (bytes + characters) / 2 counts them as two and one.
    """
    if texts.empty:
        return 0
    text = pa.array(texts.astype("string").fillna("").array, type=pa.large_string())
    widths = pc.add(pc.binary_length(text), pc.utf8_length(text))
    return int(np.ceil((pc.max(widths).as_py() or 0) / 2))


# A header wider than its column's cells wraps over lines of about this many widths.
HEADER_WIDTH = 12


def fitted_width(header: str, texts: pd.Series | None = None) -> float:
    """Return a column's width: its widest cell with a margin, kept between MIN_WIDTH and
    MAX_WIDTH (longer text wraps in the cell). A long header over short figures wraps on
    two lines rather than widen the column (报告专项到位数的项目 over "3")."""
    cells = _widest(texts) if texts is not None else 0
    header_width = display_width(header) * 1.1
    if header_width > HEADER_WIDTH:
        header_width = max(HEADER_WIDTH, header_width / 2)
    widest = max(header_width, cells)
    return float(min(MAX_WIDTH, max(MIN_WIDTH, round(widest + 2, 1))))


# --- print set-up -----------------------------------------------------------------------


def print_setup(sheet, landscape: bool = True, *, header: str = "") -> None:
    """Set a sheet up for printing: A4, fitted to the page's width (as many pages down as
    it takes), centred, page numbers in the footer, `header` at the top left of each
    page."""
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.page_margins.top = sheet.page_margins.bottom = 0.75
    sheet.page_margins.header = sheet.page_margins.footer = 0.3
    sheet.print_options.horizontalCentered = True
    sheet.oddFooter.center.text = "&P / &N"
    if header:
        # & starts a code in a header: a name holding one is printed as typed.
        sheet.oddHeader.left.text = header.replace("&", "&&")
        sheet.oddHeader.left.size = 9


def set_widths(sheet, widths: Iterable[float]) -> None:
    """Give the sheet's columns these widths (a write-only sheet: before its first row)."""
    for i, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(i)].width = width


# --- a table's sheet --------------------------------------------------------------------

_BOLD = Font(bold=True)
_WRAPPED = Alignment(wrap_text=True, vertical="top")
_RIGHT = Alignment(horizontal="right")
_HEADER = Alignment(wrap_text=True, vertical="bottom")
_HEADER_RIGHT = Alignment(wrap_text=True, vertical="bottom", horizontal="right")


def headers(columns: list[str], lang: str) -> list[str]:
    """Return the headers of a workbook's table: an amount's with its unit, 专项资金（万元）."""
    out = []
    for column in columns:
        key = "message" if column.startswith("message_") else column
        header = column_header(key, lang)
        if registry.kind(column) == "amount":
            header = label("header_unit", lang, header=header)
        out.append(header)
    return out


def write_table(
    sheet,
    table: pd.DataFrame,
    lang: str = "zh",
    categories: pd.DataFrame | None = None,
    *,
    title: str = "",
) -> None:
    """Write a measure table (codes, plain numbers) on a sheet for people.

    Codes become names (categories, groups, severities); figures stay numbers with the
    registry's Excel formats; headers in the run's language, row 1, frozen, filtered,
    repeated on every printed page. Works on a write-only sheet (nothing written yet) and
    on an ordinary one.
    """
    columns = [str(c) for c in table.columns]
    names = for_people(table, lang, categories)
    header = headers(columns, lang)
    widths = [
        fitted_width(h, _figures(table[c]) if registry.column(c) and
                     registry.column(c).excel_format else names.iloc[:, i])
        for i, (h, c) in enumerate(zip(header, columns, strict=True))
    ]  # fmt: skip
    set_widths(sheet, widths)
    sheet.freeze_panes = "A2"
    last = get_column_letter(max(len(columns), 1))
    sheet.auto_filter.ref = f"A1:{last}{len(table) + 1}"
    sheet.print_title_rows = "1:1"
    print_setup(sheet, landscape=True, header=title)
    formats = [registry.column(c).excel_format if registry.column(c) else None for c in columns]
    # Neither Excel nor LibreOffice grows a row for wrapped text as they open a file.
    lines = max([math.ceil(display_width(h) * 1.1 / max(w - 1, 1)) for h, w in
                 zip(header, widths, strict=True)] or [1])  # fmt: skip
    sheet.row_dimensions[1].height = 15 * max(lines, 1) + 2
    row = []
    for text, fmt in zip(header, formats, strict=True):
        cell = text_cell(sheet, text)
        # A figure's header stands over it, on the right, as the figure does.
        cell.font, cell.alignment = _BOLD, _HEADER_RIGHT if fmt else _HEADER
        row.append(cell)
    sheet.append(row)
    wrapped = [w >= MAX_WIDTH for w in widths]
    values = table.astype(object).where(table.notna(), None).to_numpy()
    shown = names.to_numpy()
    for raw_row, shown_row in zip(values, shown, strict=True):
        cells = []
        for value, text, fmt, wrap in zip(raw_row, shown_row, formats, wrapped, strict=True):
            if fmt is not None and value is not None:
                cell = WriteOnlyCell(sheet, value=float(value))
                cell.number_format = fmt
            elif fmt is not None:  # a figure nobody gave (its count of reports is beside it)
                cell = text_cell(sheet, MISSING)
                cell.alignment = _RIGHT
            elif text == "" or text is None:
                cell = WriteOnlyCell(sheet, value=None)
            elif isinstance(text, str):
                cell = text_cell(sheet, text)
                if wrap:
                    cell.alignment = _WRAPPED
            else:
                cell = WriteOnlyCell(sheet, value=text.item() if hasattr(text, "item") else text)
            cells.append(cell)
        sheet.append(cells)


def _figures(values: pd.Series) -> pd.Series:
    """Return the widest figures of a numeric column as people read them (its smallest and
    largest, the widest when formatted): a column is as wide as they are."""
    from analysis.words.formats import shown

    numbers = pd.to_numeric(values, errors="coerce").dropna()
    if numbers.empty:
        return pd.Series(["—"])
    column_kind = registry.kind(str(values.name))
    return pd.Series([shown(v, column_kind) for v in (numbers.min(), numbers.max())])


# --- the 说明 (About) sheet ---------------------------------------------------------------


@dataclass
class About:
    """What the first sheet of a workbook says about the data and the run.

    scope: the programs and years ("2021 年县域创新跃升计划"); n_projects: how many;
    source: the data as read (a folder or workbook); files: each input file with its
    sha256 (manifest.json's data.files); written: when the run started (ISO 8601);
    version: fund-analysis's.
    """

    scope: str
    n_projects: int
    source: str
    files: dict[str, str] = field(default_factory=dict)
    written: str = ""
    version: str = ""

    @classmethod
    def of(cls, data, lang: str = "zh", *, files: dict[str, str] | None = None,
           written: str = "") -> About:  # fmt: skip
        """Return what a workbook says about a Dataset (the files hashed unless given)."""
        from analysis import __version__
        from analysis.measure.scope import scope_of
        from analysis.report.record import input_files, sha256

        source = Path(data.source).resolve()
        if files is None:
            files = {p.name: sha256(p) for p in input_files(source)}
        return cls(
            scope=scope_of(data.projects).named(lang),
            n_projects=int(data.projects["project_id"].nunique()),
            source=str(source),
            files=dict(files),
            written=written or time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            version=__version__,
        )


def about_sheet(book, about: About, lang: str = "zh", *, index: int | None = None):
    """Add the 说明 (About) sheet to a workbook (first, unless `index` says otherwise for an
    ordinary workbook; a write-only workbook takes it where it is in the order of
    creation) and return it."""
    name = label("about_sheet", lang)
    sheet = book.create_sheet(name) if index is None else book.create_sheet(name, index)
    rows: list[tuple[str, str]] = [
        (label("about_scope", lang), f"{about.scope}（{about.n_projects:,} 个项目）"
         if lang == "zh" else f"{about.scope} ({about.n_projects:,} projects)"),
        (label("about_source", lang), about.source),
        (label("about_time", lang), about.written),
        (label("about_version", lang), f"fund-analysis {about.version}"),
        (label("about_unit", lang), label("about_unit_text", lang)),
    ]  # fmt: skip
    files = list(about.files.items())
    first = [label("about_sheet", lang), *(k for k, _ in rows), label("about_file", lang),
             *(k for k, _ in files)]  # fmt: skip
    second = [v for _, v in rows] + [label("about_sha256", lang)] + [v for _, v in files]
    set_widths(sheet, [fitted_width("", pd.Series(first)), fitted_width("", pd.Series(second))])
    print_setup(sheet, landscape=False)
    title = text_cell(sheet, label("about_title", lang))
    title.font = Font(bold=True, size=14)
    sheet.append([title])
    for key, value in rows:
        sheet.append(_pair(sheet, key, value))
    sheet.append([])
    sheet.append(_pair(sheet, label("about_file", lang), label("about_sha256", lang), bold=True))
    for name, digest in files:
        sheet.append(_pair(sheet, name, digest))
    sheet.append([])
    sheet.append([text_cell(sheet, label("about_manifest", lang))])
    return sheet


def _pair(sheet, key: str, value: str, *, bold: bool = False) -> list:
    first, second = text_cell(sheet, key), text_cell(sheet, value)
    first.font = _BOLD
    if bold:
        second.font = _BOLD
    return [first, second]


def abandon(book) -> None:
    """Close the sheets of a write-only workbook left half-written (an error, an
    interrupted run) and remove their temporary files, quietly: openpyxl's half-run
    generators would otherwise print a traceback each when they are collected."""
    for sheet in getattr(book, "_sheets", []):
        writer = getattr(sheet, "_writer", None)
        for generator in (getattr(sheet, "_rows", None), getattr(writer, "xf", None)):
            with contextlib.suppress(Exception):
                if generator is not None:
                    generator.close()
        with contextlib.suppress(Exception):
            if writer is not None:
                writer.cleanup()
