"""Integer keys and distinct values: text hashed once, the rest integer work.

A province's tables have a million budget lines. Project ids become integer codes, and
columns with a handful of distinct values (unit, category) are worked on per distinct value
and spread back; the reading, the rules and the measures share these helpers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def one_piece(cells: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Return a pyarrow column as one array (copied only if it is in several pieces)."""
    if not isinstance(cells, pa.ChunkedArray):
        return cells
    return cells.chunk(0) if cells.num_chunks == 1 else cells.combine_chunks()


def id_codes(ids: pd.Series, others: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Return integer codes for two columns of project ids: the same id, the same code.

    The first column's ids get the codes 0..k-1 in order of first appearance; an id found
    only in the other column gets a code of k or more. Matching a million lines to their
    projects is then integer work (np.bincount, indexing) instead of hashing text again
    in every map, isin and groupby.
    """
    codes, _ = pd.factorize(pd.concat([ids, others], ignore_index=True))
    return codes[: len(ids)], codes[len(ids) :]


def numbered(*codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return each row's group, numbered in order of first appearance, and each group's first row.

    A group is a distinct combination of the integer codes given per row.
    """
    group = codes[0]
    for code in codes[1:]:
        width = code.max(initial=0) + 1
        if group.max(initial=0) >= np.iinfo(np.int64).max // width - width:
            group = pd.factorize(group)[0]  # renumbered densely, so that the product fits
        group = group * width + code
    group = pd.factorize(group)[0]
    return group, first_rows(group)


def first_rows(codes: np.ndarray) -> np.ndarray:
    """Return, for each code 0..k-1 of id_codes' first column, the row where it first occurs."""
    return np.flatnonzero(is_first(codes))


def is_first(codes: np.ndarray) -> np.ndarray:
    """Return whether each row is the first with its code (codes numbered as they appear)."""
    # Codes are handed out in order of appearance: a row is a first where its code is new.
    seen = np.maximum.accumulate(np.r_[-1, codes[:-1]])
    return codes > seen


def distinct(values: pd.Series, missing: object = None) -> tuple[list, np.ndarray]:
    """Return the column's distinct values (then `missing`) and where each row's value sits."""
    codes, uniques = pd.factorize(values)
    return [*uniques, missing], np.where(codes < 0, len(uniques), codes)


def spread(texts: list[str | None], which: np.ndarray, index: pd.Index) -> pd.Series:
    """Return a text column holding texts[which[i]] in row i (None as NA)."""
    taken = pc.take(pa.array(texts, type=pa.large_string()), pa.array(which))
    return pd.Series(pd.array(taken, dtype="str"), index=index)
