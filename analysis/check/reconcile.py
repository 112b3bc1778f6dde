"""The reconciliation table: each declared figure beside the sum of the figures under it.

One row per project with budget lines and figure (its total and its special fund against
its lines) and one per declared program and year (its special total against its
projects). The tolerance is 0.005 万元 for each figure summed; `ok` says whether the sum
is within it. `compare` is that test, and rules R09, R10 and R11 report where it fails.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from analysis.check._facts import Facts
from analysis.read.load import Dataset
from analysis.words.vocabulary import FEN_PER_WAN, TOLERANCE_FEN_PER_FIGURE, fen

COLUMNS = ["level", "key", "program", "year", "organization", "figure", "declared", "summed",
           "n_summed", "difference", "tolerance", "ok", "source_row"]  # fmt: skip


def compare(
    declared: np.ndarray, summed: np.ndarray, n: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (difference, tolerance, ok), in 分, of sums of n figures against declared ones."""
    tolerance = TOLERANCE_FEN_PER_FIGURE * n
    difference = summed - declared
    return difference, tolerance, np.abs(difference) <= tolerance


def project_figures(facts: Facts) -> Iterator[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
    """Yield, for 'total' and 'special', which projects are compared and their declared
    figure, lines' sum and line count (分; arrays over Facts.first_projects).

    A project without lines has nothing to compare (rule R16 names it), nor has a total
    that was itself derived from the lines.
    """
    projects = facts.first_projects
    # The first rows are in id-code order, so code i's line sums belong to row i.
    sums = {name: values[: len(projects)] for name, values in facts.line_sums.items()}
    has_lines = sums["n"] > 0
    from_lines = facts.projects["derived"].str.startswith("total").to_numpy(dtype=bool)
    from_lines = from_lines[facts.first_rows]
    for figure, compared in (("total", has_lines & ~from_lines), ("special", has_lines)):
        yield figure, compared, fen(projects[figure]), sums[figure]


def line_counts(facts: Facts) -> np.ndarray:
    """Return the number of lines of each of Facts.first_projects."""
    return facts.line_sums["n"][: len(facts.first_projects)]


def _table(level: str, key, source: pd.DataFrame, organization, figure: str, declared, summed, n):
    difference, tolerance, ok = compare(declared, summed, n)
    return pd.DataFrame(
        {
            "level": level,
            "key": pd.Series(key).reset_index(drop=True),
            "program": source["program"].reset_index(drop=True),
            "year": source["year"].reset_index(drop=True),
            "organization": organization,
            "figure": figure,
            "declared": declared / FEN_PER_WAN,
            "summed": summed / FEN_PER_WAN,
            "n_summed": n,
            "difference": difference / FEN_PER_WAN,
            "tolerance": tolerance / FEN_PER_WAN,
            "ok": ok,
            "source_row": source["source_row"].to_numpy(),
        }
    )


def reconciliation(ds: Dataset) -> pd.DataFrame:
    """Return the reconciliation table (COLUMNS): each project's total and special fund
    against its lines, in the projects' order (total first), then each declared program."""
    facts = Facts.of(ds)
    projects = facts.first_projects
    n = line_counts(facts)
    parts = []
    for figure, compared, declared, summed in project_figures(facts):
        p = projects[compared]
        organization = p["organization"].reset_index(drop=True)
        parts.append(
            _table(
                "project",
                p["project_id"],
                p,
                organization,
                figure,
                declared[compared],
                summed[compared],
                n[compared],
            )
        )
    by_project = pd.concat(parts, ignore_index=True)
    order = np.lexsort((by_project["figure"].ne("total").to_numpy(), by_project["source_row"]))
    programs = facts.program_sums
    program_rows = _table(
        "program",
        programs["program"] + " " + programs["year"].astype(str),
        programs,
        "",
        "special",
        fen(programs["special_total"]),
        programs["summed"].fillna(0).to_numpy(),
        programs["n"].fillna(0).to_numpy(dtype=np.int64),
    )
    return pd.concat([by_project.take(order), program_rows], ignore_index=True)[COLUMNS]
