"""The measures: who paid for each project, how its budget splits, what each special yuan drew in.

All tables are plain, tidy DataFrames with amounts in 万元. Sums are taken in whole 分,
so a table loaded in 元 and the same table in 万元 give identical figures, and every
ratio above project level is a ratio of sums, never a mean of ratios.

Ratio columns (at every level):
    special_share = special / total; self_raised_share = self_raised / total;
    leverage (撬动比, 1 : x) = self_raised / special; multiplier (放大倍数) = total / special;
    execution_rate (预算执行率) = self_raised_actual / self_raised budget, over the projects
    that report an actual figure.
These are accounting ratios: they do not show that the subsidy caused the company spending.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.load import Dataset
from analysis.rules import fen
from analysis.vocabulary import FEN_PER_WAN, GROUPS, UNALLOCATED, UNKNOWN_GROUP

AMOUNTS = ["special", "self_raised", "total"]
PROJECT_KEYS = ["project_id", "organization", "program", "year"]


@dataclass(frozen=True)
class Measures:
    """The measures that belong together, one tidy table each.

    projects: one row per project (project_id, year, program, organization, title,
        special, self_raised, total, ratios, self_raised_actual, execution_rate, n_lines).
    categories: one row per project × category (category_share of the project total,
        special_coverage = category special / category total, special_split = category
        special / project special); a project without lines has one 'unallocated' row.
    groups: the same per project × 2021-reform group (equipment, business, labor).
    by_category, by_group: the same per program × year × category (or group).
    programs: one row per program × year, with declared_special where declared.
    years: one row per year over all programs.
    """

    projects: pd.DataFrame
    categories: pd.DataFrame
    groups: pd.DataFrame
    by_category: pd.DataFrame
    by_group: pd.DataFrame
    programs: pd.DataFrame
    years: pd.DataFrame


def ratio(numerator: pd.Series | np.ndarray, denominator: pd.Series | np.ndarray) -> np.ndarray:
    """Return numerator / denominator, NaN where the denominator is zero or missing."""
    num = np.asarray(numerator, dtype=np.float64)
    den = np.asarray(denominator, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=(den != 0) & ~np.isnan(den))
    return out


def with_ratios(table: pd.DataFrame) -> pd.DataFrame:
    """Return the table with the funding ratios computed from its special/self_raised/total."""
    return table.assign(
        special_share=ratio(table["special"], table["total"]),
        self_raised_share=ratio(table["self_raised"], table["total"]),
        leverage=ratio(table["self_raised"], table["special"]),
        multiplier=ratio(table["total"], table["special"]),
    )


def exact_sum(table: pd.DataFrame, keys: list[str], columns: list[str]) -> pd.DataFrame:
    """Return the columns summed per key in whole 分, back in 万元 (NaN where all are missing)."""
    grouped = table[keys].copy()
    for column in columns:
        grouped[column] = fen(table[column])
    sums = grouped.groupby(keys, sort=False, dropna=False)[columns].sum(min_count=1)
    return (sums / FEN_PER_WAN).reset_index()


def measure(ds: Dataset) -> Measures:
    """Return every measure of the data set."""
    projects = _projects(ds)
    categories = _categories(ds, projects)
    totals = _programs(ds, projects)
    program = ["program", "year"]
    codes, groups = ds.categories["code"], GROUPS["code"]
    return Measures(
        projects=projects,
        categories=categories,
        groups=_regroup(categories, [*PROJECT_KEYS, "group"], projects, ["project_id"], groups),
        by_category=_regroup(categories, [*program, "category", "group"], totals, program, codes),
        by_group=_regroup(categories, [*program, "group"], totals, program, groups),
        programs=totals,
        years=_years(projects),
    )


def _projects(ds: Dataset) -> pd.DataFrame:
    p = ds.projects
    n_lines = ds.lines.groupby("project_id", sort=False).size()
    table = with_ratios(
        p[
            [
                "project_id",
                "year",
                "program",
                "organization",
                "title",
                *AMOUNTS,
                "self_raised_actual",
            ]
        ]
    )
    return table.assign(
        execution_rate=ratio(p["self_raised_actual"], p["self_raised"]),
        n_lines=p["project_id"].map(n_lines).fillna(0).astype("int64").to_numpy(),
    )


def _categories(ds: Dataset, projects: pd.DataFrame) -> pd.DataFrame:
    groups = ds.categories.set_index("code")["group"]
    lines = ds.lines[["project_id", "category", "total", "special"]]
    summed = exact_sum(lines, ["project_id", "category"], ["total", "special"])
    # A project without lines keeps its whole budget as one unallocated row.
    bare = projects.loc[projects["n_lines"].eq(0), ["project_id", "total", "special"]]
    summed = pd.concat([summed, bare.assign(category=UNALLOCATED)], ignore_index=True)
    keys = projects.drop_duplicates("project_id").set_index("project_id")
    group = summed["category"].map(groups).fillna(UNKNOWN_GROUP)
    table = summed.assign(
        organization=summed["project_id"].map(keys["organization"]),
        program=summed["project_id"].map(keys["program"]),
        year=summed["project_id"].map(keys["year"]),
        group=group.mask(summed["category"].eq(UNALLOCATED), UNALLOCATED),
    )
    table = table[[*PROJECT_KEYS, "category", "group", "total", "special"]]
    table = _ordered(table, projects, ["project_id"], "category", ds.categories["code"])
    return _shares(table, projects, ["project_id"])


def _ordered(
    table: pd.DataFrame, wholes: pd.DataFrame, keys: list[str], detail: str, vocabulary: pd.Series
) -> pd.DataFrame:
    """Return the rows in the wholes' order, and within each whole in the vocabulary's order.

    Codes missing from the vocabulary come after it, 'unallocated' last of all.
    """
    position = wholes[keys].drop_duplicates().assign(_position=lambda t: np.arange(len(t)))
    where = table[keys].merge(position, on=keys, how="left")["_position"].to_numpy()
    known = pd.Series(np.arange(len(vocabulary)), index=vocabulary.to_numpy())
    rank = table[detail].map(known).fillna(len(vocabulary)).to_numpy()
    rank = np.where(table[detail].eq(UNALLOCATED).to_numpy(), len(vocabulary) + 1, rank)
    return table.iloc[np.lexsort((rank, where))].reset_index(drop=True)


def _shares(parts: pd.DataFrame, wholes: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Return parts with their share of the whole's total and special, and special coverage."""
    whole = wholes.drop_duplicates(keys).set_index(keys)[["total", "special"]]
    index = pd.MultiIndex.from_frame(parts[keys]) if len(keys) > 1 else parts[keys[0]]
    whole_total = whole["total"].reindex(index).to_numpy()
    whole_special = whole["special"].reindex(index).to_numpy()
    self_raised = (fen(parts["total"]) - fen(parts["special"])) / FEN_PER_WAN
    return parts.assign(
        self_raised=self_raised,
        category_share=ratio(fen(parts["total"]), fen(whole_total)),
        special_coverage=ratio(fen(parts["special"]), fen(parts["total"])),
        special_split=ratio(fen(parts["special"]), fen(whole_special)),
    ).reset_index(drop=True)


