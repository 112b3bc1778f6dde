"""Comparisons a province reads: across years, programs and organizations, and how a measure
is spread over many projects.

Each function returns the table a chart draws or a table people read, worked out here so
that the drawing code only draws (as analysis.measure.charts does for the project charts).
Every ratio above project level is a ratio of sums; only the years present in the data
appear, never a year filled with zeros; each table carries its scope
(``table.attrs["scope"]``) and the years missing between the first and the last.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.measure.charts import _already, _marked, check_level
from analysis.measure.measures import _totals, exact_sum, ratio
from analysis.measure.scope import scope_of
from analysis.words.registry import FUNDING
from analysis.words.vocabulary import fen

# The program of the rows that stand for every program of a year together.
ALL_PROGRAMS = "__all__"

# The measures whose spread over projects `spread` describes, with the figure over all the
# group's projects drawn beside it: a ratio of sums, or the mean budget (total / projects).
SPREAD_MEASURES = {"leverage": "leverage", "special_share": "special_share", "total": "total_mean"}
# Whiskers reach these percentiles; beyond them a few projects would stretch the axis.
WHISKERS = (5, 95)


def _with_years(table: pd.DataFrame, source: pd.DataFrame, chart: str, **attrs) -> pd.DataFrame:
    scope = scope_of(source)
    return _marked(table, chart, scope=scope, missing_years=scope.missing_years(), **attrs)


def per_year(projects: pd.DataFrame) -> pd.DataFrame:
    """Return the money-per-year chart's table: one row per year present, oldest first.

    Columns as Measures.years (year, n_projects, special, self_raised, total, ratios of
    sums, execution). projects is Measures.projects (or any of its rows).
    """
    if _already(projects, "per_year"):
        return projects
    years = _totals(projects, ["year"]).sort_values("year", kind="stable")
    return _with_years(years.reset_index(drop=True), projects, "per_year")


def trend_ratios(projects: pd.DataFrame) -> pd.DataFrame:
    """Return the small multiples' table: leverage and special share per program and year.

    One row per program × year present (ratios of that program-year's sums), and where
    there are several programs, first one row per year for all of them together (program
    ALL_PROGRAMS). Programs run from the largest special fund over all years down, years
    from the oldest. Columns: program, year, n_projects, special, self_raised, total,
    special_share, self_raised_share, leverage, multiplier.
    """
    if _already(projects, "trend_ratios"):
        return projects
    columns = [
        "program",
        "year",
        "n_projects",
        *FUNDING,
        "special_share",
        "self_raised_share",
        "leverage",
        "multiplier",
    ]
    per_program = _totals(projects, ["program", "year"])
    size = exact_sum(projects, ["program"], ["special"])
    largest = size.sort_values("special", ascending=False, kind="stable")["program"]
    rank = {p: i for i, p in enumerate(largest)}
    per_program = per_program.assign(_rank=per_program["program"].map(rank))
    per_program = per_program.sort_values(["_rank", "year"], kind="stable")
    parts = [per_program]
    if len(rank) > 1:
        every = _totals(projects, ["year"]).assign(program=ALL_PROGRAMS)
        parts.insert(0, every.sort_values("year", kind="stable"))
    table = pd.concat([p[columns] for p in parts], ignore_index=True)
    return _with_years(table, projects, "trend_ratios")


def year_structure(parts: pd.DataFrame, level: str = "category") -> pd.DataFrame:
    """Return the structure-per-year chart's table: per year and category (or group), the
    money by source and its share of that year's whole budget (100% per year).

    parts is Measures.by_category or .by_group (or .categories, .groups). Years run from
    the oldest; categories in the vocabulary's order within each year.
    """
    if _already(parts, "year_structure"):
        return parts
    level = check_level(level)
    known = parts[parts["year"].notna()]
    summed = exact_sum(known, ["year", level], list(FUNDING))
    year_total = summed.groupby("year", sort=False)["total"].transform(lambda t: fen(t).sum())
    summed["category_share"] = ratio(fen(summed["total"]), year_total.to_numpy())
    summed = summed.astype({"year": "int64"}).sort_values("year", kind="stable")
    return _with_years(summed.reset_index(drop=True), known, "year_structure", level=level)


def returning(organizations: pd.DataFrame) -> pd.DataFrame:
    """Return the organizations funded in more than one year: most years first, then the
    largest special fund (rows of Measures.organizations)."""
    several = organizations[organizations["n_years"].gt(1)]
    order = np.lexsort((-fen(several["special"]), -several["n_years"].to_numpy()))
    return several.iloc[order].reset_index(drop=True)


def changes(years: pd.DataFrame) -> pd.DataFrame:
    """Return the change of each year from the year before it in the data.

    years is Measures.years (one row per year present). previous_year is the year compared
    with: the one before in the data, which is not the calendar's year before where a year
    is missing. *_change is the difference (万元, projects, or leverage's x), *_change_pct
    the difference over the earlier figure; the first year has none.
    """
    years = years.sort_values("year", kind="stable").reset_index(drop=True)
    before = years.shift(1)
    table = years[["year", "n_projects", *FUNDING, "leverage"]].copy()
    table.insert(1, "previous_year", before["year"].astype("Int64").astype("float64"))
    table["n_projects_change"] = years["n_projects"] - before["n_projects"]
    for column in FUNDING:
        difference = fen(years[column]) - fen(before[column])
        table[f"{column}_change"] = difference / 1_000_000
        table[f"{column}_change_pct"] = ratio(difference, fen(before[column]))
    table["leverage_change"] = years["leverage"] - before["leverage"]
    return table


def spread(
    projects: pd.DataFrame, measure: str = "leverage", by: str | None = None
) -> pd.DataFrame:
    """Return how one measure is spread over the projects, per program or per year.

    The table drawn has one row per project with a figure: the group (column `by`),
    project_id, organization and the measure. attrs["summary"] is what is printed under
    the chart: per group, n_projects (with a figure), the quartiles and median
    (<measure>_p25, _median, _p75, linear interpolation as numpy's percentile) and the
    figure over the group's sums (the ratio of sums; for total, total_mean = total /
    projects). by: "program" or "year"; None takes programs when there are several, else
    years when there are several, else the one program. attrs["left_out"] counts the
    projects without a figure (leverage without special fund).
    """
    if _already(projects, "spread"):
        return projects
    if measure not in SPREAD_MEASURES:
        raise ValueError(f"measure must be one of {', '.join(SPREAD_MEASURES)}, not {measure!r}")
    if by is None:
        by = (
            "year" if projects["program"].nunique() <= 1 < projects["year"].nunique() else "program"
        )
    if by not in ("program", "year"):
        raise ValueError(f"by must be 'program' or 'year', not {by!r}")
    has = projects[measure].notna()
    values = projects.loc[has, [by, "project_id", "organization", measure]]
    order = _group_order(projects, by)
    values = values.assign(_g=values[by].map({g: i for i, g in enumerate(order)}))
    values = values.sort_values("_g", kind="stable").drop(columns="_g").reset_index(drop=True)
    summary = _spread_summary(projects[has], values, by, measure, order)
    return _with_years(
        values,
        projects,
        "spread",
        measure=measure,
        by=by,
        summary=summary,
        left_out=int((~has).sum()),
    )


def _group_order(projects: pd.DataFrame, by: str) -> list:
    if by == "year":
        return sorted(projects["year"].dropna().unique().tolist())
    size = exact_sum(projects, ["program"], ["special"])
    return size.sort_values("special", ascending=False, kind="stable")["program"].tolist()


def _spread_summary(
    projects: pd.DataFrame, values: pd.DataFrame, by: str, measure: str, order: list
) -> pd.DataFrame:
    stats = [f"{measure}_{s}" for s in ("p25", "median", "p75")]
    reference = SPREAD_MEASURES[measure]
    if values.empty:  # no project has the figure (leverage of projects without special fund)
        return pd.DataFrame(columns=[by, "n_projects", *stats, reference])
    grouped = values.groupby(by, sort=False)[measure]
    quartiles = grouped.quantile([0.25, 0.5, 0.75]).unstack()
    quartiles.columns = stats
    totals = _totals(projects, [by]).set_index(by)
    totals["total_mean"] = totals["total"] / totals["n_projects"]
    summary = pd.DataFrame({"n_projects": grouped.size()}).join(quartiles)
    summary[reference] = totals[reference].reindex(summary.index)
    present = [g for g in order if g in summary.index]
    return summary.reindex(present).rename_axis(by).reset_index()
