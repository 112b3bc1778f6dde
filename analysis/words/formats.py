"""Tables for people: 万元 with 2 decimals and thousands separators, 1 : x, labels in one language.

Programs get plain numbers (CSV and JSON at full precision); people get the strings made
here, from each column's kind in the registry (analysis.words.registry): in the CLI's
table format, in the notebooks and in the Excel summary.
"""

from __future__ import annotations

import math
import unicodedata

import pandas as pd

from analysis.words.labels import category_names, group_names, has_label, label
from analysis.words.registry import COLUMNS, PYTHON_FORMATS, kind

_CATEGORY = ["category", "group", "total", "special", "self_raised", "category_share",
             "special_coverage", "special_split"]  # fmt: skip
# A rate above project level is followed by its count of reporting projects: people read
# the two in one cell, 87.9%（4/5 个项目报告）, a workbook has them side by side.
_RATES = ["special_arrival_rate", "n_special_received", "special_execution_rate",
          "n_special_actual", "self_raised_arrival_rate", "n_self_raised_received",
          "self_raised_execution_rate", "n_self_raised_actual"]  # fmt: skip
_TOTALS = ["n_projects", "special", "self_raised", "total", "special_share", "self_raised_share",
           "leverage", "multiplier", *_RATES]  # fmt: skip

# For each table of Measures, the columns a person reads (CLI tables, notebooks, Excel).
PEOPLE_COLUMNS: dict[str, list[str]] = {
    "projects": ["project_id", "organization", "special", "self_raised", "total", "special_share",
                 "self_raised_share", "leverage", "multiplier", "special_arrival_rate",
                 "special_execution_rate", "self_raised_arrival_rate",
                 "self_raised_execution_rate", "score", "grade", "score_status"],
    "categories": ["project_id", "organization", *_CATEGORY],
    "groups": ["project_id", "organization", *(c for c in _CATEGORY if c != "category")],
    "by_category": ["program", "year", *_CATEGORY],
    "by_group": ["program", "year", *(c for c in _CATEGORY if c != "category")],
    "programs": ["program", "year", *_TOTALS, "declared_special"],
    "years": ["year", *_TOTALS],
    "organizations": ["organization", "n_projects", "n_programs", "n_years", "years_present",
                      *_TOTALS[1:8]],
    "regions": ["region", "n_projects", "n_organizations", "n_years", "years_present",
                *_TOTALS[1:8]],
    "returning": ["organization", "n_projects", "n_programs", "n_years", "years_present",
                  "special", "self_raised", "total", "leverage"],
    "changes": ["year", "previous_year", "n_projects", "n_projects_change", "special",
                "special_change", "special_change_pct", "self_raised", "self_raised_change",
                "self_raised_change_pct", "total", "total_change", "total_change_pct",
                "leverage", "leverage_change"],
    "indicators": ["project_id", "organization", "level1", "level2", "indicator", "target_shown",
                   "actual_shown", "weight", "earned", "reason"],
    "variance": ["project_id", "organization", "category", "budget", "actual", "variance",
                 "variance_share", "special_budget", "special_actual", "special_variance"],
    "by_category_variance": ["program", "year", "category", "budget", "actual", "variance",
                             "variance_share", "special_budget", "special_actual",
                             "special_variance", "special_variance_share"],
}  # fmt: skip

MISSING = "—"  # a figure nobody gave, in a table for people


def missing(value: object) -> bool:
    """Return whether a cell holds no figure (None, NA or NaN)."""
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def shown(value: object, of_kind: str, blank: str = "") -> str:
    """Return a figure as people read it, by its kind in the registry (blank when missing)."""
    if missing(value):
        return blank
    try:
        return PYTHON_FORMATS[of_kind].format(float(value))
    except (TypeError, ValueError):  # text where a figure belongs: shown as it is
        return str(value)


def wan(value: object) -> str:
    """Return an amount in 万元 as people read it: '1,234.50'; blank when unknown."""
    return shown(value, "amount")


def percent(value: object) -> str:
    """Return a share as a percentage with one decimal: '21.7%'."""
    return shown(value, "share")


def leverage(value: object) -> str:
    """Return leverage as '1 : 3.62' (company yuan per special-fund yuan)."""
    return shown(value, "leverage")


def multiplier(value: object) -> str:
    """Return the multiplier with two decimals: '4.62'."""
    return shown(value, "ratio")


def tolerance(value: object) -> str:
    """Return a reconciliation tolerance in 万元 with three decimals (it is n × 0.005)."""
    return shown(value, "tolerance")


def year_runs(years) -> list[tuple[int, int]]:
    """Return the distinct years as runs of consecutive years: [(2019, 2021), (2023, 2023)]."""
    runs: list[tuple[int, int]] = []
    for year in sorted({int(y) for y in years}):
        if runs and year == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], year)
        else:
            runs.append((year, year))
    return runs


