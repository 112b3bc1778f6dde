"""The reconciliation table: each declared figure beside the sum of the figures under it.

One row per project and figure (its total and its special fund against its budget lines)
and one per program and year (its declared special total against its projects). The
tolerance is 0.005 万元 for each figure summed; `ok` says whether the sum is within it.
Rules R09, R10 and R11 report the rows that are not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.load import Dataset
from analysis.vocabulary import FEN_PER_WAN

# Half of the last printed digit (0.01 万元), in 分, for each figure in a sum.
TOLERANCE_FEN_PER_FIGURE = 5_000

COLUMNS = [
    "level",
    "key",
    "organization",
    "figure",
    "declared",
    "summed",
    "n_summed",
    "difference",
    "tolerance",
    "ok",
    "source_row",
]


def fen(wan: pd.Series | np.ndarray) -> np.ndarray:
    """Return 万元 amounts as whole 分 (float, NaN kept), for exact sums and comparisons."""
    return np.rint(np.asarray(wan, dtype=np.float64) * FEN_PER_WAN)


def _rows(
    level: str,
    key: pd.Series,
    organization: pd.Series | str,
    figure: str,
    declared_fen: np.ndarray,
    summed_fen: np.ndarray,
    n: np.ndarray,
    source_row: pd.Series,
) -> pd.DataFrame:
    tolerance = TOLERANCE_FEN_PER_FIGURE * n
    difference = summed_fen - declared_fen
    return pd.DataFrame(
        {
            "level": level,
            "key": key.to_numpy(),
            "organization": organization
            if isinstance(organization, str)
            else organization.to_numpy(),
            "figure": figure,
            "declared": declared_fen / FEN_PER_WAN,
            "summed": summed_fen / FEN_PER_WAN,
            "n_summed": n,
            "difference": difference / FEN_PER_WAN,
            "tolerance": tolerance / FEN_PER_WAN,
            "ok": np.abs(difference) <= tolerance,
            "source_row": source_row.to_numpy(),
        }
    )


def project_sums(ds: Dataset) -> pd.DataFrame:
    """Return per project that has lines: the lines' total and special in 分, and their count."""
    lines = ds.lines
    return (
        pd.DataFrame(
            {
                "project_id": lines["project_id"].to_numpy(),
                "total": fen(lines["total"]),
                "special": fen(lines["special"]),
            }
        )
        .groupby("project_id", sort=False)
        .agg(total=("total", "sum"), special=("special", "sum"), n=("total", "size"))
    )


def program_sums(ds: Dataset) -> pd.DataFrame:
    """Return per declared program and year: the declared table joined with the projects' sum."""
    projects = ds.projects.drop_duplicates("project_id")
    summed = (
        pd.DataFrame(
            {
                "program": projects["program"].to_numpy(),
                "year": projects["year"].to_numpy(),
                "special": fen(projects["special"]),
            }
        )
        .groupby(["program", "year"], sort=False)
        .agg(summed=("special", "sum"), n=("special", "size"))
    )
    return ds.programs.join(summed, on=["program", "year"], how="left")


def reconciliation(ds: Dataset) -> pd.DataFrame:
    """Return the reconciliation table (COLUMNS), projects with lines first, then programs.

    A project whose total was derived from its lines is not listed for its total: there
    is no declared figure to compare.
    """
    projects = ds.projects.drop_duplicates("project_id")
    sums = project_sums(ds).reindex(projects["project_id"])
    has_lines = sums["n"].notna().to_numpy()
    declared_total = ~projects["derived"].str.startswith("total").to_numpy()
    parts = []
    for figure, keep in (("total", has_lines & declared_total), ("special", has_lines)):
        p = projects[keep]
        s = sums[keep]
        parts.append(
            _rows(
                "project",
                p["project_id"],
                p["organization"],
                figure,
                fen(p[figure]),
                s[figure].to_numpy(),
                s["n"].to_numpy(dtype=np.int64),
                p["source_row"],
            )
        )
    by_project = pd.concat(parts, ignore_index=True)
    position = pd.Series(np.arange(len(projects)), index=projects["project_id"].to_numpy())
    order = np.lexsort((by_project["figure"].ne("total"), by_project["key"].map(position)))
    parts = [by_project.iloc[order]]
    programs = program_sums(ds)
    parts.append(
        _rows(
            "program",
            programs["program"] + " " + programs["year"].astype(str),
            "",
            "special",
            fen(programs["special_total"]),
            programs["summed"].fillna(0).to_numpy(),
            programs["n"].fillna(0).to_numpy(dtype=np.int64),
            programs["source_row"],
        )
    )
    return pd.concat(parts, ignore_index=True)[COLUMNS]
