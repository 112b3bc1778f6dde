"""The reconciliation table: each declared figure beside the sum of the figures under it.

One row per project with budget lines and figure (its total and its special fund against
its lines) and one per declared program and year (its special total against its
projects). The tolerance is 0.005 万元 for each figure summed; `ok` says whether the sum
is within it. Rules R09, R10 and R11 report the rows that are not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.facts import TOLERANCE_FEN_PER_FIGURE, Facts, fen
from analysis.load import Dataset
from analysis.vocabulary import FEN_PER_WAN

COLUMNS = ["level", "key", "program", "year", "organization", "figure", "declared", "summed",
           "n_summed", "difference", "tolerance", "ok", "source_row"]  # fmt: skip


def _rows(level, keys, table, figure, declared_fen, summed_fen, n, organization) -> pd.DataFrame:
    tolerance = TOLERANCE_FEN_PER_FIGURE * n
    difference = summed_fen - declared_fen
    return pd.DataFrame(
        {
            "level": level,
            "key": np.asarray(keys),
            "program": table["program"].to_numpy(),
            "year": table["year"].to_numpy(),
            "organization": organization,
            "figure": figure,
            "declared": declared_fen / FEN_PER_WAN,
            "summed": summed_fen / FEN_PER_WAN,
            "n_summed": n,
            "difference": difference / FEN_PER_WAN,
            "tolerance": tolerance / FEN_PER_WAN,
            "ok": np.abs(difference) <= tolerance,
            "source_row": table["source_row"].to_numpy(),
        }
    )


def reconciliation(ds: Dataset) -> pd.DataFrame:
    """Return the reconciliation table (COLUMNS): each project's total and special fund
    against its lines, in the projects' order, then each declared program and year.

    A project's total that was itself derived from its lines has nothing to be compared
    with and is left out; so is a project without lines (rule R16 names it).
    """
    facts = Facts.of(ds)
    projects = facts.first_projects
    # The first rows are in id-code order, so code i's line sums belong to row i.
    sums = {name: values[: len(projects)] for name, values in facts.line_sums.items()}
    has_lines = sums["n"] > 0
    derived = facts.projects["derived"].to_numpy()[facts.first_rows]
    from_lines = np.char.startswith(derived.astype(str), "total")
    parts = []
    for figure, keep in (("total", has_lines & ~from_lines), ("special", has_lines)):
        p = projects[keep]
        parts.append(
            _rows(
                "project",
                p["project_id"],
                p,
                figure,
                fen(p[figure]),
                sums[figure][keep],
                sums["n"][keep],
                p["organization"].to_numpy(),
            )
        )
    by_project = pd.concat(parts, ignore_index=True)
    # Each project's two rows together, total first.
    order = np.lexsort((by_project["figure"].ne("total"), by_project["source_row"]))
    programs = facts.program_sums
    program_rows = _rows(
        "program",
        programs["program"] + " " + programs["year"].astype(str),
        programs,
        "special",
        fen(programs["special_total"]),
        programs["summed"].fillna(0).to_numpy(),
        programs["n"].fillna(0).to_numpy(dtype=np.int64),
        "",
    )
    return pd.concat([by_project.iloc[order], program_rows], ignore_index=True)[COLUMNS]
