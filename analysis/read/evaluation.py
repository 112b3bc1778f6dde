"""Read what a performance self-evaluation adds to the tables: indicators, minimum leverage.

The optional indicators table (绩效指标) gets levels as codes and targets as numbers.
A 自评表's indicator values are written as a person writes them: `≥3次`, `≤ 5%`, `=1项`,
`100`, `良好`. Each target and actual keeps its text as given and is read as a number where
it holds one, with the sign before it (`≥`, `≤`, `=`, and 不低于, 以上 …) and the unit after
it. Levels and directions become the codes of analysis.words.scoring (an unknown spelling is
kept as given, for rule R25 to name); an empty direction is taken from the target's sign, or
is `qualitative` where the target is words, not a number.

A weight (分值) must be a number; a score (得分) or a target may be left empty, or hold a
placeholder (—, /, 无).
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from analysis.read.values import reject, require
from analysis.words.scoring import (
    LEVEL1_LOOKUP,
    LEVEL2_LOOKUP,
    SIGNS,
    direction_code,
    term_key,
)

COLUMNS = ["project_id", "level1", "level1_given", "level2", "level2_given", "name", "target",
           "target_text", "target_sign", "actual", "actual_text", "unit", "direction",
           "direction_given", "weight", "score", "score_text", "reason", "tolerance",
           "source_row"]  # fmt: skip

_AFTER = {"以上": ">=", "及以上": ">=", "以下": "<=", "及以下": "<=", "以内": "<="}
_SIGN = "|".join(re.escape(s) for s in sorted(SIGNS, key=len, reverse=True))
_AFTER_WORDS = "|".join(re.escape(s) for s in sorted(_AFTER, key=len, reverse=True))
VALUE = re.compile(
    rf"^\s*(?P<sign>{_SIGN})?\s*(?P<number>[+-]?(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?)"
    rf"\s*(?P<unit>.*?)\s*(?P<after>{_AFTER_WORDS})?\s*$"
)
# What a form writes in a cell that has no figure.
PLACEHOLDERS = frozenset({"—", "——", "-", "--", "/", "\\", "无", "n/a", "na", "不适用"})


def parse_value(text: object) -> tuple[float, str, str, float]:
    """Return (number, sign code, unit, tolerance) of an indicator value as written.

    number is NaN where the text holds none ("良好"), sign is "" where none is written,
    tolerance is half the last digit written (0.5 for "3", 0.05 for "95.5%").
    """
    plain = _cell(text)
    if plain is None:
        return np.nan, "", "", np.nan
    found = VALUE.match(plain)
    if found is None:
        return np.nan, "", "", np.nan
    number = found["number"].replace(",", "")
    decimals = len(number.partition(".")[2])
    sign = SIGNS.get(found["sign"] or "", "") or _AFTER.get(found["after"] or "", "")
    return float(number), sign, found["unit"].strip(), 0.5 * 10.0**-decimals


def _cell(value: object) -> str | None:
    """Return a cell as NFKC text, None where it is empty or a placeholder."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return None if not text or text.lower() in PLACEHOLDERS else text


