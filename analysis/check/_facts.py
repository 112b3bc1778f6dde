"""What several checks need to know about a data set, worked out once.

Matching a million budget lines to their projects, summing them per project, numbering
their categories: several rules need each of these, and so do the reconciliation table
and the measures. `Facts.of(ds)` works each out on first use and keeps it; hand the same
Facts to check() and measure() to work them out once. Everything here is in whole 分 so
that sums and comparisons are exact.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cached_property

import numpy as np
import pandas as pd

from analysis._parallel import together
from analysis.read.keys import first_rows, id_codes, numbered
from analysis.read.load import Dataset
from analysis.words.vocabulary import fen

# check() hands every rule a Facts, which works each fact out once, on first use; a rule
# called on a plain Dataset gets one of its own.


@dataclass(frozen=True)
class Facts(Dataset):
    """The data set, with what several rules and the measures need worked out once.

    What is worked out is kept: treat the tables as read-only once they are in a Facts
    (build a new data set to change one, e.g. with dataclasses.replace).
    """

    @classmethod
    def of(cls, ds: Dataset) -> Facts:
        """Return the data set as a Facts (itself if it already is one)."""
        if isinstance(ds, cls):
            return ds
        return cls(**{f.name: getattr(ds, f.name) for f in fields(ds)})

    def work_out(self) -> None:
        """Work out the facts the rules share, side by side, before the rules ask for them.

        A fact asked for by two rules at once is worked out by one while the other waits:
        worked out first, they keep both threads busy instead.
        """
        rows = len(self.lines)
        together(
            lambda: self._ids, lambda: self.line_categories, lambda: self.program_years, rows=rows
        )
        together(
            lambda: self.line_pairs, lambda: self.line_sums, lambda: self.organizations, rows=rows
        )

    @cached_property
    def _ids(self) -> tuple[np.ndarray, np.ndarray]:
        return id_codes(self.projects["project_id"], self.lines["project_id"])

    @property
    def project_codes(self) -> np.ndarray:
        """Each project row's id as an integer (0..k-1 in order of first appearance)."""
        return self._ids[0]

    @property
    def line_codes(self) -> np.ndarray:
        """Each line's project id as an integer; k or more where no project has it."""
        return self._ids[1]

    @cached_property
    def first_rows(self) -> np.ndarray:
        """The first project row of each id, in order: what drop_duplicates keeps."""
        return first_rows(self.project_codes)

    @cached_property
    def first_projects(self) -> pd.DataFrame:
        """The projects without repeated ids (as drop_duplicates("project_id") keeps them).

        Only the columns the rules read: copying long titles for nothing costs time.
        """
        if len(self.first_rows) == len(self.projects):
            return self.projects
        columns = ["project_id", "organization", "program", "year", "special", "total"]
        return self.projects[[*columns, "source_row"]].iloc[self.first_rows]

    @cached_property
    def line_fen(self) -> dict[str, np.ndarray]:
        """Each line's total and special in 分."""
        return {column: fen(self.lines[column]) for column in ("total", "special")}

    @cached_property
    def line_sums(self) -> dict[str, np.ndarray]:
        """Per project id code: the lines' summed total and special in 分 and their number."""
        codes = self.line_codes
        size = max(codes.max(initial=-1), self.project_codes.max(initial=-1)) + 1
        sums = {
            name: np.bincount(codes, fen, minlength=size) for name, fen in self.line_fen.items()
        }
        return {**sums, "n": np.bincount(codes, minlength=size)}

    @cached_property
    def line_categories(self) -> tuple[np.ndarray, pd.Index]:
        """Each line's category as a number, and the distinct categories (missing included)."""
        return pd.factorize(self.lines["category"], use_na_sentinel=False)

    @cached_property
    def line_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Each line's project × category pair as a number (in order of first appearance),
        and the line where each pair first occurs."""
        return numbered(self.line_codes, self.line_categories[0])

    @cached_property
    def program_years(self) -> tuple[np.ndarray, np.ndarray]:
        """Each project row's program and year as a number (in order of first appearance),
        and the row where each program-year first occurs."""
        program = pd.factorize(self.projects["program"], use_na_sentinel=False)[0]
        year = pd.factorize(self.projects["year"], use_na_sentinel=False)[0]
        return numbered(program, year)

    @cached_property
    def program_sums(self) -> pd.DataFrame:
        """Per declared program and year: declared and summed special (R11 and R14 read it)."""
        group, first = self.program_years
        counted = group[self.first_rows]  # a repeated project id counts once
        special = fen(self.projects["special"].to_numpy()[self.first_rows])
        summed = pd.DataFrame(
            {
                "summed": np.bincount(counted, special, minlength=len(first)),
                "n": np.bincount(counted, minlength=len(first)),
            },
            index=pd.MultiIndex.from_frame(self.projects[["program", "year"]].iloc[first]),
        )
        summed = summed[summed["n"].to_numpy() > 0]
        return self.programs.join(summed, on=["program", "year"], how="left")

    @cached_property
    def organizations(self) -> pd.Series:
        """Each project id's organization (from its first row), for naming who a finding is."""
        first = self.first_projects
        # An object index keeps its hash table between lookups; a pyarrow one rebuilds it.
        ids = pd.Index(first["project_id"].to_numpy(dtype=object), dtype=object)
        return pd.Series(first["organization"].array, index=ids)
