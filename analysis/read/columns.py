"""The columns each input table must and may have, and how a header and its cells are cleaned."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis._parallel import each
from analysis.errors import InputError
from analysis.read.keys import one_piece


@dataclass(frozen=True)
class TableSpec:
    """The columns one input table must and may have, and which of them hold money."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    amounts: tuple[str, ...] = ()
    needed: bool = True


SPECS: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "projects",
            required=("project_id", "year", "program", "organization", "special"),
            optional=(
                "title",
                "self_raised",
                "total",
                "self_raised_actual",
                "unit",
                "region",
                "special_received",
                "special_actual",
                "self_raised_received",
                "goal",
                "goal_result",
            ),
            amounts=(
                "special",
                "self_raised",
                "total",
                "self_raised_actual",
                "special_received",
                "special_actual",
                "self_raised_received",
            ),
        ),
        TableSpec(
            "budget_lines",
            required=("project_id", "category", "total"),
            optional=("special", "unit", "note", "actual", "special_actual"),
            amounts=("total", "special", "actual", "special_actual"),
        ),
        TableSpec(
            "programs",
            required=("program", "year", "special_total"),
            optional=("unit", "special_initial", "min_leverage"),
            amounts=("special_total", "special_initial"),
            needed=False,
        ),
        TableSpec(
            "categories",
            required=("code", "name_zh", "group"),
            optional=("name_en", "aliases"),
            needed=False,
        ),
        # A performance self-evaluation's indicators (绩效指标); see analysis.read.evaluation.
        TableSpec(
            "indicators",
            required=("project_id", "level1", "level2", "name", "weight"),
            optional=("target", "actual", "unit", "direction", "score", "reason"),
            needed=False,
        ),
    )
}


def checked_columns(table: pd.DataFrame, spec: TableSpec, where: str) -> pd.DataFrame:
    """Return the table with normalised column names, or raise for a missing column."""
    names = [column_key(c) for c in table.columns]
    checked_names(names, spec, where)
    table = table.set_axis(names, axis=1)
    keep = [c for c in (*spec.required, *spec.optional) if c in table.columns]
    rows = table["source_row"].to_numpy()
    cleaned = each(lambda c: clean_text(table[c]), keep, rows=len(table))
    table = pd.DataFrame(dict(zip(keep, cleaned, strict=True)))
    table["source_row"] = rows
    return finished(table, keep, spec)


def checked_names(names: list[str], spec: TableSpec, where: str) -> None:
    """Raise for a column given twice or a required column missing."""
    seen: set[str] = set()
    for name in names:
        if name in seen and name:  # empty header cells are columns nobody named
            raise InputError("repeated", where, row=1, column=name, expected="each column once")
        seen.add(name)
    for column in spec.required:
        if column not in names:
            raise InputError(
                "missing_column", where, row=1, column=column, expected=", ".join(spec.required)
            )
    if spec.name == "projects" and "total" not in names and "self_raised" not in names:
        raise InputError(
            "missing_column", where, row=1, column="total", expected="total or self_raised"
        )


def finished(table: pd.DataFrame, keep: list[str], spec: TableSpec) -> pd.DataFrame:
    """Return the table without blank rows and with every optional column (NA if absent)."""
    filled = np.zeros(len(table), dtype=bool)
    for column in keep:  # a required column is usually filled throughout: then stop there
        filled |= table[column].notna().to_numpy()
        if filled.all():
            break
    else:  # blank rows: rare enough to copy the table for
        table = table[filled].reset_index(drop=True)
    for column in spec.optional:
        if column not in table.columns:
            table[column] = pd.Series(pd.NA, index=table.index, dtype="str")
    return table


def column_key(name: object) -> str:
    if name == "source_row":
        return "source_row"
    return unicodedata.normalize("NFKC", str(name)).strip().lstrip("\ufeff").lower()


def clean_text(values: pd.Series) -> pd.Series:
    """Return the column as stripped text with empty cells as NA, in one piece."""
    cells = pc.utf8_trim_whitespace(pa.array(values.astype("str"), from_pandas=True))
    empty = pc.equal(cells, "")
    if pc.any(empty).as_py():
        cells = pc.if_else(empty, None, cells)
    # The reader hands a column over in pieces, and every later take of a few rows from a
    # column in pieces first copies the whole column into one.
    return pd.Series(pd.array(one_piece(cells), dtype="str"), index=values.index)
