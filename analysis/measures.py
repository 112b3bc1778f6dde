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
import pyarrow as pa
import pyarrow.compute as pc

from analysis.facts import fen
from analysis.load import Dataset, first_rows, id_codes, spread
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
    """Return the columns summed per key in whole 分, back in 万元 (NaN where all are missing).

    Keys come in order of first appearance, a missing key counting as a value, as
    groupby(sort=False, dropna=False) gives them.
    """
    codes = [pd.factorize(table[key], use_na_sentinel=False)[0] for key in keys]
    group, first = _numbered(*codes)
    sums = table[keys].iloc[first].reset_index(drop=True)
    return sums.assign(**_summed(table, group, len(first), columns))


def _numbered(*codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return each row's group, numbered in order of first appearance, and each group's first row.

    A group is a distinct combination of the integer codes given per row.
    """
    group = codes[0]
    for code in codes[1:]:
        width = code.max(initial=0) + 1
        if group.max(initial=0) >= np.iinfo(np.int64).max // width - width:
            group = pd.factorize(group)[0]  # renumbered densely, so that the product fits
        group = group * width + code
    group = pd.factorize(group)[0]
    return group, first_rows(group)


def _summed(table: pd.DataFrame, group: np.ndarray, n: int, columns: list[str]) -> dict:
    """Return each column summed per group in whole 分, in 万元 (NaN where all are missing)."""
    sums = {}
    for column in columns:
        values = fen(table[column])
        present = ~np.isnan(values)
        # Whole 分 in float64 add up exactly (below 2**53 分) in any order.
        if present.all():  # every group has a row, so every sum has a figure
            sums[column] = np.bincount(group, values, minlength=n) / FEN_PER_WAN
            continue
        summed = np.bincount(group, np.where(present, values, 0.0), minlength=n)
        counted = np.bincount(group, present, minlength=n)
        sums[column] = np.where(counted > 0, summed, np.nan) / FEN_PER_WAN
    return sums


def measure(ds: Dataset) -> Measures:
    """Return every measure of the data set."""
    ids = id_codes(ds.projects["project_id"], ds.lines["project_id"])
    projects = _projects(ds, ids)
    parts = _categories(ds, projects, ids)
    totals = _programs(ds, projects)
    program = ["program", "year"]
    return Measures(
        projects=projects,
        categories=parts.table,
        groups=_regroup(parts, "project", "group", [*PROJECT_KEYS, "group"], projects),
        by_category=_regroup(
            parts, "program_year", "category", [*program, "category", "group"], totals
        ),
        by_group=_regroup(parts, "program_year", "group", [*program, "group"], totals),
        programs=totals,
        years=_years(projects),
    )


def _projects(ds: Dataset, ids: tuple[np.ndarray, np.ndarray]) -> pd.DataFrame:
    p = ds.projects
    project, line = ids
    n_lines = np.bincount(line, minlength=len(p) + len(line))[project]
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
        n_lines=n_lines.astype("int64"),
    )


# A province has over a million project × category rows. Their text keys (project id,
# category, group, program and year) are numbered once, and the sums, orderings and
# regroupings below work on those numbers; text is taken into the tables at the end.


@dataclass(frozen=True)
class _Parts:
    """The project × category table, with its keys also held as integers.

    codes: per row, equal numbers for equal values of "project" (the project id),
        "program_year", "category" and "group"; a missing value counts as a value.
    ranks: per row, the place of its "category" (or "group") in the vocabulary's order.
    wholes: per row, the number of the project (or program-year) it belongs to among the
        projects' distinct ids (or the programs table's rows), in their order; -1: none.
    rows: per row, the row of projects (or of the programs table) that is its whole; -1.
    """

    table: pd.DataFrame
    codes: dict[str, np.ndarray]
    ranks: dict[str, np.ndarray]
    wholes: dict[str, np.ndarray]
    rows: dict[str, np.ndarray]


def _categories(ds: Dataset, projects: pd.DataFrame, ids: tuple[np.ndarray, np.ndarray]) -> _Parts:
    lines = ds.lines
    project, line_project = ids
    first_project = first_rows(project)
    category, names = pd.factorize(lines["category"], use_na_sentinel=False)
    names = list(names)
    pair, first_line = _numbered(line_project, category)
    summed = _summed(lines, pair, len(first_line), ["total", "special"])

    # A project without lines keeps its whole budget as one unallocated row.
    bare = np.flatnonzero(projects["n_lines"].to_numpy() == 0)
    if UNALLOCATED not in names:
        names.append(UNALLOCATED)
    part_project = np.r_[line_project[first_line], project[bare]]
    part_category = np.r_[category[first_line], np.full(len(bare), names.index(UNALLOCATED))]
    total = np.r_[summed["total"], projects["total"].to_numpy()[bare]]
    special = np.r_[summed["special"], projects["special"].to_numpy()[bare]]

    # Per distinct category: its group, and both places in the vocabularies' order.
    group_of = dict(zip(ds.categories["code"], ds.categories["group"], strict=True))
    groups = [UNALLOCATED if c == UNALLOCATED else group_of.get(c, UNKNOWN_GROUP) for c in names]
    group_code = pd.factorize(pd.Series(groups, dtype=object))[0]
    category_rank, group_rank = _rank(names, ds.categories["code"]), _rank(groups, GROUPS["code"])

    whole = np.where(part_project < len(first_project), part_project, -1)
    order = _order(whole, category_rank[part_category])
    whole, part_project, part_category = whole[order], part_project[order], part_category[order]
    row = np.where(whole >= 0, first_project[whole], -1)

    # Each id's text, from the row where its number first occurs (project or line).
    id_text = pd.concat([projects["project_id"], lines["project_id"]], ignore_index=True)
    id_text = id_text.iloc[first_rows(np.r_[project, line_project])]
    rows = pd.RangeIndex(len(order))
    table = pd.DataFrame(
        {
            "project_id": id_text.iloc[part_project].reset_index(drop=True),
            "organization": _taken(projects["organization"], row),
            "program": _taken(projects["program"], row),
            "year": _taken(projects["year"], row),
            "category": spread(names, part_category, rows),
            "group": spread(groups, part_category, rows),
            "total": total[order],
            "special": special[order],
        }
    )
    program_year = _program_years(projects)
    program_year_row = np.where(row >= 0, program_year[np.maximum(row, 0)], -1)
    return _Parts(
        table=_shares(table, projects, row),
        codes={
            "project": part_project,
            "category": part_category,
            "group": group_code[part_category],
            # The parts of no project share one (missing) program and year.
            "program_year": np.where(row >= 0, program_year_row, program_year.max(initial=-1) + 1),
        },
        ranks={"category": category_rank[part_category], "group": group_rank[part_category]},
        wholes={"project": whole, "program_year": program_year_row},
        rows={"project": row, "program_year": program_year_row},
    )


def _program_years(projects: pd.DataFrame) -> np.ndarray:
    """Return each project's program-year, numbered as the programs table (_totals) lists them."""
    program = pd.factorize(projects["program"], use_na_sentinel=False)[0]
    year = pd.factorize(projects["year"], use_na_sentinel=False)[0]
    return _numbered(program, year)[0]