def years_text(years, separator: str = ", ") -> str:
    """Return the distinct years as people write them: '2019–2021, 2023' (two in a row:
    '2019, 2020')."""
    parts = []
    for first, last in year_runs(years):
        if last - first >= 2:
            parts.append(f"{first}–{last}")
        else:
            parts.extend(str(y) for y in range(first, last + 1))
    return separator.join(parts)


def column_header(column: str, lang: str = "zh") -> str:
    """Return a column's header for people (the name itself for a column of no registry)."""
    return label(column, lang) if has_label(column) else str(column)


def numeric(column: str) -> bool:
    """Return whether people read the column's cells as figures (aligned right)."""
    return kind(column) in PYTHON_FORMATS


def reported_notes(table: pd.DataFrame, lang: str = "zh") -> dict[str, pd.Series]:
    """Return, for each rate of the table whose count of reporting projects and n_projects
    it also holds, the note people read after it: （k/n 个项目报告）."""
    notes = {}
    for name in table.columns:
        found = COLUMNS.get(name)
        if found is None or found.reported is None:
            continue
        if found.reported not in table or "n_projects" not in table:
            continue
        notes[name] = pd.Series(
            [
                label("reported_of", lang, k=_count(k), n=_count(n))
                for k, n in zip(table[found.reported], table["n_projects"], strict=True)
            ],
            index=table.index,
        )
    return notes


def _count(value: object) -> str:
    return "0" if missing(value) else f"{int(value):,}"


def folded(table: pd.DataFrame) -> set[str]:
    """Return the count columns that people read inside their rate's cell (reported_notes)."""
    return {COLUMNS[name].reported for name in reported_notes(table)}


def for_people(
    table: pd.DataFrame,
    lang: str = "zh",
    categories: pd.DataFrame | None = None,
    *,
    fold: bool = False,
) -> pd.DataFrame:
    """Return the table as text for people: formatted figures, named codes, headers in lang.

    A rate with its count of reporting projects reads 87.9%（4/5 个项目报告）; fold=True
    then leaves out the count's own column.
    """
    out = pd.DataFrame(index=table.index)
    notes = reported_notes(table, lang)
    for name in table.columns:
        values = table[name]
        column_kind = kind(name)
        if column_kind == "category":
            out[name] = category_names(values, lang, categories)
        elif column_kind == "group":
            out[name] = group_names(values, lang)
        elif column_kind == "word":
            out[name] = values.map(lambda word, n=name: _word(n, word, lang))
        elif column_kind == "given":
            given = values.astype("object").where(values.notna(), "")
            out[name] = given.where(given.ne(""), label("not_given", lang))
        elif column_kind in PYTHON_FORMATS:
            blank = MISSING if name in notes else ""
            out[name] = values.map(lambda v, k=column_kind, b=blank: shown(v, k, b))
        else:
            out[name] = values.astype("object").where(values.notna(), "")
        if name in notes:
            out[name] = out[name] + notes[name]
    if fold:
        out = out.drop(columns=list(folded(table)))
    return out.set_axis([column_header(c, lang) for c in out.columns], axis=1)


def _word(column: str, value: object, lang: str) -> str:
    """Return a coded cell as the word it stands for (severity, level, figure, ok, derived)."""
    if column == "ok":
        return label("yes" if value else "no", lang)
    if missing(value) or value == "":
        return ""
    key = f"derived_{value}" if column == "derived" else str(value)
    return label(key, lang) if has_label(key) else str(value)


# --- tables as HTML ------------------------------------------------------------------

# Columns whose cells people read as one word: an id, a code read as a name, a year. They
# never break inside; text (names, notes, messages) wraps, and figures stay on one line.
_UNBROKEN_KINDS = ("word", "category", "group", "given")
_UNBROKEN_COLUMNS = ("project_id", "rule")


def cell_class(column: str) -> str:
    """Return how a column's cells are set in HTML: "num" (a figure, right-aligned, never
    broken), "code" (a word or id, left, never broken) or "text" (left, wraps)."""
    found = kind(column)
    if found in PYTHON_FORMATS:
        return "num"
    if found in _UNBROKEN_KINDS or column in _UNBROKEN_COLUMNS:
        return "code"
    return "text"


# More columns than this and a table prints in a smaller type (see analysis.report.html).
WIDE_TABLE_COLUMNS = 9

# The look of a table for reading, in a notebook and on a page: headers break between
# words, never inside one (keep-all keeps 专项资金 whole, "Special fund" breaks at its
# space); figures right-aligned on one line; text left; no index column.
TABLE_CSS = (
    ".fa-table{border-collapse:collapse;margin:.4em 0 1.2em;font-size:.92em}"
    ".fa-table caption{caption-side:top;text-align:left;font-weight:bold;padding:.2em 0}"
    ".fa-table .fa-unit{font-weight:normal;color:#555;margin-left:1em}"
    ".fa-table th,.fa-table td{padding:.3em .7em;border-bottom:1px solid #ddd;"
    "vertical-align:top;text-align:left}"
    ".fa-table thead th{word-break:keep-all;overflow-wrap:normal;vertical-align:bottom;"
    "border-bottom:1.5px solid #444}"
    ".fa-table .num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}"
    ".fa-table td.code,.fa-table th.code{white-space:nowrap}"
    # a name wraps only when long (a program's name stays on one line, a note wraps)
    ".fa-table td.text{min-width:8em}"
    ".fa-table tbody th{font-weight:normal;color:#333;white-space:nowrap}"
    ".fa-table tr.fa-more td{color:#555;font-style:italic}"
)


