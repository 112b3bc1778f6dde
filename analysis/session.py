"""What a notebook cell needs, so that each cell can stay one sentence.

`open_session(...)` loads, checks and measures the data once; `session.table(...)` gives a
table for people; `session.chart(...)` shows a chart, saves it when the run asked for
files, and prints the numbers it draws as a table beside it (nbval compares text, not
pictures, so every chart's figures must also be text).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import matplotlib.pyplot as plt
import pandas as pd

from analysis._cache import read_cache
from analysis.check._facts import Facts
from analysis.check.reconcile import reconciliation
from analysis.check.rules import check, rules_table
from analysis.config import safe_name
from analysis.measure.measures import AMOUNTS, Measures, exact_sum, measure, with_ratios
from analysis.read.load import Dataset, load, select
from analysis.words.formats import PEOPLE_COLUMNS, for_people
from analysis.words.labels import check_lang, label
from analysis.words.vocabulary import is_corrected


@dataclass(frozen=True)
class ProjectView:
    """One project's slice of a Session, for the project notebook."""

    session: Session
    project_id: str
    row: pd.Series
    categories: pd.DataFrame
    groups: pd.DataFrame
    findings: pd.DataFrame

    @property
    def category_figures(self) -> pd.DataFrame:
        """Return the numbers behind the project's category chart."""
        return self.categories[PEOPLE_COLUMNS["categories"]]

    @property
    def group_figures(self) -> pd.DataFrame:
        """Return the numbers behind the project's group chart."""
        return self.groups[PEOPLE_COLUMNS["groups"]]

    def facts(self) -> pd.DataFrame:
        """Return the project's fact sheet: one figure per row, for people."""
        columns = ["project_id", "organization", "title", "program", "year", "special",
                   "self_raised", "total", "special_share", "self_raised_share", "leverage",
                   "multiplier", "self_raised_actual", "execution_rate", "n_lines"]  # fmt: skip
        shown = for_people(self.row[columns].to_frame().T, self.session.lang)
        return pd.DataFrame({"": shown.columns, " ": shown.iloc[0].to_numpy()}).set_index("")

    def comparison(self) -> pd.DataFrame:
        """Return the project's ratios beside its program's (a ratio of the program's sums)."""
        programs = self.session.measures.programs
        program = programs[
            programs["program"].eq(self.row["program"]) & programs["year"].eq(self.row["year"])
        ]
        columns = ["special", "self_raised", "total", "special_share", "leverage", "multiplier"]
        both = pd.concat([self.row[columns].to_frame().T, program[columns]], ignore_index=True)
        both.insert(
            0, "organization", [self.row["organization"], label("program_whole", self.session.lang)]
        )
        return both


