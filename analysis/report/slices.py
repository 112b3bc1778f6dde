"""`fund-analysis run --by year|program|region`: the topic notebooks once per slice, and an index.

A province reads its report a year, a program or a region at a time. With --by, the run
executes the program notebooks once more for each value present (a year, a program, a
region named by some project), each slice into a folder of its own beside the report's
other folders (by_year/2021/ holds notebooks/, html/ and figures/ as the report does), and
writes index.html: every slice with its headline figures (projects, special fund, total,
leverage as a ratio of sums) and links to its pages. Projects that name no region are in
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
from analysis.words.formats import leverage, wan
from analysis.words.labels import has_label, label

BY = ("year", "program", "region")
INDEX = "index.html"


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


def write_index(
    folder: Path,
    slices: list[Slice],
    statuses: dict[str, str],
    main: list[str],
    lang: str,
    left_out: int = 0,
) -> Path:
    """Write folder/index.html: the report's own pages, then every slice with its headline
    figures and a link to each of its pages (a failed notebook marked). Plain HTML with its
    style inline: it opens without the internet."""
    by = slices[0].by if slices else "year"
    head = [label(k, lang) for k in (by, "n_projects", "special", "total", "leverage")]
    head.append(label("index_pages", lang))
    rows = []
    for s in slices:
        pages = " · ".join(
            _page(f"{s.folder}/", name, statuses, lang) for name in plan.PROGRAM_NOTEBOOKS
        )
        cells = [html.escape(s.name(lang)), f"{s.n_projects:,}", wan(s.special), wan(s.total),
                 leverage(s.leverage), pages]  # fmt: skip
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    note = label("index_unsliced", lang, n=f"{left_out:,}") if left_out else ""
    title = label("index_title", lang)
    body = f"""<!DOCTYPE html>
<html lang="{"zh-CN" if lang == "zh" else "en"}">
<head>
<meta charset="utf-8">
<title>{html.escape(title)}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif;
       margin: 2em; color: #222; }}
table {{ border-collapse: collapse; }}
th, td {{ padding: 0.3em 0.8em; border-bottom: 1px solid #ddd; text-align: left; }}
td:nth-child(2), td:nth-child(3), td:nth-child(4), td:nth-child(5) {{ text-align: right; }}
.failed {{ color: #b00020; }}
</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<h2>{html.escape(label("index_all", lang))}</h2>
<p>{" · ".join(_page("", name, statuses, lang) for name in main)}</p>
<h2>{html.escape(label(f"index_by_{by}", lang))}</h2>
<p>{html.escape(label("unit_wan", lang))}</p>
<table>
<tr>{"".join(f"<th>{html.escape(h)}</th>" for h in head)}</tr>
{chr(10).join(rows)}
</table>
{f"<p>{html.escape(note)}</p>" if note else ""}
</body>
</html>
"""
    path = folder / INDEX
    path.write_text(body, encoding="utf-8")
    return path


def _page(prefix: str, name: str, statuses: dict[str, str], lang: str) -> str:
    """Return the link to one notebook's page, marked where the notebook failed."""
    key = f"notebook_{name}"
    shown = html.escape(label(key, lang) if has_label(key) else name)
    if statuses.get(f"{prefix}{name}") != "ok":
        return f'<span class="failed">{shown} ({html.escape(label("index_failed", lang))})</span>'
    return f'<a href="{html.escape(prefix)}html/{html.escape(name)}.html">{shown}</a>'


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

    def execute(self, build: Path, workers: int, progress, check) -> list:
        """Execute each slice's notebooks into its own folder of the build; return their
        Outcomes, named and listing their files from the top of the report."""
        from analysis.report.execute import execute_all

        outcomes = []
        for piece in self.slices:
            folder = build / piece.folder
            for sub in ("notebooks", "html", "figures"):
                (folder / sub).mkdir(parents=True)
            jobs = piece.jobs(self.data, self.lang)
            done, _ = execute_all(
                jobs, folder, workers, _InFolder(progress, piece.folder), None, check
            )
            for outcome in done:
                outcome.outputs = [f"{piece.folder}/{o}" for o in outcome.outputs]
                outcomes.append(outcome)
        return outcomes

    def write_index(self, record, build: Path, outcomes: list, main_jobs: list, lang: str) -> None:
        """Write index.html for a --by run and note it, with the slices, in the record."""
        if self.by is None:
            return
        statuses = {o.name: o.status for o in outcomes}
        main = [job.name for job in main_jobs]
        index = write_index(build, self.slices, statuses, main, lang, self.left_out)
        record.index = index.relative_to(build).as_posix()
        record.slices = [s.record() for s in self.slices]


class _InFolder:
    """The run's progress, told of a slice's notebook by its name from the report's top."""

    def __init__(self, progress, folder: str) -> None:
        self.progress, self.folder = progress, folder

    def finished(self, outcome) -> None:
        # Called once the notebook's files are recorded: from here on it goes by its path.
        outcome.name = f"{self.folder}/{outcome.name}"
        self.progress.finished(outcome)
