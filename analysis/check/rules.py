"""Data-quality rules, kept as a table: id, severity, the files each one crosses, a message.

In the manner of the US DATA Act broker's rule table, a rule is a row in RULES and one
vectorised function that returns the offending rows; adding a rule is adding both, not
editing a chain of ifs. `check` runs them all and returns the findings as a DataFrame.

Sums reconcile within 0.005 万元 for each figure summed (the report prints 万元 with two
decimals), compared in whole 分 so that no float rounding widens the tolerance.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.check._facts import Facts
from analysis.check.reconcile import compare, line_counts, project_figures
from analysis.read.evaluation import parse_value
from analysis.read.keys import id_codes, is_first
from analysis.read.load import Dataset
from analysis.words import scoring
from analysis.words.formats import leverage, tolerance, wan
from analysis.words.labels import has_label, label
from analysis.words.registry import kind
from analysis.words.vocabulary import FEN_PER_WAN, TOLERANCE_FEN_PER_FIGURE, fen, is_corrected

ERROR = "error"
WARNING = "warning"

FINDING_COLUMNS = [
    "rule",
    "name",
    "severity",
    "file",
    "source_row",
    "project_id",
    "organization",
    "column",
    "value",
    "expected",
    "message_zh",
    "message_en",
]


@dataclass(frozen=True)
class Rule:
    """One data-quality rule: what it is called, how bad it is, what it says."""

    id: str
    name: str
    severity: str
    files: tuple[str, ...]
    message_zh: str
    message_en: str
    find: Callable[[Dataset], pd.DataFrame]


def _hits(table: pd.DataFrame, mask: np.ndarray | pd.Series, file: str, **columns) -> pd.DataFrame:
    """Return the rows of table where mask holds, shaped as raw findings."""
    rows = np.flatnonzero(np.asarray(mask, dtype=bool))
    found = {
        "file": file,
        "source_row": _taken(table["source_row"], rows) if "source_row" in table else pd.NA,
        "project_id": _taken(table["project_id"], rows) if "project_id" in table else "",
    }
    for name, values in columns.items():
        found[name] = _taken(values, rows) if np.ndim(values) else values
    return pd.DataFrame(found, index=pd.RangeIndex(len(rows)))


def _taken(values: pd.Series | np.ndarray, rows: np.ndarray) -> np.ndarray:
    # Take the few rows that are findings, then convert them: converting a million-row
    # text column to Python strings, or masking it, costs far more.
    if isinstance(values, pd.Series):
        return np.asarray(values.array.take(rows))
    return np.asarray(values)[rows]


# --- the rules' functions ------------------------------------------------------------


def _negative_amounts(ds: Dataset) -> pd.DataFrame:
    found = []
    given = {
        "projects": ["special", "total", "self_raised", "self_raised_actual", "special_received",
                     "special_actual", "self_raised_received"],
        "budget_lines": ["total", "special", "actual", "special_actual"],
        "programs": ["special_total", "special_initial"],
    }  # fmt: skip
    tables = {
        "projects": ds.projects,
        "budget_lines": ds.lines,
        # A program has no project id; its name and year stand in for "who".
        "programs": ds.programs.assign(
            project_id=ds.programs["program"], organization=ds.programs["year"].astype(str)
        ),
    }
    for name, columns in given.items():
        table = tables[name]
        for column in columns:
            negative = table[column].to_numpy() < 0  # NaN is not negative
            if name == "projects" and negative.any():
                # A derived figure is negative only because of another rule.
                derived = table["derived"].str.contains(column, regex=False).to_numpy(dtype=bool)
                negative &= ~derived
            who = {"organization": table["organization"]} if "organization" in table else {}
            found.append(
                _hits(table, negative, f"{name}.csv", column=column, value=table[column], **who)
            )
    return pd.concat(found, ignore_index=True)


def _duplicate_projects(ds: Dataset) -> pd.DataFrame:
    repeated = ~is_first(Facts.of(ds).project_codes)
    return _hits(ds.projects, repeated, "projects.csv", column="project_id")


def _orphan_lines(ds: Dataset) -> pd.DataFrame:
    checked = Facts.of(ds)
    orphan = checked.line_codes >= len(checked.first_rows)
    return _hits(ds.lines, orphan, "budget_lines.csv", column="project_id")


def _unknown_categories(ds: Dataset) -> pd.DataFrame:
    codes, categories = Facts.of(ds).line_categories
    unknown = ~categories.isin(ds.categories["code"])[codes]
    lines = ds.lines
    return _hits(
        lines, unknown, "budget_lines.csv", column="category", value=lines["category_given"]
    )


def _line_special_over_total(ds: Dataset) -> pd.DataFrame:
    lines = ds.lines
    over = fen(lines["special"]) > fen(lines["total"])
    return _hits(
        lines,
        over,
        "budget_lines.csv",
        column="special",
        value=lines["special"],
        expected=lines["total"],
        category=lines["category_given"],
    )


def _project_special_over_total(ds: Dataset) -> pd.DataFrame:
    p = ds.projects
    over = fen(p["special"]) > fen(p["total"])
    return _hits(p, over, "projects.csv", column="special", value=p["special"], expected=p["total"])


def _project_figures_disagree(ds: Dataset) -> pd.DataFrame:
    p = ds.projects
    given = p["derived"].eq("").to_numpy() & p[["special", "self_raised", "total"]].notna().all(
        axis=1
    )
    gap = np.abs(fen(p["special"]) + fen(p["self_raised"]) - fen(p["total"]))
    off = given & (gap > 2 * TOLERANCE_FEN_PER_FIGURE)
    return _hits(
        p,
        off,
        "projects.csv",
        column="total",
        value=p["special"] + p["self_raised"],
        expected=p["total"],
    )


def _total_unknown(ds: Dataset) -> pd.DataFrame:
    p = ds.projects
    return _hits(p, p["total"].isna(), "projects.csv", column="total")


def _lines_disagree(ds: Dataset, column: str) -> pd.DataFrame:
    facts = Facts.of(ds)
    p = facts.first_projects
    n = line_counts(facts)
    _, compared, declared, summed = next(f for f in project_figures(facts) if f[0] == column)
    difference, tolerance, ok = compare(declared, summed, n)
    off = compared & ~ok & ~np.isnan(declared)
    return _hits(
        p,
        off,
        "projects.csv × budget_lines.csv",
        column=column,
        value=summed / FEN_PER_WAN,
        expected=p[column],
        difference=difference / FEN_PER_WAN,
        tolerance=tolerance / FEN_PER_WAN,
    )


def _program_special_disagrees(ds: Dataset) -> pd.DataFrame:
    sums = Facts.of(ds).program_sums
    n = sums["n"].fillna(0).to_numpy()
    difference, tolerance, ok = compare(
        fen(sums["special_total"]), sums["summed"].fillna(0).to_numpy(), n
    )
    # A declared program without projects is R14's, not a sum that is off.
    off = ~ok & (n > 0)
    return _hits(
        sums,
        off,
        "programs.csv × projects.csv",
        column="special_total",
        value=sums["summed"] / FEN_PER_WAN,
        expected=sums["special_total"],
        difference=difference / FEN_PER_WAN,
        tolerance=tolerance / FEN_PER_WAN,
        program=sums["program"],
        year=sums["year"],
    )


def _duplicate_programs(ds: Dataset) -> pd.DataFrame:
    p = ds.programs
    repeated = p.duplicated(["program", "year"], keep="first")
    return _hits(
        p, repeated, "programs.csv", column="program", program=p["program"], year=p["year"]
    )


def _undeclared_programs(ds: Dataset) -> pd.DataFrame:
    p = ds.projects
    missing = np.zeros(len(p), dtype=bool)
    if ds.programs.empty:
        return _hits(p, missing, "projects.csv")
    declared = set(zip(ds.programs["program"], ds.programs["year"], strict=True))
    first = Facts.of(ds).program_years[1]  # one row per program-year: a few dozen
    shown = zip(p["program"].iloc[first], p["year"].iloc[first], strict=True)
    missing[first] = [key not in declared for key in shown]
    return _hits(p, missing, "projects.csv", column="program", program=p["program"], year=p["year"])


def _programs_without_projects(ds: Dataset) -> pd.DataFrame:
    sums = Facts.of(ds).program_sums
    empty = sums["n"].isna().to_numpy()
    return _hits(
        sums, empty, "programs.csv", column="program", program=sums["program"], year=sums["year"]
    )


def _execution_over_budget(ds: Dataset) -> pd.DataFrame:
    p = ds.projects
    # Spending against no budget at all is R21's.
    budget = fen(p["self_raised"])
    over = (fen(p["self_raised_actual"]) > budget) & (budget > 0)
    return _hits(
        p,
        over,
        "projects.csv",
        column="self_raised_actual",
        value=p["self_raised_actual"],
        expected=p["self_raised"],
        rate=p["self_raised_actual"] / p["self_raised"],
    )


def _no_breakdown(ds: Dataset) -> pd.DataFrame:
    p = ds.projects
    checked = Facts.of(ds)
    bare = checked.line_sums["n"][checked.project_codes] == 0
    return _hits(p, bare, "projects.csv × budget_lines.csv", column="project_id", value=p["total"])


def _corrected_figures(ds: Dataset) -> pd.DataFrame:
    lines = ds.lines
    corrected = is_corrected(lines["note"])
    hits = _hits(
        lines,
        corrected,
        "budget_lines.csv",
        column="note",
        value=lines["total"],
        category=lines["category_given"],
    )
    # A bilingual note is written "中文 / English"; each message takes its half.
    halves = lines["note"][corrected].fillna("").str.split(" / ", n=1)
    hits["note_zh"] = halves.str[0].to_numpy()
    hits["note_en"] = halves.str[-1].to_numpy()
    return hits


def _repeated_categories(ds: Dataset) -> pd.DataFrame:
    lines = ds.lines
    repeated = ~is_first(Facts.of(ds).line_pairs[0])
    return _hits(
        lines, repeated, "budget_lines.csv", column="category", category=lines["category_given"]
    )


# --- the performance self-evaluation's rules ----------------------------------------

# Each figure reported against a budget: table, figure, budget, (what it is, zh / en),
# (what was done, zh / en). A budget line's "what" is its category, named from the line.
_REPORTED = (
    ("projects", "special_received", "special", ("专项资金", "special fund"), ("到位", "received")),
    ("projects", "special_actual", "special", ("专项资金", "special fund"), ("实际支出", "spent")),
    ("projects", "self_raised_received", "self_raised", ("自筹资金", "self-raised money"),
     ("到位", "received")),
    ("projects", "self_raised_actual", "self_raised", ("自筹资金", "self-raised money"),
     ("实际使用", "spent")),
    ("budget_lines", "actual", "total", ("", ""), ("实际支出", "spent")),
    ("budget_lines", "special_actual", "special", ("专项经费", "special part"),
     ("实际支出", "spent")),
)  # fmt: skip


def _reported_hits(ds: Dataset, figures: tuple[str, ...], test) -> pd.DataFrame:
    """Return the findings where test(figure, budget) holds, for the figures named, in 分."""
    found = []
    for name, figure, budget, (what_zh, what_en), (done_zh, done_en) in _REPORTED:
        if figure not in figures:
            continue
        table = ds.projects if name == "projects" else ds.lines
        if table[figure].isna().all():  # most tables report no such figure: nothing to compare
            continue
        value, limit = fen(table[figure]), fen(table[budget])
        hit = test(value, limit)
        if not hit.any():
            continue
        if name == "budget_lines":
            category = table["category_given"].astype("object").fillna("")
            figure_zh = (category + what_zh).to_numpy()
            figure_en = (category + (" " + what_en if what_en else "")).to_numpy()
        else:
            figure_zh, figure_en = what_zh, what_en
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = value / limit
        found.append(
            _hits(
                table,
                hit,
                f"{name}.csv",
                column=figure,
                value=table[figure],
                expected=table[budget],
                rate=rate,
                figure_zh=figure_zh,
                figure_en=figure_en,
                done_zh=done_zh,
                done_en=done_en,
            )
        )
    return pd.concat(found, ignore_index=True) if found else _hits(ds.projects, [], "projects.csv")


def _received_over_budget(ds: Dataset) -> pd.DataFrame:
    return _reported_hits(
        ds, ("special_received", "self_raised_received"), lambda v, b: (v > b) & (b > 0)
    )


def _actual_over_budget(ds: Dataset) -> pd.DataFrame:
    # The self-raised money spent is R15's.
    return _reported_hits(
        ds, ("special_actual", "actual", "special_actual"), lambda v, b: (v > b) & (b > 0)
    )


def _actual_without_budget(ds: Dataset) -> pd.DataFrame:
    every = tuple(entry[1] for entry in _REPORTED)
    # A budget of 0; one that is unknown is R08's (neither total nor self-raised given).
    return _reported_hits(ds, every, lambda v, b: (v != 0) & ~np.isnan(v) & (b == 0))


def _line_actuals_disagree(ds: Dataset) -> pd.DataFrame:
    if ds.lines["actual"].isna().all() and ds.lines["special_actual"].isna().all():
        return _hits(ds.projects, [], "projects.csv × budget_lines.csv")
    facts = Facts.of(ds)
    # Facts.first_projects keeps only the columns the other rules read.
    p = facts.projects.iloc[facts.first_rows]
    codes = facts.line_codes
    size = max(codes.max(initial=-1), facts.project_codes.max(initial=-1)) + 1
    found = []
    whole = fen(p["special_actual"]) + fen(p["self_raised_actual"])
    for column, declared in (("actual", whole), ("special_actual", fen(p["special_actual"]))):
        lines = fen(ds.lines[column])
        given = ~np.isnan(lines)
        summed = np.bincount(codes, np.where(given, lines, 0.0), minlength=size)[: len(p)]
        n = np.bincount(codes, given, minlength=size)[: len(p)]
        difference, within, ok = compare(declared, summed, n)
        off = (n > 0) & ~np.isnan(declared) & ~ok
        found.append(
            _hits(
                p,
                off,
                "projects.csv × budget_lines.csv",
                column=column,
                value=summed / FEN_PER_WAN,
                expected=declared / FEN_PER_WAN,
                difference=difference / FEN_PER_WAN,
                tolerance=within / FEN_PER_WAN,
                figure_zh="实际支出" if column == "actual" else "专项经费实际支出",
                figure_en="spending" if column == "actual" else "special-fund spending",
            )
        )
    return pd.concat(found, ignore_index=True)


def _leverage_below_minimum(ds: Dataset) -> pd.DataFrame:
    p = ds.projects
    required = ds.programs.drop_duplicates(["program", "year"])
    if required["min_leverage"].isna().all():
        return _hits(p, [], "projects.csv × programs.csv")
    # One lookup per program and year (a few dozen), spread to their projects by number.
    group, first = Facts.of(ds).program_years
    minimums = dict(
        zip(zip(required["program"], required["year"], strict=True), required["min_leverage"],
            strict=True)
    )  # fmt: skip
    keys = zip(p["program"].iloc[first], p["year"].iloc[first], strict=True)
    minimum = np.array([minimums.get(key, np.nan) for key in keys], dtype=np.float64)[group]
    special, raised = fen(p["special"]), fen(p["self_raised"])
    needed = np.rint(minimum * special)
    short = needed - raised > 0  # NaN (no minimum, no figure) is never short
    ratio = np.where(special > 0, raised / np.where(special > 0, special, 1), np.nan)
    return _hits(
        p, short, "projects.csv × programs.csv", column="self_raised", value=p["self_raised"],
        expected=needed / FEN_PER_WAN, difference=(needed - raised) / FEN_PER_WAN,
        leverage_text=pd.array([leverage(v) for v in ratio], dtype="str"),
        minimum_text=pd.array([leverage(v) for v in minimum], dtype="str"),
    )  # fmt: skip


def _points(values) -> pd.arrays.StringArray:
    """Return points as a message shows them: 92.5, 90, 12.25."""
    return pd.array([format(round(float(v), 2), "g") for v in values], dtype="str")


def _weights_off(ds: Dataset) -> pd.DataFrame:
    ind = ds.indicators
    if ind.empty:
        return _hits(ind, [], "indicators.csv")
    summed = ind.groupby("project_id", sort=False)["weight"].sum()
    first = ~ind["project_id"].duplicated().to_numpy()
    total = ind["project_id"].map(summed).to_numpy(dtype=np.float64)
    off = first & (np.abs(total - scoring.INDICATOR_POINTS) > 0.005)
    return _hits(ind, off, "indicators.csv", column="weight", points=_points(total))


def _unknown_terms(ds: Dataset) -> pd.DataFrame:
    ind = ds.indicators
    if ind.empty:
        return _hits(ind, [], "indicators.csv")
    level1, level2 = ind["level1"].fillna(""), ind["level2"].fillna("")
    known1 = level1.isin([level.code for level in scoring.INDICATOR_LEVELS]).to_numpy()
    known2 = level2.isin([level.code for level in scoring.LEVEL2]).to_numpy()
    parent = level2.map(scoring.LEVEL2_PARENT)
    astray = known1 & known2 & (parent != level1).to_numpy()
    direction = ind["direction"].fillna("")
    known_direction = direction.isin(scoring.DIRECTION_CODES).to_numpy()
    sign, stated = ind["target_sign"].fillna(""), ind["direction_given"].notna()
    crossed = (
        known_direction & stated.to_numpy() & sign.ne("").to_numpy()
        & sign.ne(direction).to_numpy()
    )  # fmt: skip
    names1 = "、".join(level.zh for level in scoring.INDICATOR_LEVELS)
    names1_en = ", ".join(level.en for level in scoring.INDICATOR_LEVELS)
    directions = ", ".join(scoring.DIRECTION_CODES)
    problems = [
        (~known1, "level1", lambda r: (f"一级指标“{r.level1_given or ''}”不是{names1}之一",
                                        f"level 1 '{r.level1_given or ''}' is not one of "
                                        f"{names1_en}")),
        (~known2, "level2", lambda r: (f"二级指标“{r.level2_given or ''}”不在指标体系中",
                                        f"level 2 '{r.level2_given or ''}' is not a level-2 "
                                        "indicator of the scoring table")),
        (astray, "level2", lambda r: (f"二级指标“{r.level2_given}”不属于一级指标“{r.level1_given}”",
                                       f"level 2 '{r.level2_given}' does not belong to level 1 "
                                       f"'{r.level1_given}'")),
        (~known_direction, "direction", lambda r: (
            f"指标方向“{r.direction or ''}”无法识别"
            f"（应为 {directions}，或在年度指标值前写 ≥、≤、=）",
            f"direction '{r.direction or ''}' is unknown (one of {directions}, or a sign such as "
            "≥ before the target)")),
        (crossed, "direction", lambda r: (
            f"年度指标值“{r.target_text}”与指标方向“{r.direction}”不一致",
            f"the target '{r.target_text}' contradicts the direction '{r.direction}'")),
    ]  # fmt: skip
    found = []
    for mask, column, words in problems:
        if not mask.any():
            continue
        texts = [words(row) for row in ind[mask].itertuples(index=False)]
        found.append(
            _hits(
                ind,
                mask,
                "indicators.csv",
                column=column,
                indicator=ind["name"],
                problem_zh=pd.array([t[0] for t in texts], dtype="str"),
                problem_en=pd.array([t[1] for t in texts], dtype="str"),
            )
        )
    return pd.concat(found, ignore_index=True) if found else _hits(ind, [], "indicators.csv")


def _given_score_above_weight(ds: Dataset) -> pd.DataFrame:
    ind = ds.indicators
    above = ind["direction"].eq("qualitative").to_numpy() & (
        ind["score"].to_numpy(dtype=np.float64) > ind["weight"].to_numpy(dtype=np.float64)
    )
    return _hits(
        ind, above, "indicators.csv", column="score", indicator=ind["name"],
        points=_points(ind["score"].fillna(0)), weight_points=_points(ind["weight"].fillna(0)),
    )  # fmt: skip


_FIGURES = {"target": ("年度指标值", "target"), "actual": ("实际完成值", "actual"),
            "score": ("评价人给出的得分", "the evaluator's score")}  # fmt: skip


def _indicators_not_scored(ds: Dataset) -> pd.DataFrame:
    ind = ds.indicators
    missing = {
        "target": ind["target"].isna().to_numpy(),
        "actual": ind["actual"].isna().to_numpy(),
        "score": ind["score"].isna().to_numpy(),
    }
    lacking_zh = np.full(len(ind), "", dtype=object)
    lacking_en = np.full(len(ind), "", dtype=object)
    for d in scoring.DIRECTIONS:
        rows = ind["direction"].eq(d.code).to_numpy()
        for figure in d.needs:
            gap = rows & missing[figure]
            zh, en = _FIGURES[figure]
            lacking_zh[gap] = lacking_zh[gap] + np.where(lacking_zh[gap] == "", "", "、") + zh
            lacking_en[gap] = lacking_en[gap] + np.where(lacking_en[gap] == "", "", " and ") + en
    lacking = lacking_zh != ""
    return _hits(
        ind, lacking, "indicators.csv", column="actual", indicator=ind["name"],
        lacking_zh=pd.array(lacking_zh, dtype="str"), lacking_en=pd.array(lacking_en, dtype="str"),
    )  # fmt: skip


def _given_scores_disagree(ds: Dataset) -> pd.DataFrame:
    ind = ds.indicators
    computed = scoring.indicator_scores(
        ind["direction"].to_numpy(dtype=object), ind["target"], ind["actual"], ind["weight"],
        ind["score"], ind["tolerance"],
    )  # fmt: skip
    given = ind["score"].to_numpy(dtype=np.float64)
    # A printed score is as exact as its last digit: 13.3 stands for 13.25 to 13.35.
    printed = np.array([parse_value(t)[3] for t in ind["score_text"]], dtype=np.float64)
    within = np.fmax(np.nan_to_num(printed, nan=0.005), 0.005)
    quantitative = ind["direction"].isin([">=", "<=", "="]).to_numpy()
    off = quantitative & (np.abs(given - computed) > within + 1e-9)
    return _hits(
        ind, off, "indicators.csv", column="score", indicator=ind["name"],
        points=_points(np.nan_to_num(given)), computed=_points(np.nan_to_num(computed)),
    )  # fmt: skip


def _indicators_of_unknown_projects(ds: Dataset) -> pd.DataFrame:
    ind = ds.indicators
    if ind.empty:
        return _hits(ind, [], "indicators.csv")
    # Integer codes, as for budget lines: an id no project has gets a code past theirs.
    known, theirs = id_codes(ds.projects["project_id"], ind["project_id"])
    unknown = theirs > known.max(initial=-1)
    return _hits(ind, unknown, "indicators.csv", column="project_id", indicator=ind["name"])


# --- the table -----------------------------------------------------------------------

_WHO_ZH = "{project_id}（{organization}）"
_WHO_EN = "{project_id} ({organization})"
_OFF_ZH = "，相差 {difference}，超出容差 {tolerance}"
_OFF_EN = ": off by {difference}, beyond the {tolerance} tolerance"

RULES: tuple[Rule, ...] = (
    Rule("R01", "negative_amount", ERROR, ("projects.csv", "budget_lines.csv", "programs.csv"),
         _WHO_ZH + "：{column} 为负数 {value}，金额不能为负",
         _WHO_EN + ": {column} is negative ({value}); money cannot be negative",
         _negative_amounts),
    Rule("R02", "duplicate_project_id", ERROR, ("projects.csv",),
         _WHO_ZH + "：项目编号重复出现，请合并或改正编号",
         _WHO_EN + ": the project id appears more than once; merge the rows or fix the id",
         _duplicate_projects),
    Rule("R03", "line_of_unknown_project", ERROR, ("budget_lines.csv", "projects.csv"),
         "预算明细所属项目 {project_id} 不在项目表中",
         "budget line for project {project_id}, which is not in the projects table",
         _orphan_lines),
    Rule("R04", "unknown_category", ERROR, ("budget_lines.csv", "categories.csv"),
         _WHO_ZH + "：预算科目“{value}”不在科目表中（可在 categories.csv 中增加）",
         _WHO_EN + ": budget category '{value}' is unknown (add it to categories.csv)",
         _unknown_categories),
    Rule("R05", "line_special_above_total", ERROR, ("budget_lines.csv",),
         _WHO_ZH + "：{category}的专项经费 {value} 超过该科目预算 {expected}",
         _WHO_EN + ": the special part of {category} ({value}) exceeds its total ({expected})",
         _line_special_over_total),
    Rule("R06", "project_special_above_total", ERROR, ("projects.csv",),
         _WHO_ZH + "：专项资金 {value} 超过项目总预算 {expected}",
         _WHO_EN + ": special fund {value} exceeds the project total {expected}",
         _project_special_over_total),
    Rule("R07", "project_figures_disagree", ERROR, ("projects.csv",),
         _WHO_ZH + "：专项资金与自筹资金之和 {value} 不等于项目总预算 {expected}",
         _WHO_EN + ": special plus self-raised ({value}) does not equal the total ({expected})",
         _project_figures_disagree),
    Rule("R08", "project_total_unknown", ERROR, ("projects.csv", "budget_lines.csv"),
         _WHO_ZH + "：总预算与自筹资金均未填写，也没有预算明细可供推算",
         _WHO_EN + ": neither total nor self-raised is given, and no budget lines determine them",
         _total_unknown),
    Rule("R09", "lines_total_mismatch", ERROR, ("projects.csv", "budget_lines.csv"),
         _WHO_ZH + "：各科目预算合计 {value}，与项目总预算 {expected} 不符" + _OFF_ZH,
         _WHO_EN + ": the budget lines add up to {value} but the project total is {expected}"
         + _OFF_EN,
         lambda ds: _lines_disagree(ds, "total")),
    Rule("R10", "lines_special_mismatch", ERROR, ("projects.csv", "budget_lines.csv"),
         _WHO_ZH + "：各科目专项经费合计 {value}，与项目专项资金 {expected} 不符" + _OFF_ZH,
         _WHO_EN + ": the lines' special parts add up to {value} but the project's special fund"
         " is {expected}" + _OFF_EN,
         lambda ds: _lines_disagree(ds, "special")),
    Rule("R11", "program_special_mismatch", ERROR, ("programs.csv", "projects.csv"),
         "{program}（{year} 年）：各项目专项资金合计 {value}，与计划专项资金总额 {expected} 不符"
         + _OFF_ZH,
         "{program} ({year}): the projects' special funds add up to {value} but the program"
         " declares {expected}" + _OFF_EN,
         _program_special_disagrees),
    Rule("R12", "duplicate_program", ERROR, ("programs.csv",),
         "{program}（{year} 年）在计划表中出现多次",
         "{program} ({year}) is declared more than once",
         _duplicate_programs),
    Rule("R13", "program_not_declared", WARNING, ("projects.csv", "programs.csv"),
         "{program}（{year} 年）没有申报的专项资金总额，无法核对",
         "{program} ({year}) has no declared special-fund total to reconcile against",
         _undeclared_programs),
    Rule("R14", "program_without_projects", WARNING, ("programs.csv", "projects.csv"),
         "{program}（{year} 年）已申报总额，但项目表中没有该计划的项目",
         "{program} ({year}) is declared but has no projects",
         _programs_without_projects),
    Rule("R15", "execution_above_100", WARNING, ("projects.csv",),
         _WHO_ZH + "：自筹资金实际使用 {value}，为预算 {expected} 的 {rate}，超过 100%",
         _WHO_EN + ": self-raised spending {value} is {rate} of the {expected} budget, above 100%",
         _execution_over_budget),
    Rule("R16", "no_breakdown", WARNING, ("projects.csv", "budget_lines.csv"),
         _WHO_ZH + "：没有分科目预算明细，总预算 {value} 在科目图表中列为“未分项”",
         _WHO_EN + ": no budget breakdown; its {value} total shows as 'unallocated' by category",
         _no_breakdown),
    Rule("R17", "corrected_figure", WARNING, ("budget_lines.csv",),
         _WHO_ZH + "：{category} {value} 为更正后的数字。{note_zh}",
         _WHO_EN + ": {category} {value} is a corrected figure. {note_en}",
         _corrected_figures),
    Rule("R18", "repeated_category", WARNING, ("budget_lines.csv",),
         _WHO_ZH + "：科目“{category}”出现多行，合计时会相加",
         _WHO_EN + ": category '{category}' appears on several lines; they are added together",
         _repeated_categories),
    # performance self-evaluation (绩效自评)
    Rule("R19", "received_above_budget", WARNING, ("projects.csv",),
         _WHO_ZH + "：{figure_zh}到位 {value}，超过预算 {expected}（{rate}）",
         _WHO_EN + ": {figure_en} received {value} is above its {expected} budget ({rate})",
         _received_over_budget),
    Rule("R20", "actual_above_budget", WARNING, ("projects.csv", "budget_lines.csv"),
         _WHO_ZH + "：{figure_zh}实际支出 {value}，超过预算 {expected}（{rate}）",
         _WHO_EN + ": {figure_en} spent {value} is above its {expected} budget ({rate})",
         _actual_over_budget),
    Rule("R21", "actual_without_budget", WARNING, ("projects.csv", "budget_lines.csv"),
         _WHO_ZH + "：{figure_zh}没有预算，却报告{done_zh} {value}，无法计算到位率或执行率",
         _WHO_EN + ": {figure_en} has no budget but {done_en} {value}; it has no rate",
         _actual_without_budget),
    Rule("R22", "line_actuals_mismatch", ERROR, ("projects.csv", "budget_lines.csv"),
         _WHO_ZH + "：各科目{figure_zh}合计 {value}，与项目{figure_zh} {expected} 不符" + _OFF_ZH,
         _WHO_EN + ": the lines' {figure_en} adds up to {value} but the project reports "
         "{expected}" + _OFF_EN,
         _line_actuals_disagree),
    Rule("R23", "leverage_below_minimum", WARNING, ("projects.csv", "programs.csv"),
         _WHO_ZH + "：撬动比 {leverage_text} 低于计划要求的 {minimum_text}：自筹资金 {value}，"
         "按要求应不少于 {expected}，差 {difference}",
         _WHO_EN + ": leverage {leverage_text} is below the program's minimum {minimum_text}: "
         "self-raised {value} where at least {expected} is required, {difference} short",
         _leverage_below_minimum),
    Rule("R24", "indicator_weights_off", ERROR, ("indicators.csv",),
         _WHO_ZH + f"：绩效指标分值合计 {{points}}，应为 {scoring.INDICATOR_POINTS:g}"
         f"（另有预算执行率 {scoring.EXECUTION.points:g} 分，共 {scoring.TOTAL_POINTS:g} 分）",
         _WHO_EN + f": the indicators' weights add up to {{points}}, not "
         f"{scoring.INDICATOR_POINTS:g} (with the {scoring.EXECUTION.points:g} points of budget "
         f"execution, {scoring.TOTAL_POINTS:g})",
         _weights_off),
    Rule("R25", "unknown_indicator_term", ERROR, ("indicators.csv",),
         _WHO_ZH + "：绩效指标“{indicator}”的{problem_zh}",
         _WHO_EN + ": indicator '{indicator}': {problem_en}",
         _unknown_terms),
    Rule("R26", "qualitative_score_above_weight", ERROR, ("indicators.csv",),
         _WHO_ZH + "：定性指标“{indicator}”的得分 {points} 超过其分值 {weight_points}，按分值计",
         _WHO_EN + ": qualitative indicator '{indicator}' scores {points}, above its weight "
         "{weight_points}; it counts as the weight",
         _given_score_above_weight),
    Rule("R27", "indicator_not_scored", WARNING, ("indicators.csv",),
         _WHO_ZH + "：绩效指标“{indicator}”缺少{lacking_zh}，无法评分，项目总分暂缺",
         _WHO_EN + ": indicator '{indicator}' has no {lacking_en}, so it cannot be scored and the "
         "project has no total score",
         _indicators_not_scored),
    Rule("R28", "indicator_score_disagrees", WARNING, ("indicators.csv",),
         _WHO_ZH + "：绩效指标“{indicator}”给出的得分 {points}，与按评分规则计算的 {computed} 不符",
         _WHO_EN + ": indicator '{indicator}' is given {points} points, but its scoring rule "
         "gives {computed}",
         _given_scores_disagree),
    Rule("R29", "indicator_of_unknown_project", ERROR, ("indicators.csv", "projects.csv"),
         "绩效指标“{indicator}”所属项目 {project_id} 不在项目表中",
         "indicator '{indicator}' belongs to project {project_id}, which is not in the projects"
         " table",
         _indicators_of_unknown_projects),
)  # fmt: skip


def rules_table(lang: str = "zh") -> pd.DataFrame:
    """Return the rules as a table: id, code name, title (the name people read, in lang),
    severity, files, and each message with its fields named in words ("{project_id}" as
    〈项目编号〉), in both languages; template_zh/en keep the fields for programs."""
    return pd.DataFrame(
        {
            "rule": [r.id for r in RULES],
            "name": [r.name for r in RULES],
            "title": [label(r.name, lang) for r in RULES],
            "severity": [r.severity for r in RULES],
            "files": [", ".join(r.files) for r in RULES],
            "message_zh": [readable(r.message_zh, "zh") for r in RULES],
            "message_en": [readable(r.message_en, "en") for r in RULES],
            "template_zh": [r.message_zh for r in RULES],
            "template_en": [r.message_en for r in RULES],
        }
    )


_FIELD = re.compile(r"\{(\w+)(?:[:!][^}]*)?\}")
_MARKS = {"zh": ("〈", "〉"), "en": ("<", ">")}


def readable(template: str, lang: str) -> str:
    """Return a message template as people read it: each field named in words, in marks
    ("{project_id}（{organization}）" as "〈项目编号〉（〈承担单位〉）")."""
    opening, closing = _MARKS[lang]

    def word(match: re.Match) -> str:
        name = match.group(1)
        key = f"field_{name}" if has_label(f"field_{name}") else name
        return f"{opening}{label(key, lang)}{closing}" if has_label(key) else match.group(0)

    return _FIELD.sub(word, template)


def check(ds: Dataset) -> pd.DataFrame:
    """Return every finding of every rule, errors first, as a table (FINDING_COLUMNS)."""
    ds = Facts.of(ds)
    ds.work_out()
    # The rules themselves, one after another: they are many small pandas steps that hold
    # the GIL, and two threads taking it in turns were slower than one.
    found = [hits for hits in (_findings(rule, ds) for rule in RULES) if not hits.empty]
    if not found:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in FINDING_COLUMNS})
    findings = pd.concat(found, ignore_index=True)
    for column in FINDING_COLUMNS:
        if column not in findings:
            findings[column] = pd.NA
    order = findings["severity"].map({ERROR: 0, WARNING: 1})
    findings = findings.assign(_order=order).sort_values(
        ["_order", "rule", "source_row"], kind="stable"
    )
    return findings[FINDING_COLUMNS].reset_index(drop=True)


def _findings(rule: Rule, ds: Facts) -> pd.DataFrame:
    """Return one rule's findings with who they concern and their messages."""
    hits = rule.find(ds)
    if hits.empty:
        return hits
    hits = hits.assign(
        rule=rule.id, name=rule.name, severity=rule.severity, file=_sources(hits["file"], ds)
    )
    if "organization" not in hits:
        hits["organization"] = hits["project_id"].map(ds.organizations).fillna("")
    hits["message_zh"] = _messages(hits, rule.message_zh)
    hits["message_en"] = _messages(hits, rule.message_en)
    return hits