def _rank(details: list, vocabulary: pd.Series) -> np.ndarray:
    """Return each detail's place in the vocabulary: unknown ones after it, 'unallocated' last."""
    known = {code: i for i, code in enumerate(vocabulary)}
    ranks = [len(known) + 1 if d == UNALLOCATED else known.get(d, len(known)) for d in details]
    return np.array(ranks, dtype=np.int64)


def _order(whole: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Return the rows' order: by whole (parts of no whole, -1, last), then rank, then as given."""
    whole = np.where(whole >= 0, whole, whole.max(initial=-1) + 1)
    # One integer key and a stable sort: several times faster than np.lexsort on two keys,
    # and rows that arrive nearly in order (as budget lines do) cost little more than a pass.
    return np.argsort(whole * (rank.max(initial=0) + 1) + rank, kind="stable")


def _taken(column: pd.Series, rows: np.ndarray) -> pd.Series:
    """Return column[rows] as a fresh column, NA where rows is -1 (as Series.map leaves it)."""
    missing = rows < 0
    if not missing.any():
        return column.iloc[rows].reset_index(drop=True)
    if isinstance(column.dtype, pd.StringDtype):
        # pyarrow takes a null for each masked row in one pass; Series.where copies twice.
        taken = pc.take(pa.array(column), pa.array(rows, mask=missing))
        return pd.Series(pd.array(taken, dtype=column.dtype))
    return column.iloc[np.maximum(rows, 0)].reset_index(drop=True).where(~missing)


def _shares(parts: pd.DataFrame, wholes: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """Return parts with their share of the whole's total and special, and special coverage.

    rows: for each part, the row of wholes it belongs to (-1: none).
    """
    whole_total = _taken(wholes["total"], rows).to_numpy(dtype=np.float64, na_value=np.nan)
    whole_special = _taken(wholes["special"], rows).to_numpy(dtype=np.float64, na_value=np.nan)
    total, special = fen(parts["total"]), fen(parts["special"])
    return parts.assign(
        self_raised=(total - special) / FEN_PER_WAN,
        category_share=ratio(total, fen(whole_total)),
        special_coverage=ratio(special, total),
        special_split=ratio(special, fen(whole_special)),
    ).reset_index(drop=True)


def _regroup(
    parts: _Parts, whole: str, detail: str, keys: list[str], wholes: pd.DataFrame
) -> pd.DataFrame:
    """Return the parts summed per whole and detail, ordered, with shares of the whole.

    The keys (text columns) are functions of the whole and the detail, so grouping by
    the two numbers groups exactly as grouping by the keys would.
    """
    group, first = _numbered(parts.codes[whole], parts.codes[detail])
    sums = _summed(parts.table, group, len(first), ["total", "special"])
    order = _order(parts.wholes[whole][first], parts.ranks[detail][first])
    summed = parts.table[keys].iloc[first[order]].reset_index(drop=True)
    summed = summed.assign(**{column: values[order] for column, values in sums.items()})
    return _shares(summed, wholes, parts.rows[whole][first[order]])


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