@dataclass(frozen=True)
class Session:
    """One notebook's data, measures, findings and settings."""

    # Column choices the notebooks show.
    EXECUTION: ClassVar[list[str]] = ["project_id", "organization", "self_raised",
                                      "self_raised_actual", "execution_rate"]  # fmt: skip
    LEVERAGE_PROGRAM: ClassVar[list[str]] = [
        "program", "year", "n_projects", "special", "self_raised", "total", "leverage", "multiplier"
    ]  # fmt: skip
    FINDINGS: ClassVar[list[str]] = ["severity", "rule", "file", "source_row", "project_id"]

    ds: Dataset
    measures: Measures
    lang: str
    name: str
    figures_dir: Path | None

    @functools.cached_property
    def findings(self) -> pd.DataFrame:
        """Return the checks' findings (computed when first asked for)."""
        return check(self.ds)

    def table(self, table: pd.DataFrame | str, columns: list[str] | None = None) -> pd.DataFrame:
        """Return a table (or the named table of the measures) formatted for people.

        The index is dropped so the output shows only the data.
        """
        if isinstance(table, str):
            columns = columns or PEOPLE_COLUMNS.get(table)
            table = getattr(self.measures, table)
        if columns is not None:
            table = table[columns]
        shown = for_people(table.reset_index(drop=True), self.lang, self.ds.categories)
        return shown.set_axis(pd.RangeIndex(1, len(shown) + 1))

    def top(self, name: str, top: int, detail: str | None = None) -> pd.DataFrame:
        """Return a project-level table as the charts draw it: the top N by special fund,
        the rest summed into one "其他 N 个项目" row, with ratios of the sums, for people."""
        from analysis.measure.top import OTHERS, top_projects

        table = top_projects(getattr(self.measures, name), top, detail=detail)
        others = table["project_id"].eq(OTHERS)
        n_others = int(table.loc[others, "n_projects"].sum())
        table = with_ratios(table).assign(
            project_id=table["project_id"].mask(others, ""),
            organization=table["organization"].mask(others, label("others", self.lang, n=n_others)),
        )
        columns = ["project_id", "organization", *([detail] if detail else [])]
        columns += ["special", "self_raised", "total"]
        columns += ["special_share", "leverage", "multiplier"] if detail is None else []
        return self.table(table, columns)

    def program_leverage(self) -> float | None:
        """Return the leverage of all the projects shown, as a ratio of their sums."""
        years = self.measures.years
        if len(years) != 1 or self.measures.programs["program"].nunique() != 1:
            totals = with_ratios(exact_sum(self.measures.projects.assign(all=1), ["all"], AMOUNTS))
            return float(totals["leverage"].iloc[0])
        return float(self.measures.programs["leverage"].iloc[0])

    def by_leverage(self) -> pd.DataFrame:
        """Return the projects ordered by leverage, highest first, for people."""
        table = self.measures.projects.sort_values("leverage", ascending=False, kind="stable")
        columns = ["project_id", "organization", "special", "self_raised", "total", "leverage",
                   "multiplier"]  # fmt: skip
        return self.table(table, columns)

    def summary(self) -> pd.DataFrame:
        """Return how many errors and warnings each rule found (every rule listed)."""
        rules = rules_table()[["rule", "name", "severity"]]
        counts = self.findings.groupby("rule").size()
        rules["count"] = rules["rule"].map(counts).fillna(0).astype(int)
        return self.table(rules.rename(columns={"count": "n_findings"}))

    def findings_table(self, findings: pd.DataFrame | None = None) -> pd.DataFrame:
        """Return the findings (default: all of them) with their messages, for people."""
        findings = self.findings if findings is None else findings
        if findings.empty:
            return pd.DataFrame({label("message", self.lang): [label("no_findings", self.lang)]})
        table = findings[[*self.FINDINGS, f"message_{self.lang}"]]
        return self.table(table.rename(columns={f"message_{self.lang}": "message"}))

    def corrections(self) -> pd.DataFrame:
        """Return the budget lines whose figures were corrected by hand, with their notes."""
        lines = self.ds.lines
        table = lines[is_corrected(lines["note"])]
        return self.table(
            table[["project_id", "category", "total", "special", "source_row", "note"]]
        )

    def derived(self) -> pd.DataFrame:
        """Return the projects with a figure derived from the others, and which one."""
        projects = self.ds.projects
        table = projects[projects["derived"].ne("")]
        return self.table(table[["project_id", "organization", "special", "self_raised", "total",
                                 "derived"]])  # fmt: skip

    def project(self, project_id: str = "") -> ProjectView:
        """Return one project's view (default: the first project)."""
        projects = self.measures.projects
        if not project_id:
            project_id = str(projects["project_id"].iloc[0])
        rows = projects[projects["project_id"].eq(project_id)]
        if rows.empty:
            raise KeyError(f"no project {project_id!r} in {self.ds.source}")
        of_project = lambda t: t[t["project_id"].eq(project_id)].reset_index(drop=True)  # noqa: E731
        return ProjectView(
            self,
            project_id,
            rows.iloc[0],
            of_project(self.measures.categories),
            of_project(self.measures.groups),
            of_project(self.findings),
        )

    def reconciliation(self) -> pd.DataFrame:
        """Return the reconciliation table (declared against summed) for people."""
        return self.table(reconciliation(self.ds).drop(columns=["program", "year", "source_row"]))

    def chart(self, drawn, name: str, numbers: pd.DataFrame | None = None) -> pd.DataFrame | None:
        """Show a drawn chart (Axes or Figure), save it if asked, and return its numbers.

        The figure is displayed and closed here so that it appears once, whatever the
        backend; the returned table (for people) becomes the cell's text output.
        """
        from IPython.display import Image, display

        figure = drawn if isinstance(drawn, plt.Figure) else drawn.figure
        if self.figures_dir is None:
            display(figure)
        else:
            from analysis.draw.save import save

            png, _ = save(figure, self.figures_dir / safe_name(f"{self.name}-{name}"))
            # Show the file just written rather than render the figure a third time; at
            # half its pixel width it appears at the size of an ordinary inline chart.
            data = png.read_bytes()
            display(Image(data=data, format="png", width=_png_width(data) // 2))
        plt.close(figure)
        return None if numbers is None else self.table(numbers)


def _png_width(data: bytes) -> int:
    """Return a PNG's width in pixels (from its IHDR chunk)."""
    return int.from_bytes(data[16:20], "big")


def open_session(
    data: str = "",
    *,
    lang: str = "zh",
    program: str = "",
    year: int = 0,
    name: str = "notebook",
    output_dir: str = "",
) -> Session:
    """Return a Session for the data (empty: the bundled data), narrowed to a program/year."""
    # Wide enough that a finding's message shows whole in the text output nbval compares.
    pd.set_option("display.max_colwidth", 200, "display.width", 200, "display.max_columns", 40)
    figures = Path(output_dir) / "figures" if output_dir else None
    if figures is not None:
        figures.mkdir(parents=True, exist_ok=True)
    cached = read_cache(output_dir, data) if output_dir else None
    if cached is not None and not (program or year):
        session = Session(cached["ds"], cached["measures"], check_lang(lang), name, figures)
        session.__dict__["findings"] = cached["findings"]  # fills the cached_property
        return session
    loaded = cached["ds"] if cached is not None else load(data or None)
    ds = Facts.of(select(loaded, program=program or None, year=year or None))
    return Session(ds, measure(ds), check_lang(lang), name, figures)  # findings reuse its facts