def _sources(files: pd.Series, ds: Dataset) -> pd.Series:
    """Return the files a finding names as the data came from them.

    The rules say which tables they cross by their CSV names (projects.csv × budget_lines.csv);
    a workbook's findings name its sheets instead ("book.xlsx [sheet projects]"), and a
    folder's its files as they are spelled there.
    """

    def named(crossed: str) -> str:
        parts = []
        for part in crossed.split(" × "):
            where = ds.files.get(part.removesuffix(".csv"))
            parts.append(part if where is None else Path(where).name)
        books = {p.partition(" [sheet ")[0] for p in parts if " [sheet " in p}
        if len(books) == 1 and all(" [sheet " in p for p in parts):
            sheets = " × ".join(p.partition(" [sheet ")[2].rstrip("]") for p in parts)
            return f"{books.pop()} [sheet {sheets}]"
        return " × ".join(parts)

    spelled = {crossed: named(crossed) for crossed in files.unique()}
    return files.map(spelled)


def _messages(hits: pd.DataFrame, template: str) -> np.ndarray:
    """Return the template filled in for each finding, amounts in 万元 as people read them."""
    # Column by column rather than row by row: thousands of findings (a province's
    # projects without lines, say) are then a few joins of text arrays, and each field
    # formats each distinct value once.
    message = np.full(len(hits), "", dtype=object)
    for literal, key, _, _ in string.Formatter().parse(template):
        message = message + literal
        if key is not None:
            message = message + _shown_column(hits, key)
    return message


