"""`fund-analysis run --by year|program|region`: the topic notebooks once per slice, and an index.

A province reads its report a year, a program or a region at a time. With --by, the run
executes the program notebooks once more for each value present (a year, a program, a
region named by some project), each slice into a folder of its own beside the report's
other folders (by_year/2021/ holds notebooks/, html/ and figures/ as the report does), and
gives the report's index.html (analysis.report.index) a section: every slice with its
headline figures (projects, special fund, total, leverage as a ratio of sums) and links
to its pages. Projects that name no region are in
no region slice; the index says how many.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.config import safe_name
from analysis.errors import InputError
from analysis.report import plan
from analysis.report.plan import Job
from analysis.words.formats import html_table, leverage, wan
from analysis.words.labels import label

BY = ("year", "program", "region")


@dataclass
class Slice:
    """One value of the column a run is sliced by, the folder its notebooks go to, and its
    headline figures."""

    by: str
    value: object
    folder: str
    n_projects: int
    special: float
    total: float
    leverage: float

    def name(self, lang: str) -> str:
        """Return the slice as people read it: "2021 年", the program's or region's name."""
        if self.by == "year":
            return label("scope_years", lang, years=self.value)
        return str(self.value)

    def record(self) -> dict[str, object]:
        """Return the slice for the manifest (a leverage of no special fund as null)."""
        figures = {"special": self.special, "total": self.total, "leverage": self.leverage}
        clean = {k: (None if math.isnan(v) else v) for k, v in figures.items()}
        return {"by": self.by, "value": self.value, "folder": self.folder,
                "n_projects": self.n_projects, **clean}  # fmt: skip

    def jobs(self, data: str, lang: str) -> list[Job]:
        """Return the slice's notebooks: every program notebook, narrowed to the slice."""
        common = {"data": data, "lang": lang, "output_dir": ".", self.by: self.value}
        return [Job(name, name, dict(common)) for name in plan.PROGRAM_NOTEBOOKS]


def plan_slices(projects: pd.DataFrame, by: str) -> list[Slice]:
    """Return a Slice per value of `by` present in the projects (Measures.projects): years
    from the oldest, programs and regions from the largest special fund down."""
    from analysis.measure.measures import rolled_up

    if by not in BY:
        raise InputError("usage", "fund-analysis run", expected=f"--by one of {', '.join(BY)}")
    table = rolled_up(projects, by)
    table = table[table[by].notna() & table[by].astype(str).ne("")]
    if table.empty:
        raise InputError(
            "missing_column",
            "projects.csv",
            column=by,
            expected=f"a {by} column with a value for some project, to run --by {by}",
        )
    if by == "year":
        table = table.sort_values("year", kind="stable")
    return [
        Slice(
            by,
            int(row[by]) if by == "year" else str(row[by]),
            f"by_{by}/{safe_name(row[by])}",
            int(row["n_projects"]),
            float(row["special"]),
            float(row["total"]),
            float(row["leverage"]),
        )
        for _, row in table.iterrows()
    ]


def unsliced(projects: pd.DataFrame, by: str) -> int:
    """Return how many projects are in no slice (a region run: those naming no region)."""
    values = projects[by]
    return int((values.isna() | values.astype(str).eq("")).sum())


def section(slices: list[Slice], outcomes: list, lang: str, left_out: int = 0) -> str:
    """Return the index's section of a --by run: every slice with its headline figures and
    a link to each of its pages (a failed notebook marked, not linked)."""
    from analysis.report.index import page_link

    by = slices[0].by if slices else "year"
    columns = (by, "n_projects", "special", "total", "leverage", "index_pages")
    rows = []
    for s in slices:
        prefix = f"{s.folder}/"
        pages = " · ".join(page_link(o, lang, prefix) for o in outcomes
                           if o.name.startswith(prefix))  # fmt: skip
        rows.append([html.escape(s.name(lang)), f"{s.n_projects:,}", wan(s.special), wan(s.total),
                     leverage(s.leverage), pages])  # fmt: skip
    cells = pd.DataFrame(rows, columns=[label(k, lang) for k in columns])
    classes = ["text", "num", "num", "num", "num", "text"]
    table = html_table(cells, classes, unit=label("unit_wan", lang), markup=True, style=False)
    note = label("index_unsliced", lang, n=f"{left_out:,}") if left_out else ""
    heading = f"<h2>{html.escape(label(f'index_by_{by}', lang))}</h2>"
    return "\n".join([heading, table, f"<p>{html.escape(note)}</p>" if note else ""])


@dataclass
class Slices:
    """The slices of a `run --by` (none without --by): planning, executing, the index."""

    by: str | None
    slices: list[Slice]
    data: str
    lang: str
    left_out: int = 0

    @classmethod
    def plan(cls, analysis, by: str | None, data: str) -> Slices:
        """Return the slices of the analysis' data by `by` (raise InputError where the data
        has nothing to slice by)."""
        if by is None:
            return cls(None, [], data, analysis.lang)
        projects = analysis.measures.projects
        return cls(by, plan_slices(projects, by), data, analysis.lang, unsliced(projects, by))

    @property
    def size(self) -> int:
        """How many notebooks the slices run."""
        return len(self.slices) * len(plan.PROGRAM_NOTEBOOKS)

    def execute(self, build: Path, workers: int, progress, check, context=None) -> list:
        """Execute each slice's notebooks into its own folder of the build; return their
        Outcomes, named and listing their files from the top of the report. context: the
        report's pages' (analysis.report.html.PageContext); a slice's pages name the
        slice as their scope."""
        from dataclasses import replace

        from analysis.report.execute import execute_all
        from analysis.report.html import PageContext

        context = context or PageContext(self.lang)

        outcomes = []
        for piece in self.slices:
            folder = build / piece.folder
            for sub in ("notebooks", "html", "figures"):
                (folder / sub).mkdir(parents=True)
            jobs = piece.jobs(self.data, self.lang)
            up = "../" * (piece.folder.count("/") + 2)  # from <slice>/html/ to the top
            pages = replace(context, scope=piece.name(self.lang), index=f"{up}index.html")
            done, _ = execute_all(
                jobs, folder, workers, _InFolder(progress, piece.folder), None, check, pages
            )
            for outcome in done:
                outcome.outputs = [f"{piece.folder}/{o}" for o in outcome.outputs]
                outcomes.append(outcome)
        return outcomes

    def section(self, record, outcomes: list) -> str:
        """Return the index's section of a --by run ("" without --by), and note the slices
        in the record."""
        if self.by is None:
            return ""
        record.slices = [s.record() for s in self.slices]
        return section(self.slices, outcomes, self.lang, self.left_out)


class _InFolder:
    """The run's progress, told of a slice's notebook by its name from the report's top."""

    def __init__(self, progress, folder: str) -> None:
        self.progress, self.folder = progress, folder

    def finished(self, outcome) -> None:
        # Called once the notebook's files are recorded: from here on it goes by its path.
        outcome.name = f"{self.folder}/{outcome.name}"
        self.progress.finished(outcome)
