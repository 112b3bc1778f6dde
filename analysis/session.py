"""The one entry point: `fa.open(...)` gives an Analysis of one data set.

    import analysis as fa
    a = fa.open()                       # the bundled data; or a folder or .xlsx workbook
    a.measures.projects                 # measures as plain DataFrames, with codes
    a.table("projects")                 # the same for people: labelled, 万元, 1 : x
    a.chart("leverage", top=10)         # draw, show and return the numbers drawn
    a.findings, a.reconciliation        # the checks

An Analysis works each thing out once, when first asked for: the measures, the findings
and the reconciliation share what they have in common (which project each budget line
belongs to, sums in 分). Notebooks, the command line and `fund-analysis run` all open their
data here, so every figure comes from the same place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import ClassVar

import pandas as pd

from analysis._cache import read_cache
from analysis.check._facts import Facts
from analysis.check.reconcile import reconciliation
from analysis.check.rules import check, rules_table
from analysis.config import bundled_data_dir, safe_name
from analysis.errors import InputError
from analysis.measure import charts, compare, evaluation, evaluation_charts
from analysis.measure.measures import Measures, measure
from analysis.measure.scope import Scope, scope_of
from analysis.measure.top import OTHERS
from analysis.read.load import Dataset, listed, load, select
from analysis.words import scoring
from analysis.words.formats import (
    MISSING,
    PEOPLE_COLUMNS,
    cell_class,
    column_header,
    folded,
    for_people,
    html_table,
    missing,
    reported_notes,
    shown,
    years_text,
)
from analysis.words.labels import check_lang, label
from analysis.words.registry import PYTHON_FORMATS, kind
from analysis.words.vocabulary import is_corrected

# Wide enough that a finding's message shows whole in the text output nbval compares; set
# only while a Table is being shown, never for the user's own tables.
_DISPLAY = ("display.max_colwidth", 200, "display.width", 200, "display.max_columns", 40)


class Table(pd.DataFrame):
    """A table for people: headers in one language, codes as names, numbers kept as numbers.

    It prints as people read it (万元 with two decimals and thousands separators, shares as
    percentages, leverage as 1 : x, an empty cell where there is no figure), and its
    numbers stay numbers, so ``.to_excel`` and arithmetic work on them. A sorted, filtered
    or sliced Table prints the same way; a column made anew prints as pandas prints it. Its
    caption, printed above it, says its scope where the data hold more than one program or
    year ("2019–2024 年 5 个计划").
    """

    _metadata: ClassVar[list[str]] = [
        "kinds", "caption", "notes", "empty_text", "classes", "unit", "lang"
    ]  # fmt: skip

    @property
    def _constructor(self):
        return Table

    @classmethod
    def of(
        cls,
        table: pd.DataFrame,
        lang: str = "zh",
        categories: pd.DataFrame | None = None,
        caption: str = "",
    ) -> Table:
        """Return a measure (or findings) table for people, rows numbered from 1.

        A rate with its count of reporting projects shows both in one cell (87.9%（4/5 个项目
        报告）); the count's own column is left out.
        """
        named = for_people(table, lang, categories)
        notes = reported_notes(table, lang)
        inside = folded(table)
        data, kinds, shown_notes, classes = {}, {}, {}, {}
        for column, heading in zip(table.columns, named.columns, strict=True):
            if column in inside:
                continue
            column_kind = kind(column)
            numeric = column_kind in PYTHON_FORMATS
            data[heading] = table[column].to_numpy() if numeric else named[heading].to_numpy()
            kinds[heading] = column_kind if numeric else None
            classes[heading] = cell_class(column)
            if column in notes:
                shown_notes[heading] = notes[column].to_numpy()
        out = cls(data, index=pd.RangeIndex(1, len(table) + 1))
        out.kinds = kinds
        out.caption = caption
        out.notes = shown_notes
        out.empty_text = label("no_rows", lang)
        out.lang = lang
        out.classes = classes
        out.unit = label("unit_wan", lang) if "amount" in kinds.values() else ""
        return out

    def shown(self) -> pd.DataFrame:
        """Return the table as the text people read."""
        kinds = getattr(self, "kinds", None) or {}
        notes = getattr(self, "notes", None) or {}
        if self.empty and len(self.columns) and getattr(self, "empty_text", None):
            # A table without rows says so under its headers, rather than "Empty DataFrame".
            blank = {heading: [""] for heading in self.columns}
            blank[self.columns[0]] = [self.empty_text]
            return pd.DataFrame(blank, index=[""], columns=self.columns)
        text = {}
        for i, heading in enumerate(self.columns):
            values = self.iloc[:, i]
            if heading in notes:
                figures = values.map(lambda v, k=kinds[heading]: shown(v, k, MISSING))
                text[heading] = figures + notes[heading]
            elif kinds.get(heading):  # a figure nobody gave reads "—", never a blank
                text[heading] = values.map(lambda v, k=kinds[heading]: shown(v, k, MISSING))
            else:
                text[heading] = values.astype(object).where(values.notna(), "")
        return pd.DataFrame(text, index=self.index, columns=self.columns)

    def __repr__(self) -> str:
        with pd.option_context(*_DISPLAY):
            text = repr(self.shown())
        caption = getattr(self, "caption", "")
        return f"{caption}\n{text}" if caption else text

    def _repr_html_(self) -> str | None:
        """Return the table for reading: no index column (a fact sheet's labels as row
        headers), figures right-aligned and whole, text left and whole, "—" for a figure
        nobody gave, the scope and unit above it (analysis.words.formats.html_table).

        A table longer than pandas' display.max_rows (60 unless the user set it) shows its
        first display.min_rows rows (10) and says how many there are, as pandas does: a
        notebook, its page and the Word report stay small at a province's scale.
        """
        total = len(self)
        max_rows = pd.get_option("display.max_rows")
        visible = self
        if max_rows is not None and total > max_rows:
            visible = self.iloc[: pd.get_option("display.min_rows") or max_rows]
        text = visible.shown()
        known = getattr(self, "classes", None) or {}
        classes = [
            known.get(h) or ("num" if pd.api.types.is_numeric_dtype(self.iloc[:, i]) else "text")
            for i, h in enumerate(self.columns)
        ]
        row_headers = not isinstance(self.index, pd.RangeIndex) and not self.empty
        caption = getattr(self, "caption", "") or ""
        unit = (getattr(self, "unit", "") or "") if not self.empty else ""
        lang = getattr(self, "lang", None) or "zh"
        return html_table(text, classes, caption, unit, row_headers, total, lang)


class Note(str):
    """A sentence for people: shown as it reads, in plain text and in Markdown."""

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        return str(self)


def open(
    data: str | Path | None = None,
    *,
    program: str | None = None,
    year: int | None = None,
    region: str | None = None,
    lang: str = "zh",
    output_dir: str | Path | None = None,
) -> Analysis:
    """Return the Analysis of a data set (a folder or .xlsx workbook; None: the bundled data).

    program, year and region narrow it to one program, year and/or region ("" and 0, a
    notebook parameter's "all", keep everything); a filter that matches no project raises
    InputError naming what the data holds. output_dir, if given, is where
    `Analysis.chart` also saves each chart (figures/<name>.png and .svg). Unusable input
    raises InputError naming the file, row and column.
    """
    lang = check_lang(lang)
    program, year, region = program or None, year or None, region or None
    text = "" if data is None else str(data)
    cached = read_cache(output_dir, text) if output_dir else None
    loaded = cached["ds"] if cached is not None else load(text or None)
    if cached is not None and program is None and year is None and region is None:
        return Analysis(
            cached["ds"], lang, output_dir, measures=cached["measures"], findings=cached["findings"]
        )
    return Analysis(Facts.of(select(loaded, program, year, region)), lang, output_dir)


@dataclass(frozen=True)
class ChartSpec:
    """How one chart of `Analysis.chart` is made: its table, its drawing, what is printed.

    table: (Measures, top) -> the table the chart draws (analysis.measure.charts, .compare).
    draw: the name of the function of analysis.draw that draws it, and its options.
    columns: the table's columns printed under the chart.
    printed: the name of the table in the drawn table's attrs printed instead of the drawn
        one (a distribution draws every project and prints its quartiles).
    """

    table: Callable[[Measures, int | None], pd.DataFrame]
    draw: str
    columns: tuple[str, ...]
    options: dict = field(default_factory=dict)
    printed: str = ""

    def drawn(self, table: pd.DataFrame, lang: str):
        """Return the Axes (or, for small multiples, the Figure) drawn from its table."""
        from analysis import draw  # matplotlib only where a chart is drawn

        return getattr(draw, self.draw)(table, lang=lang, **self.options)


_FUNDING = ("project_id", "organization", "special", "self_raised", "total", "special_share",
            "leverage", "multiplier")  # fmt: skip
_SHARES = ("project_id", "organization", "special", "self_raised", "total", "special_share",
           "self_raised_share")  # fmt: skip
_STRUCTURE = ("project_id", "organization", "{level}", "special", "self_raised", "total")
_PROGRAM = ("{level}", "special", "self_raised", "total", "category_share")
_TRENDS = ("program", "year", "n_projects", "special", "self_raised", "total", "special_share",
           "leverage")  # fmt: skip


# Chart name -> the measure whose spread it draws (project size is its total budget).
_SPREADS = {"leverage": "leverage", "special_share": "special_share", "size": "total"}


def _spread_columns(measure: str) -> tuple[str, ...]:
    """Return the columns printed under a distribution: its groups' quartiles and median."""
    stats = tuple(f"{measure}_{stat}" for stat in ("p25", "median", "p75"))
    return ("program", "year", "n_projects", *stats, compare.SPREAD_MEASURES[measure])


CHARTS: dict[str, ChartSpec] = {
    "funding_split": ChartSpec(
        lambda m, top: charts.funding(m.projects, top), "funding_split", _FUNDING
    ),
    "funding_mix": ChartSpec(
        lambda m, top: charts.funding(m.projects, top), "funding_split", _SHARES, {"percent": True}
    ),
    "execution": ChartSpec(
        lambda m, top: charts.execution(m.projects, top),
        "execution",
        ("project_id", "organization", "self_raised", "self_raised_actual", "execution_rate"),
    ),
    "leverage": ChartSpec(
        lambda m, top: charts.leverage(m.projects, top),
        "leverage_bars",
        ("project_id", "organization", "special", "self_raised", "total", "leverage", "multiplier"),
    ),
    "flow": ChartSpec(
        lambda m, top: charts.flow(m.categories, "category", min(top or 10, 10)),
        "funding_flow",
        ("stage", "node", "value"),
    ),
    "program_by_category": ChartSpec(
        lambda m, top: charts.program_structure(m.by_category, "category"),
        "program_structure",
        _PROGRAM,
    ),
    "program_by_group": ChartSpec(
        lambda m, top: charts.program_structure(m.by_group, "group"),
        "program_structure",
        _PROGRAM,
    ),
    "projects_by_category": ChartSpec(
        lambda m, top: charts.structure(m.categories, "category", top),
        "budget_structure",
        _STRUCTURE,
    ),
    "projects_by_group": ChartSpec(
        lambda m, top: charts.structure(m.groups, "group", top),
        "budget_structure",
        _STRUCTURE,
    ),
    "heatmap": ChartSpec(
        lambda m, top: charts.shares(m.categories, top),
        "structure_heatmap",
        ("project_id", "organization", "category", "total", "share_of_total"),
    ),
    # across years and programs (analysis.measure.compare)
    "years": ChartSpec(
        lambda m, top: compare.per_year(m.projects),
        "years_bars",
        ("year", "n_projects", "special", "self_raised", "total", "special_share", "leverage"),
    ),
    "trends": ChartSpec(
        lambda m, top: compare.trend_ratios(m.projects),
        "trend_panels",
        _TRENDS,
    ),
    "years_by_category": ChartSpec(
        lambda m, top: compare.year_structure(m.by_category, "category"),
        "year_structure",
        ("year", "{level}", "special", "self_raised", "total", "category_share"),
    ),
    "years_by_group": ChartSpec(
        lambda m, top: compare.year_structure(m.by_group, "group"),
        "year_structure",
        ("year", "{level}", "special", "self_raised", "total", "category_share"),
    ),
    # how a measure is spread: per program (per year where there is one program), and per
    # year; each its own name, so that two notebooks of a run never write one file
    **{
        f"{name}_{suffix}": ChartSpec(
            lambda m, top, measure=measure, by=by: compare.spread(m.projects, measure, by),
            "spread",
            _spread_columns(measure),
            printed="summary",
        )
        for name, measure in _SPREADS.items()
        for suffix, by in (("spread", None), ("by_year", "year"))
    },
    # performance self-evaluation (绩效自评)
    "arrival_execution": ChartSpec(
        lambda m, top: evaluation_charts.arrival_execution(m.projects, top),
        "arrival_execution",
        ("project_id", "organization", *evaluation_charts.RATE_NAMES),
    ),
    "category_variance": ChartSpec(
        lambda m, top: evaluation_charts.category_variance(
            m.by_category_variance, scope_of(m.projects)
        ),
        "category_variance",
        ("category", "budget", "actual", "variance", "variance_share"),
    ),
    "leverage_minimum": ChartSpec(
        lambda m, top: evaluation_charts.leverage_minimum(m.projects, m.programs, top),
        "leverage_minimum",
        (
            "project_id",
            "organization",
            "special",
            "self_raised",
            "leverage",
            "min_leverage",
            "shortfall",
        ),
    ),
    "scores": ChartSpec(
        lambda m, top: evaluation_charts.scores(m.projects, top),
        "scores",
        ("project_id", "organization", *evaluation_charts.PART_SCORES, "score", "grade"),
    ),
    "grades": ChartSpec(
        lambda m, top: evaluation_charts.grades(m.projects), "grades", ("grade", "n_projects")
    ),
}


class Analysis:
    """One data set with its measures, findings and reconciliation, each worked out once.

    data: the Dataset (tables as loaded, amounts in 万元, categories as codes).
    measures: the Measures (analysis.measure): plain, tidy DataFrames with codes.
    findings: one row per data-quality finding (analysis.check.rules).
    reconciliation: each declared figure beside the sum of its parts.
    lang: the language of tables and charts for people ('zh' or 'en').
    """

    def __init__(
        self,
        data: Dataset,
        lang: str = "zh",
        output_dir: str | Path | None = None,
        *,
        measures: Measures | None = None,
        findings: pd.DataFrame | None = None,
    ) -> None:
        self.data = Facts.of(data)
        self.lang = check_lang(lang)
        self.output_dir = None if output_dir in (None, "") else Path(output_dir)
        # Handed over when a run has worked them out already (analysis._cache).
        if measures is not None:
            self.__dict__["measures"] = measures
        if findings is not None:
            self.__dict__["findings"] = findings

    def __repr__(self) -> str:
        projects = self.data.projects
        source = self.data.source
        if Path(source) == bundled_data_dir():
            source = label("bundled_data", "en")
        return (
            f"<Analysis of {source}: {len(projects)} projects, "
            f"programs {listed(projects['program'], 3)}, years {listed(projects['year'], 6)}>"
        )

    # --- what is worked out once ------------------------------------------------------

    @cached_property
    def measures(self) -> Measures:
        """The measures of the data set (worked out when first asked for)."""
        return measure(self.data)

    @cached_property
    def findings(self) -> pd.DataFrame:
        """The data-quality findings, errors first (worked out when first asked for)."""
        return check(self.data)

    @cached_property
    def reconciliation(self) -> pd.DataFrame:
        """Each declared figure beside the sum of the figures under it."""
        return reconciliation(self.data)

    def filter(
        self, program: str | None = None, year: int | None = None, region: str | None = None
    ) -> Analysis:
        """Return the Analysis of one program, year and/or region of this data."""
        return Analysis(select(self.data, program, year, region), self.lang, self.output_dir)

    # --- tables for people ------------------------------------------------------------

    def table(self, table: pd.DataFrame | str, columns: list[str] | None = None) -> Table:
        """Return a table for people: a measure table by name ("projects", "categories",
        "groups", "by_category", "by_group", "programs", "years", "organizations",
        "regions") with the columns people read, or any table of ours, labelled in the
        analysis's language, its scope above it where the data hold more than one program
        or year."""
        if isinstance(table, str):
            columns = columns or PEOPLE_COLUMNS.get(table)
            table = getattr(self.measures, table)
        if columns is not None:
            table = table[list(columns)]
        caption = self.scope.text(self.lang)
        return Table.of(table.reset_index(drop=True), self.lang, self.data.categories, caption)

    # --- across years, programs and organizations -------------------------------------

    @cached_property
    def scope(self) -> Scope:
        """The programs, years and region the data cover (analysis.measure.scope)."""
        return scope_of(self.data.projects)

    def coverage(self) -> Note:
        """Return what the data cover, said plainly: its years (and the years missing
        between them), programs and projects; with one year, that no trend can be drawn."""
        scope, lang = self.scope, self.lang
        n_projects = f"{len(self.data.projects):,}"
        programs = scope.programs_text(lang)
        if len(scope.years) == 1:
            text = label(
                "scope_one_year",
                lang,
                year=scope.years[0],
                programs=programs,
                n_projects=n_projects,
            )
        else:
            text = label(
                "scope_statement",
                lang,
                years=scope.years_text(lang),
                n_years=len(scope.years),
                programs=programs,
                n_projects=n_projects,
            )
        missing = scope.missing_years()
        if missing:
            joined = years_text(missing, label("list_separator", lang))
            text += label("sentence_separator", lang) + label("missing_years", lang, years=joined)
        if scope.one_region:
            region = label("scope_region", lang, region=scope.one_region)
            text += label("sentence_separator", lang) + region
        return Note(text)

    def changes(self) -> Table:
        """Return each year's figures beside the year before it in the data: the change in
        projects, special fund, self-raised money, total (万元 and %) and leverage. With one
        year there is nothing to compare, and the table says so."""
        if len(self.scope.years) < 2:
            return self._message("no_changes")
        return self.table(compare.changes(self.measures.years), PEOPLE_COLUMNS["changes"])

    def returning(self, top: int | None = None) -> Table:
        """Return the organizations funded in more than one year, with their totals over all
        years: most years first, then the largest special fund (the first `top` of them;
        None: all). Where there are none, the table says so."""
        table = compare.returning(self.measures.organizations)
        if table.empty:
            return self._message("no_returning")
        shown = table if top is None else table.head(top)
        out = self.table(shown, PEOPLE_COLUMNS["returning"])
        if len(shown) < len(table):
            more = label("top_organizations", self.lang, top=len(shown), n=f"{len(table):,}")
            first = out.caption
            out.caption = label("and_then", self.lang, first=first, then=more) if first else more
        return out

    def _message(self, key: str) -> Table:
        """Return a one-cell table that says why there are no rows."""
        table = Table({column_header("message", self.lang): [label(key, self.lang)]})
        table.kinds, table.caption = {}, self.scope.text(self.lang)
        return table

    def chart(
        self,
        name: str,
        *,
        top: int | None = 20,
        project: Project | None = None,
        show: bool = True,
    ) -> Table:
        """Draw one of the CHARTS, show it (and save it under output_dir), and return the
        numbers it draws as a table for people.

        top: projects drawn one by one, the rest summed into one 其他 N 个项目 bar.
        project: draw the chart for one project's rows (see `project`).
        """
        if name not in CHARTS:
            raise InputError(
                "usage", "Analysis.chart", expected=f"a chart among {', '.join(CHARTS)}"
            )
        spec = CHARTS[name]
        measures = self.measures if project is None else project.measures
        drawn = spec.table(measures, top)
        scope = drawn.attrs.get("scope")
        if scope is not None and not scope.regions and self.scope.one_region:
            # Tables per program or category keep no region: the analysis knows its own.
            drawn.attrs["scope"] = replace(scope, regions=self.scope.regions, all_named=True)
        ax = spec.drawn(drawn, self.lang)
        if show:
            stem = name if project is None else f"{project.project_id}-{name}"
            self._show(ax.figure, stem)
        return self._numbers(drawn, spec.columns, spec.printed)

    def _numbers(self, drawn: pd.DataFrame, columns: tuple[str, ...], printed: str = "") -> Table:
        """Return the drawn table for people: the other projects' row named, not coded, the
        rows of all programs together named, and the scope said above it."""
        level = drawn.attrs.get("level", "category")
        scope = drawn.attrs.get("scope")
        caption = scope.text(self.lang) if scope is not None else ""
        if printed:
            drawn = drawn.attrs[printed]
        if drawn.attrs.get("chart") == "flow":
            drawn = self._flow_nodes(drawn, level)
        wanted = [c.format(level=level) for c in columns]
        table = drawn[[c for c in wanted if c in drawn.columns]].reset_index(drop=True)
        if "project_id" in table:
            others = table["project_id"].eq(OTHERS)
            if others.any():
                n = int(drawn.loc[drawn["project_id"].eq(OTHERS), "n_projects"].iloc[0])
                table = table.assign(project_id=table["project_id"].mask(others, ""))
                if "organization" in table:
                    named = label("others", self.lang, n=n)
                    table = table.assign(organization=table["organization"].mask(others, named))
        if "program" in table and table["program"].eq(compare.ALL_PROGRAMS).any():
            every = table["program"].eq(compare.ALL_PROGRAMS)
            table = table.assign(
                program=table["program"].mask(every, label("all_programs", self.lang))
            )
        return Table.of(table, self.lang, self.data.categories, caption)

    def _flow_nodes(self, flow: pd.DataFrame, level: str) -> pd.DataFrame:
        """Return a flow's nodes as people read them: stage, name and amount."""
        nodes = flow[flow["part"].eq("node")].reset_index(drop=True)
        stages = [
            label("flow_sources", self.lang),
            label("project", self.lang),
            label(level, self.lang),
        ]
        names = []
        for column, key, organization, n in zip(
            nodes["column"], nodes["key"], nodes["organization"], nodes["n_projects"], strict=True
        ):
            if column == 0:
                names.append(label(key, self.lang))
            elif key == OTHERS:
                names.append(label("others", self.lang, n=int(n)))
            elif column == 1:
                names.append(
                    organization if isinstance(organization, str) and organization else key
                )
            else:
                names.append(for_people(pd.DataFrame({level: [key]}), self.lang).iloc[0, 0])
        return pd.DataFrame(
            {"stage": [stages[c] for c in nodes["column"]], "node": names, "value": nodes["value"]}
        )

    def _show(self, figure, stem: str) -> None:
        """Display a figure once in the notebook (saved first where output_dir is set)."""
        import matplotlib.pyplot as plt
        from IPython.display import Image, display

        from analysis.draw.save import png_size, save

        # The chart's title is its alt text (Jupyter's "alt" metadata, which nbconvert and
        # the report's pages read) and, in a report, the caption of its picture.
        title = chart_title(figure)
        if self.output_dir is None:
            display(figure, metadata={"alt": title, "fund-analysis": {"title": title}})
        else:
            png, svg = save(figure, self.output_dir / "figures" / safe_name(stem))
            # Show the file just written rather than render the figure a third time; at
            # half its pixel width it appears at the size of an ordinary inline chart. The
            # files are named in the output's metadata, where the run's record finds them.
            data = png.read_bytes()
            files = [str(p.relative_to(self.output_dir)) for p in (png, svg)]
            display(
                Image(data=data, format="png", width=png_size(data)[0] // 2),
                metadata={"alt": title, "fund-analysis": {"files": files, "title": title}},
            )
        plt.close(figure)

    # --- data quality -----------------------------------------------------------------

    FINDINGS = ("severity", "rule", "name", "file", "source_row", "project_id")

    def summary(self) -> Table:
        """Return how many findings each rule made (every rule listed)."""
        rules = rules_table()[["rule", "name", "severity"]]
        counts = self.findings.groupby("rule").size()
        rules["n_findings"] = rules["rule"].map(counts).fillna(0).astype(int)
        return self.table(rules)

    def findings_table(self, findings: pd.DataFrame | None = None) -> Table:
        """Return the findings (default: all of them) with their messages, for people."""
        findings = self.findings if findings is None else findings
        if findings.empty:
            return Table({column_header("message", self.lang): [label("no_findings", self.lang)]})
        table = findings[[*self.FINDINGS, f"message_{self.lang}"]]
        return self.table(table.rename(columns={f"message_{self.lang}": "message"}))

    def corrections(self) -> Table:
        """Return the budget lines whose figures were corrected by hand, with their notes."""
        lines = self.data.lines
        table = lines[is_corrected(lines["note"])]
        columns = ["project_id", "category", "total", "special", "source_row", "note"]
        return self.table(table[columns])

    def derived(self) -> Table:
        """Return the projects with a figure derived from the others, and which one."""
        projects = self.data.projects
        table = projects[projects["derived"].ne("")]
        columns = ["project_id", "organization", "special", "self_raised", "total", "derived"]
        return self.table(table[columns])

    def reconciliation_table(self) -> Table:
        """Return the reconciliation table (declared against summed) for people."""
        return self.table(self.reconciliation.drop(columns=["program", "year", "source_row"]))

    # --- performance self-evaluation (绩效自评) -----------------------------------------

    EVALUATION = ("special", "special_received", "special_arrival_rate", "special_actual",
                  "special_execution_rate", "self_raised", "self_raised_received",
                  "self_raised_arrival_rate", "self_raised_actual",
                  "self_raised_execution_rate")  # fmt: skip

    def evaluation_table(self, level: str = "program") -> Table:
        """Return money received and spent by source, with the rates, for people: per
        program and year (each rate with how many projects report it: 87.9%（4/5 个项目报告）)
        or per project (level="project")."""
        if level == "project":
            columns = ["project_id", "organization", *self.EVALUATION, "score", "grade"]
            return self.table(self.measures.projects[columns])
        counts = [r.count for r in evaluation.RATES]
        columns = ["program", "year", "n_projects", *self.EVALUATION, *counts]
        return self.table(self.measures.programs[columns])

    def evaluation_gaps(self) -> Table:
        """Return the projects that report no money received or spent, or no indicators,
        and which figures they leave out (an empty table says none is missing)."""
        projects = self.measures.projects.drop_duplicates("project_id")
        lang = self.lang
        missing_figures = [
            [label(f, lang) for f in evaluation.REPORTED if pd.isna(row[f])]
            for _, row in projects.iterrows()
        ]
        separator = label("list_separator", lang)
        table = pd.DataFrame(
            {
                "project_id": projects["project_id"].to_numpy(),
                "organization": projects["organization"].to_numpy(),
                "not_reported": [separator.join(m) for m in missing_figures],
                "score_status": projects["score_status"].to_numpy(),
            }
        )
        gaps = table["not_reported"].ne("") | table["score_status"].ne("scored")
        return self.table(table[gaps.to_numpy()])

    def scoring_rules(self) -> Table:
        """Return the scoring table (analysis.words.scoring) for people: what earns points."""
        return self.table(scoring.rules_table(self.lang))

    # --- one project ------------------------------------------------------------------

    def project(self, project_id: str = "") -> Project:
        """Return one project's part of the analysis (default: the first project)."""
        projects = self.measures.projects
        if not project_id:
            project_id = str(projects["project_id"].iloc[0])
        rows = projects[projects["project_id"].eq(project_id)]
        if rows.empty:
            raise InputError(
                "no_match",
                self.data.files.get("projects", self.data.source),
                column="project_id",
                expected=f"one of {listed(projects['project_id'])}",
                found=project_id,
            )
        return Project(self, project_id, rows.iloc[0])


@dataclass(frozen=True)
class Project:
    """One project's part of an Analysis: its row, its categories and groups, its findings."""

    analysis: Analysis
    project_id: str
    row: pd.Series

    def _own(self, table: pd.DataFrame) -> pd.DataFrame:
        return table[table["project_id"].eq(self.project_id)].reset_index(drop=True)

    @cached_property
    def measures(self) -> Measures:
        """The analysis' measures, cut to this project's rows."""
        m = self.analysis.measures
        program, year = self.row["program"], self.row["year"]
        same_program = m.programs["program"].eq(program) & m.programs["year"].eq(year)
        return Measures(
            projects=self._own(m.projects),
            categories=self._own(m.categories),
            groups=self._own(m.groups),
            by_category=self._own(m.categories),
            by_group=self._own(m.groups),
            programs=m.programs[same_program].reset_index(drop=True),
            years=m.years[m.years["year"].eq(year)].reset_index(drop=True),
            indicators=self._own(m.indicators),
            variance=self._own(m.variance),
            by_category_variance=self._own(m.variance),
        )

    @property
    def findings(self) -> pd.DataFrame:
        """The findings that concern this project."""
        return self._own(self.analysis.findings)

    def facts(self) -> Table:
        """Return the project's fact sheet: one figure per row, for people."""
        columns = ["project_id", "organization", "title", "program", "year", "special",
                   "self_raised", "total", "special_share", "self_raised_share", "leverage",
                   "multiplier", "n_lines", "special_received", "special_arrival_rate",
                   "special_actual", "special_execution_rate", "self_raised_received",
                   "self_raised_arrival_rate", "self_raised_actual", "self_raised_execution_rate",
                   "score", "grade", "score_status"]  # fmt: skip
        row = self.row[columns]
        people = for_people(row.to_frame().T, self.analysis.lang).iloc[0].to_numpy()
        # A figure nobody gave reads "—"; text left empty stays empty.
        unknown = [kind(c) in PYTHON_FORMATS and missing(v) for c, v in row.items()]
        values = [MISSING if u else v for u, v in zip(unknown, people, strict=True)]
        headers = [column_header(c, self.analysis.lang) for c in columns]
        sheet = pd.DataFrame({"": headers, " ": values}).set_index("")
        return Table(sheet)

    def comparison(self) -> Table:
        """Return the project's ratios beside its program's (a ratio of the program's sums)."""
        columns = ["special", "self_raised", "total", "special_share", "leverage", "multiplier"]
        program = self.measures.programs
        both = pd.concat([self.row[columns].to_frame().T, program[columns]], ignore_index=True)
        whole = label("program_whole", self.analysis.lang)
        both.insert(0, "organization", [self.row["organization"], whole])
        return self.analysis.table(both.astype({c: float for c in columns}))

    def categories_table(self, level: str = "category") -> Table:
        """Return the project's budget by category (or group) for people."""
        name = "categories" if level == "category" else "groups"
        return self.analysis.table(getattr(self.measures, name), PEOPLE_COLUMNS[name])

    def findings_table(self) -> Table:
        """Return the findings about this project, for people."""
        return self.analysis.findings_table(self.findings)


def chart_title(figure) -> str:
    """Return a chart's title as people read it: the figure's title (small multiples) or
    its first Axes' title, on one line, a $ as typed."""
    texts = [getattr(figure, "_suptitle", None)]
    for ax in figure.axes:
        texts += [ax.title, ax._left_title, ax._right_title]
    for text in texts:
        if text is not None and text.get_text().strip():
            return " ".join(text.get_text().replace(r"\$", "$").split())
    return ""