def html_table(
    shown: pd.DataFrame,
    classes: list[str],
    caption: str = "",
    unit: str = "",
    row_headers: bool = False,
    total: int | None = None,
    lang: str = "zh",
    *,
    markup: bool = False,
    style: bool = True,
) -> str:
    """Return the text of a table for people as an HTML table for reading.

    shown: the cells as text (no cell cut short); classes: each column's cell_class;
    caption and unit, above it; row_headers: the index printed as each row's header (a
    fact sheet), otherwise no index column at all; total: the rows of the whole table
    where `shown` holds only its first ones (the table says so in a last row, and gives
    the count as data-rows); markup: the cells are HTML already (links), not text;
    style: with the table's <style> (a page that holds TABLE_CSS once says False).
    """
    from html import escape

    head = "".join(
        f'<th class="{c}" scope="col">{escape(str(h))}</th>'
        for h, c in zip(shown.columns, classes, strict=True)
    )
    if row_headers:
        head = '<th scope="col"></th>' + head
    rows = []
    index = [escape(str(i)) for i in shown.index] if row_headers else None
    for n, row in enumerate(shown.itertuples(index=False)):
        cells = "".join(
            f'<td class="{c}">{v if markup else escape(str(v))}</td>'
            for v, c in zip(row, classes, strict=True)
        )
        if index is not None:
            cells = f'<th scope="row">{index[n]}</th>' + cells
        rows.append(f"<tr>{cells}</tr>")
    rows_attribute = ""
    if total is not None and total > len(shown):
        span = len(classes) + (1 if row_headers else 0)
        more = escape(label("rows_shown", lang, shown=f"{len(shown):,}", n=f"{total:,}"))
        rows.append(f'<tr class="fa-more"><td class="text" colspan="{span}">{more}</td></tr>')
        rows_attribute = f' data-rows="{total}"'
    above = escape(caption)
    if unit:
        above += f'<span class="fa-unit">{escape(unit)}</span>'
    top = f"<caption>{above}</caption>" if above else ""
    body = "\n".join(rows)
    # A table of many columns prints smaller, to stay within an A4 page's width.
    table_class = "fa-table many" if len(classes) > WIDE_TABLE_COLUMNS else "fa-table"
    return (
        (f"<style>{TABLE_CSS}</style>\n" if style else "")
        + f'<table class="{table_class}"{rows_attribute}>{top}\n<thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n{body}\n</tbody>\n</table>"
    )


def display_width(text: str) -> int:
    """Return how many columns text takes in a terminal or a spreadsheet cell: a wide (CJK)
    character two, any other one."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def text_table(table: pd.DataFrame, numeric: set[str] | None = None) -> str:
    """Return the table of strings as aligned text; numeric columns are right-aligned."""
    columns = [str(c) for c in table.columns]
    rows = [[str(v) for v in row] for row in table.itertuples(index=False)]
    widths = [
        max([display_width(c), *(display_width(r[i]) for r in rows)]) for i, c in enumerate(columns)
    ]
    right = [bool(numeric and c in numeric) for c in columns]

    def line(cells: list[str]) -> str:
        padded = []
        for cell, width, align_right in zip(cells, widths, right, strict=True):
            pad = " " * (width - display_width(cell))
            padded.append(pad + cell if align_right else cell + pad)
        return "  ".join(padded).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(columns), rule, *(line(r) for r in rows)])


def people_text(
    table: pd.DataFrame, lang: str = "zh", categories: pd.DataFrame | None = None
) -> str:
    """Return the table formatted for people as aligned text, with its unit line on top."""
    people = for_people(table, lang, categories, fold=True)
    right = {
        column_header(c, lang)
        for c in table.columns
        if numeric(c) or pd.api.types.is_numeric_dtype(table[c])
    }
    return label("unit_wan", lang) + "\n" + text_table(people, right)


__all__ = ["COLUMNS", "PEOPLE_COLUMNS", "for_people", "people_text", "text_table"]


def headline_text(figures: dict[str, float], lang: str = "zh") -> str:
    """Return the one line of headline figures a report leads with
    (analysis.measure.measures.headline): "4 个项目 · 专项资金 200.00 万元 · …"."""
    return label(
        "headline",
        lang,
        n=f"{int(figures['n_projects']):,}",
        special=wan(figures["special"]),
        total=wan(figures["total"]),
        leverage=leverage(figures["leverage"]),
    )
