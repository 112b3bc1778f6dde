"""Tables for people: 万元 with 2 decimals and thousands separators, 1 : x, labels in one language.

Programs get plain numbers (CSV and JSON at full precision); people get the strings
made here, in the CLI's table format, in the notebooks and in the Excel summary.
"""

from __future__ import annotations

import math
import unicodedata

import pandas as pd

from analysis.words.labels import LABELS, category_names, group_names, label

AMOUNT_COLUMNS = frozenset(
    {
        "special",
        "self_raised",
        "total",
        "self_raised_actual",
        "self_raised_budget_reported",
        "declared_special",
        "value",
        "expected",
        "declared",
        "summed",
        "difference",
    }
)
PERCENT_COLUMNS = frozenset(
    {
        "special_share",
        "self_raised_share",
        "category_share",
        "special_coverage",
        "special_split",
        "execution_rate",
    }
)

_CATEGORY = ["category", "group", "total", "special", "self_raised", "category_share",
             "special_coverage", "special_split"]  # fmt: skip
_TOTALS = ["n_projects", "special", "self_raised", "total", "special_share", "self_raised_share",
           "leverage", "multiplier", "self_raised_actual", "execution_rate"]  # fmt: skip

# For each table of Measures, the columns a person reads (CLI tables, notebooks, Excel).
PEOPLE_COLUMNS: dict[str, list[str]] = {
    "projects": ["project_id", "organization", "special", "self_raised", "total", "special_share",
                 "self_raised_share", "leverage", "multiplier", "execution_rate"],
    "categories": ["project_id", "organization", *_CATEGORY],
    "groups": ["project_id", "organization", *(c for c in _CATEGORY if c != "category")],
    "by_category": ["program", "year", *_CATEGORY],
    "by_group": ["program", "year", *(c for c in _CATEGORY if c != "category")],
    "programs": ["program", "year", *_TOTALS, "declared_special"],
    "years": ["year", *_TOTALS],
}  # fmt: skip


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def wan(value: object) -> str:
    """Return an amount in 万元 as people read it: '1,234.50'; blank when unknown."""
    return "" if _missing(value) else f"{float(value):,.2f}"


def percent(value: object) -> str:
    """Return a share as a percentage with one decimal: '21.7%'."""
    return "" if _missing(value) else f"{float(value):.1%}"


def leverage(value: object) -> str:
    """Return leverage as '1 : 3.62' (company yuan per special-fund yuan)."""
    return "" if _missing(value) else f"1 : {float(value):,.2f}"


def multiplier(value: object) -> str:
    """Return the multiplier with two decimals: '4.62'."""
    return "" if _missing(value) else f"{float(value):,.2f}"


def tolerance(value: object) -> str:
    """Return a reconciliation tolerance in 万元 with three decimals (it is n × 0.005)."""
    return "" if _missing(value) else f"{float(value):,.3f}"


def column_kind(column: str) -> str | None:
    """Return how a column's numbers are shown: amount, tolerance, percent, leverage, ratio."""
    if column in AMOUNT_COLUMNS:
        return "amount"
    if column in PERCENT_COLUMNS:
        return "percent"
    return {"tolerance": "tolerance", "leverage": "leverage", "multiplier": "ratio"}.get(column)


# kind -> the text people read (the Excel summary keeps numbers, with the same look).
_FORMATTERS = {
    "amount": wan,
    "tolerance": tolerance,
    "percent": percent,
    "leverage": leverage,
    "ratio": multiplier,
}


def _shown(column: str):
    return _FORMATTERS.get(column_kind(column))


def for_people(
    table: pd.DataFrame, lang: str = "zh", categories: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Return the table as text for people: formatted figures, named categories, headers in lang."""
    shown = pd.DataFrame(index=table.index)
    for column in table.columns:
        values = table[column]
        if column == "category":
            shown[column] = category_names(values, lang, categories)
        elif column == "group":
            shown[column] = group_names(values, lang)
        elif column in ("severity", "level", "figure"):
            shown[column] = values.map(lambda s: label(s, lang) if s in LABELS else s)
        elif column == "derived":
            shown[column] = values.map(lambda d: label(f"derived_{d}", lang) if d else "")
        elif column == "ok":
            shown[column] = values.map(lambda ok: label("yes" if ok else "no", lang))
        elif (fmt := _shown(column)) is not None:
            shown[column] = values.map(fmt)
        else:
            shown[column] = values.astype("object").where(values.notna(), "")
    headers = [label(c, lang) if c in LABELS else c for c in table.columns]
    return shown.set_axis(headers, axis=1)


def _width(text: str) -> int:
    """Return how many terminal columns text takes (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def text_table(table: pd.DataFrame, numeric: set[str] | None = None) -> str:
    """Return the table of strings as aligned text; numeric columns are right-aligned."""
    columns = [str(c) for c in table.columns]
    rows = [[str(v) for v in row] for row in table.itertuples(index=False)]
    widths = [max([_width(c), *(_width(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    right = [bool(numeric and c in numeric) for c in columns]

    def line(cells: list[str]) -> str:
        padded = []
        for cell, width, align_right in zip(cells, widths, right, strict=True):
            pad = " " * (width - _width(cell))
            padded.append(pad + cell if align_right else cell + pad)
        return "  ".join(padded).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(columns), rule, *(line(r) for r in rows)])


def people_text(
    table: pd.DataFrame, lang: str = "zh", categories: pd.DataFrame | None = None
) -> str:
    """Return the table formatted for people as aligned text, with its unit line on top."""
    shown = for_people(table, lang, categories)
    numeric = {
        label(c, lang)
        for c in table.columns
        if _shown(c) is not None or pd.api.types.is_numeric_dtype(table[c])
    }
    return label("unit_wan", lang) + "\n" + text_table(shown, numeric)
