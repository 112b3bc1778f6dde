"""Performance self-evaluation (绩效自评): money received and spent, budget against actual, score.

Rates, per project and over any grouping (program, year, region, …), each a figure reported
against its budget (RATES):
    special_arrival_rate = special_received / special (专项资金到位率)
    special_execution_rate = special_actual / special (专项资金执行率)
    self_raised_arrival_rate = self_raised_received / self_raised (自筹资金到位率)
    self_raised_execution_rate = self_raised_actual / self_raised (自筹资金执行率; the
        `execution_rate` of earlier releases, kept as an alias for one release)
Above project level a rate is a ratio of sums over the projects that report both the figure
and its budget (a budget of 0 has no rate), with how many do beside it (n_special_actual, …):
a reported actual is never set against a budget whose actual is unknown.

Budget against actual per category (VARIANCES): over the budget lines that report an actual
(决算), the budget, the actual, variance = actual − budget and variance_share = variance /
budget; the same for the special fund's part.

The score (自评得分) of each project, by the table of analysis.words.scoring: 10 points of
预算执行率 on the special-fund execution rate, each indicator by its direction, the total
out of 100 and its grade (优 良 中 差). A project without indicators has no score and no
grade (empty, not 0), and `score_status` says why.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.check._facts import Facts
from analysis.measure.sums import _fen_sums, ratio
from analysis.read.keys import first_rows, id_codes, numbered
from analysis.words import scoring
from analysis.words.scoring import (
    EXECUTION,
    GRADES,
    INDICATOR_LEVELS,
    SIGNS,
    grade_of,
    rounded,
)
from analysis.words.vocabulary import FEN_PER_WAN, UNKNOWN_GROUP, fen


@dataclass(frozen=True)
class Rate:
    """A figure reported against its budget, and the columns it gives above project level."""

    name: str  # the rate's column
    figure: str  # the reported figure, a column of the projects table
    budget: str  # the budget it is set against
    budget_reported: str  # above project level: the budget of the projects that report both
    count: str  # above project level: how many projects report both


RATES: tuple[Rate, ...] = (
    Rate("special_arrival_rate", "special_received", "special", "special_received_budget",
         "n_special_received"),
    Rate("special_execution_rate", "special_actual", "special", "special_actual_budget",
         "n_special_actual"),
    Rate("self_raised_arrival_rate", "self_raised_received", "self_raised",
         "self_raised_received_budget", "n_self_raised_received"),
    # Its budget column keeps the name earlier releases gave it.
    Rate("self_raised_execution_rate", "self_raised_actual", "self_raised",
         "self_raised_budget_reported", "n_self_raised_actual"),
)  # fmt: skip

# The figures a project may report, in the order the tables show them.
REPORTED = ("special_received", "special_actual", "self_raised_received", "self_raised_actual")

# The alias of self_raised_execution_rate that earlier releases called execution_rate.
ALIASES = {"execution_rate": "self_raised_execution_rate"}


def evaluated(projects: pd.DataFrame, indicators: pd.DataFrame) -> bool:
    """Return whether the data hold anything a self-evaluation reads: a figure received or
    spent (REPORTED) of any project, or any performance indicator."""
    if not indicators.empty:
        return True
    present = [c for c in REPORTED if c in projects.columns]
    return bool(projects[present].notna().any(axis=None)) if present else False


def reports(projects: pd.DataFrame, rate: Rate) -> np.ndarray:
    """Return which projects report both a rate's figure and a budget it can be set against."""
    budget = fen(projects[rate.budget])
    return ~np.isnan(fen(projects[rate.figure])) & ~np.isnan(budget) & (budget != 0)


def project_rates(projects: pd.DataFrame) -> pd.DataFrame:
    """Return each project's four rates (NaN where the figure or a non-zero budget is missing).

    A project's rate divides its own figures in 万元, as `execution_rate` always has.
    """
    return pd.DataFrame(
        {r.name: ratio(projects[r.figure], projects[r.budget]) for r in RATES},
        index=projects.index,
    )