def _regroup(
    parts: pd.DataFrame,
    keys: list[str],
    wholes: pd.DataFrame,
    whole_keys: list[str],
    vocabulary: pd.Series,
) -> pd.DataFrame:
    """Return parts summed per key, ordered, with shares of the whole each sum belongs to."""
    detail = "category" if "category" in keys else "group"
    summed = _ordered(
        exact_sum(parts, keys, ["total", "special"]), wholes, whole_keys, detail, vocabulary
    )
    return _shares(summed, wholes, whole_keys)


def _programs(ds: Dataset, projects: pd.DataFrame) -> pd.DataFrame:
    keys = ["program", "year"]
    totals = _totals(projects, keys)
    declared = ds.programs.drop_duplicates(keys).set_index(keys)["special_total"]
    index = pd.MultiIndex.from_frame(totals[keys])
    return totals.assign(declared_special=declared.reindex(index).to_numpy())


def _years(projects: pd.DataFrame) -> pd.DataFrame:
    return _totals(projects, ["year"]).sort_values("year", kind="stable").reset_index(drop=True)


def _totals(projects: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Return per key: project count, summed amounts, ratios of sums and execution."""
    reported = projects["self_raised_actual"].notna()
    table = projects[keys].assign(
        special=projects["special"],
        self_raised=projects["self_raised"],
        total=projects["total"],
        self_raised_actual=projects["self_raised_actual"],
        # Execution compares actual with budget only where an actual figure exists.
        self_raised_budget_reported=projects["self_raised"].where(reported),
    )
    summed = exact_sum(table, keys, [*AMOUNTS, "self_raised_actual", "self_raised_budget_reported"])
    counts = (
        projects.groupby(keys, sort=False, dropna=False).size().rename("n_projects").reset_index()
    )
    summed = summed.merge(counts, on=keys, how="left")
    summed = with_ratios(summed)
    summed["execution_rate"] = ratio(
        fen(summed["self_raised_actual"]), fen(summed["self_raised_budget_reported"])
    )
    ratios = ["special_share", "self_raised_share", "leverage", "multiplier"]
    execution = ["self_raised_actual", "self_raised_budget_reported", "execution_rate"]
    return summed[[*keys, "n_projects", *AMOUNTS, *ratios, *execution]]
