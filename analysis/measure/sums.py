"""Sums in whole 分 and ratios of them: what every measure above project level is made of.

Amounts are summed as whole 分 (exact in float64 below 2**53 分, in any order), so a table
in 元 and the same table in 万元 give identical sums, and a ratio above project level is a
ratio of such sums, never a mean of ratios.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.read.keys import numbered
from analysis.words.vocabulary import FEN_PER_WAN, fen


def ratio(numerator: pd.Series | np.ndarray, denominator: pd.Series | np.ndarray) -> np.ndarray:
    """Return numerator / denominator, NaN where the denominator is zero or missing."""
    num = np.asarray(numerator, dtype=np.float64)
    den = np.asarray(denominator, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.divide(num, den)  # NaN already where either is missing
    if np.ndim(out):
        out[np.broadcast_to(den == 0, out.shape)] = np.nan
    elif den == 0:
        out = np.float64(np.nan)
    return out


def exact_sum(table: pd.DataFrame, keys: list[str], columns: list[str]) -> pd.DataFrame:
    """Return the columns summed per key in whole 分, back in 万元 (NaN where all are missing).

    Keys come in order of first appearance, a missing key counting as a value, as
    groupby(sort=False, dropna=False) gives them.
    """
    codes = [pd.factorize(table[key], use_na_sentinel=False)[0] for key in keys]
    group, first = numbered(*codes)
    sums = _fen_sums({column: fen(table[column]) for column in columns}, group, len(first))
    keyed = table[keys].iloc[first].reset_index(drop=True)
    return keyed.assign(**{column: fen_sums / FEN_PER_WAN for column, fen_sums in sums.items()})


def _fen_sums(amounts: dict[str, np.ndarray], group: np.ndarray, n: int) -> dict:
    """Return each array of 分 summed per group, in 分 (NaN where all are missing)."""
    sums = {}
    for column, values in amounts.items():
        present = ~np.isnan(values)
        # Whole 分 in float64 add up exactly (below 2**53 分) in any order.
        if present.all():  # every group has a row, so every sum has a figure
            sums[column] = np.bincount(group, values, minlength=n)
            continue
        summed = np.bincount(group, np.where(present, values, 0.0), minlength=n)
        counted = np.bincount(group, present, minlength=n)
        sums[column] = np.where(counted > 0, summed, np.nan)
    return sums
