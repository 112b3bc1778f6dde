"""Parse the cells of a table: amounts to whole 分 by their row's unit, years, category spellings.

A cell that is not what its column holds stops the reading with an InputError that quotes it.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.errors import InputError
from analysis.read.keys import distinct, spread
from analysis.words.vocabulary import DEFAULT_UNIT, FEN_PER_WAN, UNIT_ALIASES, UNIT_FACTORS

_NUMBER_PATTERN = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
# Thousands separators, as Excel and people write them: groups of three, none after the point.
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")

# The largest amount, either way, in 分, and the largest sum of a table's amounts taken
# without sign. Amounts are summed as float64 counts of whole 分, exact below 2**53 (about
# 9.0e15 分, 9.0e9 万元). Where a table's amounts add up to at most 4.5e15 分 (4.5e9 万元,
# 45 万亿元: beyond any budget; below 2**52), every sum of them is exact, given or derived
# (total = special + self_raised), and so is the difference of two such sums, also across
# tables (a project's lines against its total, a program's projects against its
# declaration). A million budget lines of up to 4,000 万元 each stay within it.
MAX_AMOUNT_FEN = 45 * 10**14
_MAX_AMOUNT = f"{MAX_AMOUNT_FEN // FEN_PER_WAN:,} 万元"


def reject(
    kind: str, table: pd.DataFrame, bad: np.ndarray, where: str, column: str, expected: str
) -> None:
    """Raise an InputError at the first row marked bad, quoting what the cell holds."""
    if not bad.any():
        return
    i = int(np.flatnonzero(bad)[0])
    found = table[column].iloc[i]
    raise InputError(
        kind,
        where,
        row=int(table["source_row"].iloc[i]),
        column=column,
        expected=expected,
        found=None if pd.isna(found) else found,
    )


def unit_column(table: pd.DataFrame, where: str) -> tuple[Callable[[], pd.Series], np.ndarray]:
    """Return how to spell each row's unit, and each row's factor to 分; raise for an
    unknown unit.

    The spelling is a million text cells, wanted only in the table at the end: it is
    returned to be worked out there, side by side with the amounts that need the factors.
    """
    spellings, which = distinct(table["unit"], missing=DEFAULT_UNIT)
    names = [UNIT_ALIASES.get(spelling.lower()) for spelling in spellings]
    unknown = np.array([name is None for name in names])
    reject("unknown_unit", table, unknown[which], where, "unit", "元, 万元 or 亿元")
    factors = np.array([UNIT_FACTORS.get(name, 0) for name in names], dtype=np.int64)
    return functools.partial(spread, names, which, table.index), factors[which]


def fen_column(table: pd.DataFrame, column: str, factors: np.ndarray, where: str) -> np.ndarray:
    """Return the column's amounts as whole 分 (float array, NaN where empty)."""
    text = table[column]
    if text.dtype.kind == "f":  # read as numbers already (see read_typed)
        numbers = text.to_numpy(dtype=np.float64, copy=True)
    else:
        numbers = _parsed(table, column, where)
    with np.errstate(over="ignore"):  # 1e308 in 亿元 is inf: refused just below
        scaled = numbers * factors
    _check_range(table, column, scaled, where)
    fen = np.rint(scaled)
    # Float parsing is exact to far below one 分; anything finer was in the text.
    reject("too_precise", table, np.abs(scaled - fen) > 0.01, where, column, "whole 分 (0.01 元)")
    return fen


def _check_range(table: pd.DataFrame, column: str, fen: np.ndarray, where: str) -> None:
    """Raise at the first amount beyond MAX_AMOUNT_FEN either way (1e308 in 亿元 is one: inf)."""
    expected = f"an amount of at most {_MAX_AMOUNT} either way"
    reject("out_of_range", table, np.abs(fen) > MAX_AMOUNT_FEN, where, column, expected)


def check_sums(table: pd.DataFrame, amounts: dict[str, np.ndarray], where: str) -> None:
    """Raise at the row where the table's amounts (in 分, taken without sign) add up to more
    than MAX_AMOUNT_FEN, naming the largest amount of that row: beyond it, sums lose 分."""
    if sum(float(np.nansum(np.abs(fen))) for fen in amounts.values()) <= MAX_AMOUNT_FEN:
        return
    size = sum(np.nan_to_num(np.abs(fen)) for fen in amounts.values())
    crossed = np.cumsum(size) > MAX_AMOUNT_FEN
    row = int(np.argmax(crossed))
    column = max(amounts, key=lambda c: np.nan_to_num(np.abs(amounts[c][row])))
    expected = f"amounts that add up to at most {_MAX_AMOUNT} in the table, so that sums stay exact"
    reject("out_of_range", table, crossed, where, column, expected)


