"""The tables the evaluation's charts draw (analysis.draw.evaluation), worked out here.

As in analysis.measure.charts, every chart draws the table one of these gives it, and the
notebooks print that table under the chart: arrival and execution per project, budget
against actual per category, leverage against the program's minimum, the score and its
parts, and the grades. Each table is marked (``attrs["chart"]``) and returned unchanged if
it is one already; attrs also count what is not drawn, for the chart's note.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.measure.evaluation import RATES, grade_counts, rates
from analysis.measure.scope import scope_of
from analysis.measure.sums import exact_sum, ratio
from analysis.measure.top import OTHERS
from analysis.words.scoring import GRADES, INDICATOR_LEVELS
from analysis.words.vocabulary import fen

RATE_NAMES = [r.name for r in RATES]
PART_SCORES = ["execution_score", *(f"{level.code}_score" for level in INDICATOR_LEVELS)]


def _marked(table: pd.DataFrame, chart: str, **attrs: object) -> pd.DataFrame:
    table.attrs.update(chart=chart, **attrs)
    return table


def _already(table: pd.DataFrame, chart: str) -> bool:
    return table.attrs.get("chart") == chart


def _top(projects: pd.DataFrame, top: int | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the top N projects by special fund (largest first) and the rest (one row each).

    At most top + 1 projects are all shown: one "other" project would hide a name for nothing.
    """
    ordered = projects.drop_duplicates("project_id").sort_values(
        "special", ascending=False, kind="stable"
    )
    if top is None or len(ordered) <= top + 1:
        return ordered.reset_index(drop=True), ordered.iloc[:0]
    return ordered.iloc[:top].reset_index(drop=True), ordered.iloc[top:]


def arrival_execution(projects: pd.DataFrame, top: int | None = 20) -> pd.DataFrame:
    """Return the arrival and execution chart's table: per project that reports any of the
    four figures, its four rates (NaN where not reported), largest special fund first; the
    projects beyond the top N as one OTHERS row whose rates are ratios of their sums over
    the projects that report each.

    attrs["not_reported"] counts the projects that report none of the four figures.
    """
    if _already(projects, "arrival_execution"):
        return projects
    any_rate = projects[RATE_NAMES].notna().any(axis=1)
    reported = projects[any_rate]
    not_reported = projects["project_id"].nunique() - reported["project_id"].nunique()
    shown, rest = _top(reported, top)
    table = shown[["project_id", "organization", "special", *RATE_NAMES]].assign(n_projects=1)
    if len(rest):
        summed = rates(rest, [])
        others = {"project_id": OTHERS, "organization": None, "n_projects": len(rest),
                  "special": exact_sum(rest.assign(_all=0), ["_all"], ["special"])["special"][0],
                  **{r.name: summed[r.name].iloc[0] for r in RATES}}  # fmt: skip
        table = pd.concat([table, pd.DataFrame([others])], ignore_index=True)
    return _marked(
        table, "arrival_execution", top=top, not_reported=not_reported, scope=scope_of(projects)
    )


def category_variance(table: pd.DataFrame, scope=None) -> pd.DataFrame:
    """Return the budget-against-actual chart's table: per category, the budget and the
    actual of the lines that report an actual, variance and variance_share.

    table is Measures.by_category_variance or .variance (all of it or one project's rows);
    rows over several programs, years or projects are summed in whole 分.
    """
    if _already(table, "category_variance"):
        return table
    columns = ["budget", "actual", "special_budget", "special_actual"]
    if table.empty:
        summed = pd.DataFrame(columns=["category", *columns], dtype="float64")
    else:
        summed = exact_sum(table, ["category"], columns)
    summed["variance"] = (fen(summed["actual"]) - fen(summed["budget"])) / 1_000_000
    summed["variance_share"] = ratio(
        fen(summed["actual"]) - fen(summed["budget"]), fen(summed["budget"])
    )
    for key in ("program", "year", "project_id", "organization"):
        if key in table and len(table):
            values = table[key].drop_duplicates()
            summed[key] = values.iloc[0] if len(values) == 1 else None
    # Where no line reports an actual the table is empty: the scope is then given.
    return _marked(summed, "category_variance", scope=scope or scope_of(table))