def _shown_column(hits: pd.DataFrame, key: str) -> np.ndarray | str:
    """Return one field of every finding as its message shows it."""
    if key not in hits:
        return ""
    column = hits[key]
    if isinstance(column.dtype, pd.StringDtype):  # text shows as itself
        return column.fillna("—").to_numpy(dtype=object)
    if column.dtype.kind in "iu" and kind(key) not in ("amount", "tolerance") and key != "rate":
        return column.astype(str).to_numpy(dtype=object)
    if column.dtype.kind == "f":
        # Told apart by their bits, so that -0.0 still shows as -0.00 as it would alone.
        bits, codes = np.unique(column.to_numpy().view(np.int64), return_inverse=True)
        values = bits.view(np.float64)
    else:
        codes, values = pd.factorize(column, use_na_sentinel=False)
    shown = np.array([_shown(key, value) for value in values], dtype=object)
    return shown[codes]


def _shown(key: str, value: object) -> str:
    """Return a field value as a message shows it: 万元 amounts, percentages, plain text."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    if key == "rate":
        return f"{value:.0%}"
    if kind(key) == "tolerance":  # n × 0.005: three decimals, or 0.035 would show as 0.04
        return f"{tolerance(value)} 万元"
    if kind(key) == "amount" and isinstance(value, int | float | np.number):
        return f"{wan(value)} 万元"
    return str(value)


def summary(findings: pd.DataFrame) -> dict[str, int]:
    """Return how many errors and warnings the findings hold."""
    counts = findings["severity"].value_counts()
    return {"errors": int(counts.get(ERROR, 0)), "warnings": int(counts.get(WARNING, 0))}