def _parsed(table: pd.DataFrame, column: str, where: str) -> np.ndarray:
    """Return a text column's numbers (NaN where empty), raising at a cell that is none."""
    text = table[column]
    numbers = _plain_numbers(text)
    # What the fast parse left out (or read as nan or inf) takes the careful path.
    other = np.flatnonzero(np.isnan(numbers) & text.notna().to_numpy() | np.isinf(numbers))
    if len(other):
        numbers[other] = _numbers(text.iloc[other])
        bad = np.zeros(len(text), dtype=bool)
        bad[other] = ~np.isfinite(numbers[other])  # 1e400 reads as inf: no amount either
        reject("not_a_number", table, bad, where, column, "a number")
    return numbers


def _plain_numbers(text: pd.Series) -> np.ndarray:
    """Return the column as floats where a cell is a plain number, NaN elsewhere.

    pyarrow's cast parses a million cells in milliseconds where pd.to_numeric takes most
    of a second; it refuses the whole column at the first cell it cannot read, and then
    only the cells that look like plain numbers are cast.
    """
    cells = pa.array(text, from_pandas=True, type=pa.large_string())
    try:
        numbers = pc.cast(cells, pa.float64())
    except pa.ArrowInvalid:
        plain = pc.match_substring_regex(cells, _NUMBER_PATTERN)
        numbers = pc.cast(pc.if_else(plain, cells, None), pa.float64())
    return numbers.to_numpy(zero_copy_only=False).astype(np.float64, copy=True)


def _numbers(text: pd.Series) -> np.ndarray:
    """Return the cells as floats the careful way, NaN where a cell is not a number."""
    numbers = pd.to_numeric(text, errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan, copy=True
    )
    bad = np.isnan(numbers) & text.notna().to_numpy() | np.isinf(numbers)
    if bad.any():
        # A second, forgiving pass for thousands separators and full-width digits.
        where_bad = np.flatnonzero(bad)
        loose = text.iloc[where_bad].map(_loose_number)
        matched = loose.str.fullmatch(_NUMBER_PATTERN).fillna(False).to_numpy(dtype=bool)
        numbers[where_bad[matched]] = loose[matched].astype(float).to_numpy()
        numbers[where_bad[~matched]] = np.nan
    return numbers


def _loose_number(text: str) -> str:
    """Return the cell with full-width digits made plain and thousands separators dropped,
    where they stand in groups of three (1,234,567.5); "52,5" or "5 2" stay as they are."""
    text = unicodedata.normalize("NFKC", text).strip()
    return text.replace(",", "") if _GROUPED.fullmatch(text) else text


def require(table: pd.DataFrame, column: str, where: str) -> None:
    reject("missing_value", table, table[column].isna().to_numpy(), where, column, "a value")


def year_column(table: pd.DataFrame, where: str) -> pd.Series:
    require(table, "year", where)
    text = table["year"].str.removesuffix(".0")
    numbers = _plain_numbers(text)
    other = np.flatnonzero(np.isnan(numbers) | np.isinf(numbers))
    numbers[other] = pd.to_numeric(text.iloc[other], errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    years = pd.Series(numbers, index=table.index)
    bad = years.isna() | (years % 1 != 0) | (years < 1900) | (years > 2200)
    reject("bad_value", table, bad.to_numpy(), where, "year", "a year such as 2021")
    return years.astype("int64")


def category_lookup(categories: pd.DataFrame) -> dict[str, str]:
    """Return a map from each accepted spelling of a category (code, names, aliases) to its code."""
    lookup: dict[str, str] = {}
    for row in categories.itertuples(index=False):
        spellings = [row.code, row.name_zh, row.name_en, *str(row.aliases).split("|")]
        for spelling in spellings:
            key = category_key(spelling)
            if key:
                lookup.setdefault(key, row.code)
    return lookup


def category_key(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip().lower().replace(" ", "")


def category_codes(given: pd.Series, categories: pd.DataFrame) -> pd.Series:
    """Return the code of each given category spelling (the spelling as given where unknown)."""
    lookup = category_lookup(categories)
    spellings, which = distinct(given)
    codes = [None if s is None else lookup.get(category_key(s), s) for s in spellings]
    return spread(codes, which, given.index)