def leverage_minimum(
    projects: pd.DataFrame, programs: pd.DataFrame | None = None, top: int | None = 20
) -> pd.DataFrame:
    """Return the leverage-against-minimum chart's table: the top N projects by special
    fund with their leverage, their program's min_leverage (NaN where none is set) and the
    shortfall in 万元 (min_leverage × special − self_raised, where above 0), highest
    leverage first. programs is Measures.programs (None: no minimum is drawn).

    attrs["minimums"] holds the distinct minimums that apply; attrs["left_out"] counts the
    projects beyond the top N.
    """
    if _already(projects, "leverage_minimum"):
        return projects
    shown, rest = _top(projects[projects["leverage"].notna()], top)
    if programs is None or "min_leverage" not in programs:
        minimum = np.full(len(shown), np.nan)
    else:
        minimum = (
            programs.drop_duplicates(["program", "year"])
            .set_index(["program", "year"])["min_leverage"]
            .reindex(pd.MultiIndex.from_frame(shown[["program", "year"]]))
            .to_numpy(dtype=np.float64)
        )
    needed = np.rint(minimum * fen(shown["special"]))
    short = np.where(needed > fen(shown["self_raised"]), needed - fen(shown["self_raised"]), 0.0)
    table = shown[["project_id", "organization", "special", "self_raised", "leverage"]].assign(
        min_leverage=minimum,
        shortfall=np.where(np.isnan(minimum), np.nan, short / 1_000_000),
        n_projects=1,
    )
    table = table.sort_values("leverage", ascending=False, kind="stable").reset_index(drop=True)
    minimums = sorted(set(minimum[~np.isnan(minimum)].tolist()))
    return _marked(
        table,
        "leverage_minimum",
        top=top,
        minimums=minimums,
        left_out=len(rest),
        scope=scope_of(projects),
    )


def scores(projects: pd.DataFrame, top: int | None = 20) -> pd.DataFrame:
    """Return the score chart's table: the scored projects (top N by special fund), each
    score's parts (execution, and each level's indicators), total and grade, highest first.

    attrs["unscored"] counts projects without a score by why (score_status); attrs
    ["left_out"] the scored projects beyond the top N.
    """
    if _already(projects, "scores"):
        return projects
    scored = projects[projects["score"].notna()]
    shown, rest = _top(scored, top)
    table = shown[["project_id", "organization", *PART_SCORES, "score", "grade"]].assign(
        n_projects=1
    )
    table = table.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
    unscored = (
        projects[projects["score"].isna()].drop_duplicates("project_id")["score_status"]
    ).value_counts()
    return _marked(
        table,
        "scores",
        top=top,
        unscored=unscored.to_dict(),
        left_out=len(rest),
        scope=scope_of(projects),
    )


def grades(projects: pd.DataFrame) -> pd.DataFrame:
    """Return the grade chart's table: how many projects earned each grade (every grade
    listed), then how many have no score (grade "unscored", which is not drawn as a bar);
    attrs["unscored"] holds that count too."""
    if _already(projects, "grades"):
        return projects
    counts = grade_counts(projects.drop_duplicates("project_id"), [])
    unscored = int(counts["n_unscored"].iloc[0]) if len(counts) else 0
    if counts.empty:
        counts = pd.DataFrame({"grade": [g.code for g in GRADES], "n_projects": 0})
    table = counts[["grade", "n_projects"]].reset_index(drop=True)
    table.loc[len(table)] = ["unscored", unscored]
    return _marked(table, "grades", unscored=unscored, scope=scope_of(projects))