def _points(table: pd.DataFrame, column: str, where: str) -> np.ndarray:
    """Return a column of points (weights or scores) as numbers, NaN where empty."""
    cells = [_cell(v) for v in table[column]]
    plain = pd.Series([None if c is None else c.replace(",", "") for c in cells], dtype="object")
    numbers = pd.to_numeric(plain, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.isnan(numbers) & plain.notna().to_numpy()
    reject("not_a_number", table, bad, where, column, "a number of points")
    return numbers


def _text(values: pd.Series) -> pd.Series:
    """Return the column as text (a categorical column, as a typed reading gives, spelled out)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype("object").where(values.notna(), None)
    return values.astype("str")


def _codes(given: pd.Series, lookup: dict[str, str]) -> pd.Series:
    """Return the code of each spelling; an unknown spelling as given, an empty one as ""."""
    return given.map(lambda v: "" if pd.isna(v) else lookup.get(term_key(v), str(v))).astype("str")


def _direction(given: object, sign: str, number: float, target: object) -> str:
    """Return an indicator's direction code: as given, else the target's sign, else
    qualitative where the target is words; "" where nothing says (rule R25 names it)."""
    if not pd.isna(given):
        return direction_code(given) or str(given)
    if sign:
        return sign
    written = not pd.isna(target) and str(target).strip().lower() not in PLACEHOLDERS
    return "qualitative" if written and np.isnan(number) else ""


def indicators_table(raw: pd.DataFrame | None, where: str | None) -> pd.DataFrame:
    """Return the indicators (COLUMNS) read from the raw table (an empty table if None)."""
    if raw is None or raw.empty:
        return empty_indicators()
    for column in ("project_id", "name", "weight"):
        require(raw, column, where)
    texts = {c: _text(raw[c]) for c in ("level1", "level2", "target", "actual", "unit",
                                         "direction", "score", "reason", "name")}  # fmt: skip
    target = [parse_value(v) for v in texts["target"]]
    actual = [parse_value(v) for v in texts["actual"]]
    target_number = np.array([t[0] for t in target], dtype=np.float64)
    target_sign = [t[1] for t in target]
    written = [t[2] or a[2] or None for t, a in zip(target, actual, strict=True)]
    unit = texts["unit"].where(texts["unit"].notna(), pd.Series(written, index=raw.index))
    direction = [
        _direction(given, sign, number, text)
        for given, sign, number, text in zip(
            texts["direction"], target_sign, target_number, texts["target"], strict=True
        )
    ]
    table = pd.DataFrame(
        {
            "project_id": raw["project_id"].astype("str"),
            "level1": _codes(texts["level1"], LEVEL1_LOOKUP),
            "level1_given": texts["level1"],
            "level2": _codes(texts["level2"], LEVEL2_LOOKUP),
            "level2_given": texts["level2"],
            "name": texts["name"],
            "target": target_number,
            "target_text": texts["target"],
            "target_sign": pd.Series(target_sign, index=raw.index, dtype="str"),
            "actual": np.array([a[0] for a in actual], dtype=np.float64),
            "actual_text": texts["actual"],
            "unit": unit.astype("str"),
            "direction": pd.Series(direction, index=raw.index, dtype="str"),
            "direction_given": texts["direction"],
            "weight": _points(raw, "weight", where),
            "score": _points(raw, "score", where),
            "score_text": texts["score"],
            "reason": texts["reason"],
            "tolerance": np.array([t[3] for t in target], dtype=np.float64),
            "source_row": raw["source_row"].to_numpy(),
        }
    )
    return table[COLUMNS].reset_index(drop=True)


def empty_indicators() -> pd.DataFrame:
    """Return an indicators table without rows."""
    numbers = ("target", "actual", "weight", "score", "tolerance")
    return pd.DataFrame(
        {
            c: pd.Series(
                dtype="float64" if c in numbers else "int64" if c == "source_row" else "str"
            )
            for c in COLUMNS
        }
    )


_LEVERAGE = re.compile(r"^\s*(?:1\s*:\s*)?(?P<number>\d+(?:\.\d+)?|\.\d+)\s*$")


def min_leverage_column(table: pd.DataFrame, where: str) -> np.ndarray:
    """Return the programs' required leverage (自筹 : 专项) as numbers, NaN where none.

    Written 1.5 or, as a bureau writes it, 1:1.5 (or 1 : 1.5, 1：1.5).
    """
    cells = [_cell(v) for v in table["min_leverage"]]
    found = [None if c is None else _LEVERAGE.match(c) for c in cells]
    bad = np.array([c is not None and m is None for c, m in zip(cells, found, strict=True)])
    reject("bad_value", table, bad, where, "min_leverage", "a leverage such as 1.5 or 1:1.5")
    return np.array([np.nan if m is None else float(m["number"]) for m in found])