def _groups(table: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Return each row's group by keys (in order of first appearance, as exact_sum groups)
    and each group's first row."""
    if not keys:
        return np.zeros(len(table), dtype=np.int64), np.zeros(min(len(table), 1), dtype=np.int64)
    codes = [pd.factorize(table[key], use_na_sentinel=False)[0] for key in keys]
    return numbered(*codes)


def rates(projects: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Return the four rates per group of keys (any columns of the projects table: program,
    year, region, …; [] for all the projects as one), each a ratio of sums over the projects
    that report both its figure and its budget.

    Columns: the keys, then per rate: its figure summed, budget_reported (the budget of the
    same projects), count (how many) and the rate; amounts in 万元, summed in whole 分.
    """
    group, first = _groups(projects, keys)
    out = projects[keys].iloc[first].reset_index(drop=True)
    for rate in RATES:
        both = reports(projects, rate)
        amounts = {
            rate.figure: np.where(both, fen(projects[rate.figure]), np.nan),
            rate.budget_reported: np.where(both, fen(projects[rate.budget]), np.nan),
        }
        sums = _fen_sums(amounts, group, len(first))
        out[rate.figure] = sums[rate.figure] / FEN_PER_WAN
        out[rate.budget_reported] = sums[rate.budget_reported] / FEN_PER_WAN
        out[rate.count] = np.bincount(group, both, minlength=len(first)).astype("int64")
        out[rate.name] = ratio(sums[rate.figure], sums[rate.budget_reported])
    return out


# --- budget against actual, per category ------------------------------------------------


@dataclass(frozen=True)
class Variance:
    """An actual set against its budget line by line, and the columns it gives."""

    actual: str  # a column of the budget lines: what was spent
    budget: str  # the line's budget it is set against
    budget_reported: str  # the budget of the lines that report the actual
    variance: str
    share: str
    count: str


VARIANCES: tuple[Variance, ...] = (
    Variance("actual", "total", "budget", "variance", "variance_share", "n_lines_actual"),
    Variance("special_actual", "special", "special_budget", "special_variance",
             "special_variance_share", "n_lines_special_actual"),
)  # fmt: skip

PROJECT_CATEGORY_KEYS = ["project_id", "organization", "program", "year", "category", "group"]
PROGRAM_CATEGORY_KEYS = ["program", "year", "category", "group"]


def variance_columns() -> list[str]:
    """Return the columns a variance table holds after its keys."""
    return [
        c for v in VARIANCES for c in (v.budget_reported, v.actual, v.variance, v.share, v.count)
    ]


def reported_lines(ds: Facts, projects: pd.DataFrame) -> pd.DataFrame:
    """Return the budget lines that report an actual, with their project's organization,
    program and year and their category's group (lines of no project are left out: rule
    R03 names them).

    projects is a table in the order of ds.projects (Measures.projects).
    """
    lines = ds.lines
    reported = lines["actual"].notna().to_numpy() | lines["special_actual"].notna().to_numpy()
    # Lines are matched to projects by their integer codes, not by hashing ids again.
    rows = np.flatnonzero(reported & (ds.line_codes < len(ds.first_rows)))
    taken = lines.iloc[rows]
    if not len(rows):  # most data sets: no line reports what it spent
        return taken.assign(organization=[], program=[], year=[], group=[])
    owner = ds.first_rows[ds.line_codes[rows]]
    groups = dict(zip(ds.categories["code"], ds.categories["group"], strict=True))
    return taken.assign(
        organization=projects["organization"].to_numpy()[owner],
        program=projects["program"].to_numpy()[owner],
        year=projects["year"].to_numpy()[owner],
        group=taken["category"].map(lambda c: groups.get(c, UNKNOWN_GROUP)).to_numpy(),
    )


def variance(lines: pd.DataFrame, keys: list[str], categories: pd.DataFrame) -> pd.DataFrame:
    """Return budget against actual per group of keys (one row per project × category, or
    program × year × category, …), over the lines that report the actual.

    lines has the keys as columns (see reported_lines); rows come in order of first
    appearance of everything but the category, then in the vocabulary's category order.
    """
    group, first = _groups(lines, keys)
    out = lines[keys].iloc[first].reset_index(drop=True)
    for v in VARIANCES:
        both = ~np.isnan(fen(lines[v.actual])) & ~np.isnan(fen(lines[v.budget]))
        sums = _fen_sums(
            {
                v.actual: np.where(both, fen(lines[v.actual]), np.nan),
                v.budget_reported: np.where(both, fen(lines[v.budget]), np.nan),
            },
            group,
            len(first),
        )
        spent, budget = sums[v.actual], sums[v.budget_reported]
        out[v.budget_reported] = budget / FEN_PER_WAN
        out[v.actual] = spent / FEN_PER_WAN
        out[v.variance] = (spent - budget) / FEN_PER_WAN
        out[v.share] = ratio(spent - budget, budget)
        out[v.count] = np.bincount(group, both, minlength=len(first)).astype("int64")
    if "category" in keys and len(out):
        rank = {code: i for i, code in enumerate(categories["code"])}
        whole = [k for k in keys if k not in ("category", "group")]
        order = pd.DataFrame(
            {
                "whole": _groups(out, whole)[0] if whole else 0,
                "rank": out["category"].map(lambda c: rank.get(c, len(rank))).to_numpy(),
            }
        )
        out = out.iloc[order.sort_values(["whole", "rank"], kind="stable").index]
    return out.reset_index(drop=True)


# --- the score --------------------------------------------------------------------------

INDICATOR_COLUMNS = ["project_id", "organization", "program", "year", "level1", "level2",
                     "indicator", "direction", "target_shown", "actual_shown", "weight", "earned",
                     "reason", "target_value", "actual_value", "unit", "given_score",
                     "source_row"]  # fmt: skip
LEVEL_SCORES = [f"{level.code}_score" for level in INDICATOR_LEVELS]
SCORE_COLUMNS = ["n_indicators", "execution_score", *LEVEL_SCORES, "indicator_score", "score",
                 "grade", "score_status"]  # fmt: skip
_SIGN_SHOWN = {">=": "≥", "<=": "≤", "=": "="}


def indicator_scores(indicators: pd.DataFrame, projects: pd.DataFrame) -> pd.DataFrame:
    """Return every indicator with the points it earned (INDICATOR_COLUMNS).

    earned follows the indicator's direction in analysis.words.scoring.DIRECTIONS,
    between 0 and its weight, rounded to two decimals; NaN where it cannot be worked out
    (a figure missing, an unknown direction: rules R25 and R27 say which). given_score is
    the score the data gives (the evaluator's, for a qualitative indicator).
    """
    if indicators.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in INDICATOR_COLUMNS})
    score = scoring.indicator_scores(
        indicators["direction"].to_numpy(dtype=object),
        indicators["target"],
        indicators["actual"],
        indicators["weight"],
        indicators["score"],
        indicators["tolerance"],
    )
    ids = indicators["project_id"]
    owner = _owners(projects, ids)
    table = pd.DataFrame(
        {
            "project_id": ids,
            "organization": _taken(projects["organization"], owner),
            "program": _taken(projects["program"], owner),
            "year": _taken(projects["year"], owner),
            "level1": indicators["level1"],
            "level2": indicators["level2"],
            "indicator": indicators["name"],
            "direction": indicators["direction"],
            "target_shown": _shown_values(indicators, "target", signed=True),
            "actual_shown": _shown_values(indicators, "actual", signed=False),
            "weight": indicators["weight"].to_numpy(dtype=np.float64),
            "earned": score,
            "reason": indicators["reason"],
            "target_value": indicators["target"].to_numpy(dtype=np.float64),
            "actual_value": indicators["actual"].to_numpy(dtype=np.float64),
            "unit": indicators["unit"],
            "given_score": indicators["score"].to_numpy(dtype=np.float64),
            "source_row": indicators["source_row"].to_numpy(),
        }
    )
    return table[INDICATOR_COLUMNS].reset_index(drop=True)


def _owners(projects: pd.DataFrame, ids: pd.Series) -> np.ndarray:
    """Return the projects row of each id (its first row), -1 where no project has it."""
    own, theirs = id_codes(projects["project_id"], ids)
    first = first_rows(own)  # codes are numbered as they first appear
    if not len(first):
        return np.full(len(theirs), -1, dtype=np.int64)
    return np.where(theirs < len(first), first[np.minimum(theirs, len(first) - 1)], -1)


def _taken(column: pd.Series, rows: np.ndarray) -> np.ndarray:
    """Return column[rows] as objects, None where rows is -1."""
    values = column.to_numpy(dtype=object)
    return np.where(rows >= 0, values[np.maximum(rows, 0)] if len(values) else None, None)


def _shown_values(indicators: pd.DataFrame, column: str, signed: bool) -> pd.Series:
    """Return target or actual as a form prints it: the text as given, with the direction's
    sign before a target and the unit after a number where the text leaves them out."""
    shown = []
    for text, number, unit, direction in zip(
        indicators[f"{column}_text"],
        indicators[column],
        indicators["unit"],
        indicators["direction"],
        strict=True,
    ):
        if pd.isna(text):
            shown.append("")
            continue
        written = str(text).strip()
        if not np.isnan(number):
            if isinstance(unit, str) and unit and not written.endswith(unit):
                written += unit
            sign = _SIGN_SHOWN.get(direction, "") if signed else ""
            if sign and not written.startswith(tuple(SIGNS)):
                written = sign + written
        shown.append(written)
    return pd.Series(shown, index=indicators.index, dtype="str")


def scored(projects: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """Return the projects with their score (SCORE_COLUMNS), from indicator_scores' table.

    execution_score = min(special_execution_rate, 100%) × 10 (EXECUTION); each level's
    score and indicator_score are sums of the indicators' scores; score = execution_score
    + indicator_score, out of 100, and grade its grade. Where a project has no indicators,
    no special-fund spending figure, or an indicator that cannot be scored, score and grade
    are empty and score_status says which.
    """
    rate = projects[EXECUTION.rate].to_numpy(dtype=np.float64)
    execution = rounded(np.minimum(rate, EXECUTION.cap) * EXECUTION.points)
    # Each indicator's project as a number: sums per project are then np.bincount.
    if indicators.empty:  # most data sets: no project has indicators
        own, theirs = np.zeros(len(projects), dtype=np.int64), np.zeros(0, dtype=np.int64)
    else:
        own, theirs = id_codes(projects["project_id"], indicators["project_id"])
    size = int(own.max(initial=-1)) + 1
    mine = theirs < size
    code = theirs[mine]
    earned = indicators["earned"].to_numpy(dtype=np.float64)[mine]
    level1 = indicators["level1"].to_numpy(dtype=object)[mine]

    def total(rows: np.ndarray) -> np.ndarray:
        # A sum with a part missing is no sum; a project without such parts has none.
        counted = np.bincount(code[rows], minlength=size)
        missing = np.bincount(code[rows], np.isnan(earned[rows]), minlength=size)
        summed = np.bincount(code[rows], np.nan_to_num(earned[rows]), minlength=size)
        return np.where((counted > 0) & (missing == 0), summed, np.nan)[own]

    every = np.ones(len(code), dtype=bool)
    n = np.bincount(code, minlength=size)[own].astype("int64")
    levels = {f"{level.code}_score": total(level1 == level.code) for level in INDICATOR_LEVELS}
    indicator_score = rounded(total(every))
    has = n > 0
    score = np.where(has, rounded(execution + indicator_score), np.nan)
    status = np.select(
        [~has, np.isnan(execution), np.isnan(indicator_score)],
        ["no_indicators", "no_execution", "not_scored"],
        default="scored",
    )
    return projects.assign(
        n_indicators=n,
        execution_score=execution,
        **{name: rounded(values) for name, values in levels.items()},
        indicator_score=np.where(has, indicator_score, np.nan),
        score=score,
        grade=grade_of(score),
        score_status=status,
    )


def grade_counts(projects: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Return how many projects earned each grade per group of keys, every grade listed
    (0 where none), and n_unscored: the group's projects without a score."""
    group, first = _groups(projects, keys)
    out = projects[keys].iloc[first].reset_index(drop=True)
    grades = projects["grade"].to_numpy(dtype=object)
    rows = []
    for g in GRADES:
        counts = np.bincount(group, grades == g.code, minlength=len(first)).astype("int64")
        rows.append(out.assign(grade=g.code, n_projects=counts))
    table = pd.concat(rows, ignore_index=True)
    unscored = np.bincount(group, pd.isna(projects["grade"]), minlength=len(first))
    table["n_unscored"] = np.tile(unscored.astype("int64"), len(GRADES))
    order = np.argsort(np.tile(np.arange(len(first)), len(GRADES)), kind="stable")
    return table.iloc[order].reset_index(drop=True)
