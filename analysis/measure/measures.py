"""The measures: who paid for each project, how its budget splits, what each special yuan drew in.

All tables are plain, tidy DataFrames with amounts in 万元. Sums are taken in whole 分,
so a table loaded in 元 and the same table in 万元 give identical figures, and every
ratio above project level is a ratio of sums, never a mean of ratios.

Ratio columns (at every level):
    special_share = special / total; self_raised_share = self_raised / total;
    leverage (撬动比, 1 : x) = self_raised / special; multiplier (放大倍数) = total / special;
    execution_rate (预算执行率) = self_raised_actual / self_raised budget, over the projects
    that report an actual figure (an alias of self_raised_execution_rate, kept for one
    release).
These are accounting ratios: they do not show that the subsidy caused the company spending.

The performance self-evaluation's measures (arrival and execution per source, budget against
actual per category, the 自评 score) are worked out by analysis.measure.evaluation and
added here: its columns follow the ones above in each table.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis._parallel import together
from analysis.check._facts import Facts
from analysis.measure import evaluation
from analysis.measure.sums import _fen_sums, exact_sum, ratio
from analysis.read.keys import numbered, one_piece, spread
from analysis.read.load import Dataset
from analysis.words.formats import years_text
from analysis.words.registry import FUNDING
from analysis.words.vocabulary import FEN_PER_WAN, GROUPS, UNALLOCATED, UNKNOWN_GROUP, fen

PROJECT_KEYS = ["project_id", "organization", "program", "year"]


@dataclass(frozen=True)
class Measures:
    """The measures that belong together, one tidy table each.

    projects: one row per project (project_id, year, program, organization, region, title,
        special, self_raised, total, ratios, self_raised_actual, execution_rate, n_lines).
    categories: one row per project × category (category_share of the project total,
        special_coverage = category special / category total, special_split = category
        special / project special); a project without lines has one 'unallocated' row.
    groups: the same per project × 2021-reform group (equipment, business, labor).
    by_category, by_group: the same per program × year × category (or group).
    programs: one row per program × year, with declared_special where declared.
    years: one row per year over all programs.
    organizations, regions: one row per organization (or region, "" where not given),
        with the years and programs it appears in (worked out when first asked for).
    indicators: one row per performance indicator with its score (evaluation.INDICATOR_COLUMNS).
    variance: budget against actual per project × category, over the lines that report an
        actual (evaluation.variance); by_category_variance: the same per program × year ×
        category.

    projects also hold special_received, special_actual, self_raised_received, the four
    rates (evaluation.RATES) and the score (evaluation.SCORE_COLUMNS); programs and years
    each rate's sums over the projects that report it and their count (n_special_actual,
    …), n_scored, and (programs) special_initial and min_leverage as declared.
    """

    projects: pd.DataFrame
    categories: pd.DataFrame
    groups: pd.DataFrame
    by_category: pd.DataFrame
    by_group: pd.DataFrame
    programs: pd.DataFrame
    years: pd.DataFrame
    indicators: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=evaluation.INDICATOR_COLUMNS)
    )
    variance: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            columns=[*evaluation.PROJECT_CATEGORY_KEYS, *evaluation.variance_columns()]
        )
    )
    by_category_variance: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            columns=[*evaluation.PROGRAM_CATEGORY_KEYS, *evaluation.variance_columns()]
        )
    )

    @cached_property
    def organizations(self) -> pd.DataFrame:
        """One row per organization, the largest special fund first (see `rolled_up`)."""
        return rolled_up(self.projects, "organization")

    @cached_property
    def regions(self) -> pd.DataFrame:
        """One row per region, the largest special fund first, "" (not given) last."""
        return rolled_up(self.projects, "region")


def with_ratios(table: pd.DataFrame) -> pd.DataFrame:
    """Return the table with the funding ratios computed from its special/self_raised/total."""
    return table.assign(
        special_share=ratio(table["special"], table["total"]),
        self_raised_share=ratio(table["self_raised"], table["total"]),
        leverage=ratio(table["self_raised"], table["special"]),
        multiplier=ratio(table["total"], table["special"]),
    )


def measure(ds: Dataset) -> Measures:
    """Return every measure of the data set.

    Given a Facts (analysis.check._facts), what check() has worked out is not worked out again.
    """
    ds = Facts.of(ds)
    projects = _projects(ds)
    indicators = evaluation.indicator_scores(ds.indicators, projects)
    projects = evaluation.scored(projects, indicators)
    parts, totals, years = together(
        lambda: _categories(ds, projects),
        lambda: _programs(ds, projects),
        lambda: _years(projects),
        rows=len(ds.lines),
    )
    program = ["program", "year"]
    groups, by_category, by_group = together(
        lambda: _regroup(parts, "project", "group", [*PROJECT_KEYS, "group"], projects),
        lambda: _regroup(
            parts, "program_year", "category", [*program, "category", "group"], totals
        ),
        lambda: _regroup(parts, "program_year", "group", [*program, "group"], totals),
        rows=len(parts.table),
    )
    return Measures(
        projects=projects,
        categories=parts.table,
        groups=groups,
        by_category=by_category,
        by_group=by_group,
        programs=totals,
        years=years,
        indicators=indicators,
        **_variances(ds, projects),
    )


def _variances(ds: Facts, projects: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Return budget against actual per project × category and per program × category."""
    lines = evaluation.reported_lines(ds, projects)
    return {
        "variance": evaluation.variance(lines, evaluation.PROJECT_CATEGORY_KEYS, ds.categories),
        "by_category_variance": evaluation.variance(
            lines, evaluation.PROGRAM_CATEGORY_KEYS, ds.categories
        ),
    }


def _projects(ds: Facts) -> pd.DataFrame:
    p = ds.projects
    n_lines = ds.line_sums["n"][ds.project_codes]
    table = with_ratios(
        p[
            [
                "project_id",
                "year",
                "program",
                "organization",
                "region",
                "title",
                *FUNDING,
                "self_raised_actual",
            ]
        ]
    )
    rates = evaluation.project_rates(p)
    return table.assign(
        execution_rate=rates["self_raised_execution_rate"].to_numpy(),
        n_lines=n_lines.astype("int64"),
        special_received=p["special_received"],
        special_actual=p["special_actual"],
        self_raised_received=p["self_raised_received"],
        **{name: values.to_numpy() for name, values in rates.items()},
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
    amounts: per row, the total and special in 分.
    """

    table: pd.DataFrame
    codes: dict[str, np.ndarray]
    ranks: dict[str, np.ndarray]
    wholes: dict[str, np.ndarray]
    rows: dict[str, np.ndarray]
    amounts: dict[str, np.ndarray]


def _categories(ds: Facts, projects: pd.DataFrame) -> _Parts:
    lines = ds.lines
    project, line_project = ds.project_codes, ds.line_codes
    first_project = ds.first_rows
    category, names = ds.line_categories
    names = list(names)
    pair, first_line = ds.line_pairs
    summed = _fen_sums(ds.line_fen, pair, len(first_line))

    # A project without lines keeps its whole budget as one unallocated row.
    bare = np.flatnonzero(projects["n_lines"].to_numpy() == 0)
    if UNALLOCATED not in names:
        names.append(UNALLOCATED)
    part_project = np.r_[line_project[first_line], project[bare]]
    part_category = np.r_[category[first_line], np.full(len(bare), names.index(UNALLOCATED))]
    amounts = {
        column: np.r_[summed[column], fen(projects[column].to_numpy()[bare])]
        for column in ("total", "special")
    }

    # Per distinct category: its group, and both places in the vocabularies' order.
    group_of = dict(zip(ds.categories["code"], ds.categories["group"], strict=True))
    groups = [UNALLOCATED if c == UNALLOCATED else group_of.get(c, UNKNOWN_GROUP) for c in names]
    group_code = pd.factorize(pd.Series(groups, dtype=object))[0]
    category_rank, group_rank = _rank(names, ds.categories["code"]), _rank(groups, GROUPS["code"])

    whole = np.where(part_project < len(first_project), part_project, -1)
    order = _order(whole, category_rank[part_category])
    whole, part_project, part_category = whole[order], part_project[order], part_category[order]
    row = np.where(whole >= 0, first_project[whole], -1)
    part_line = np.r_[first_line, np.full(len(bare), -1)][order]

    rows = pd.RangeIndex(len(order))
    amounts = {column: values[order] for column, values in amounts.items()}
    # A project's id as its row gives it; a line without a project, as the line does.
    orphans = np.flatnonzero(row < 0)
    ids = pd.concat([projects["project_id"], lines["project_id"].iloc[part_line[orphans]]])
    id_rows = row.copy()
    id_rows[orphans] = len(projects) + np.arange(len(orphans))
    keys = {
        "project_id": lambda: _taken(ids, id_rows),
        "organization": lambda: _taken(projects["organization"], row),
        "program": lambda: _taken(projects["program"], row),
        "year": lambda: _taken(projects["year"], row),
        "category": lambda: spread(names, part_category, rows),
        "group": lambda: spread(groups, part_category, rows),
    }
    program_year = ds.program_years[0]
    program_year_row = np.where(row >= 0, program_year[np.maximum(row, 0)], -1)
    return _Parts(
        table=_shares(keys, amounts, projects, row),
        amounts=amounts,
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


def _taken(column: pd.Series | np.ndarray, rows: np.ndarray) -> pd.Series | np.ndarray:
    """Return column[rows] as a fresh column, NA where rows is -1 (as Series.map leaves it).

    Numbers come back as an array; where a row is missing, as floats with NaN.
    """
    missing = rows < 0
    if isinstance(column.dtype, pd.StringDtype):
        cells = pa.array(column, from_pandas=True)
        if missing.any():  # the missing rows take a null put after the column's last row
            cells = pa.concat_arrays([one_piece(cells), pa.nulls(1, cells.type)])
            rows = np.where(missing, len(column), rows)
        return pd.Series(pd.array(pc.take(cells, rows), dtype=column.dtype))
    values = np.asarray(column)
    if not missing.any():
        return values[rows]
    return np.r_[values.astype(np.float64), np.nan][np.where(missing, len(values), rows)]


def _shares(
    keys: dict[str, Callable[[], pd.Series | np.ndarray]],
    amounts: dict[str, np.ndarray],
    wholes: pd.DataFrame,
    rows: np.ndarray,
) -> pd.DataFrame:
    """Return the parts' keys and amounts, their share of the whole's total and special, and
    special coverage, as one table.

    keys: how to take each key column (taken side by side: a million text cells each);
    amounts: each part's total and special in 分; rows: the row of wholes each part
    belongs to (-1: none).
    """
    *taken, shares = together(
        *keys.values(), lambda: _share_columns(amounts, wholes, rows), rows=len(rows)
    )
    return pd.DataFrame(
        {**dict(zip(keys, taken, strict=True)), **shares},
        copy=False,  # fresh columns: consolidating them would copy each once more
    )


def _share_columns(amounts: dict[str, np.ndarray], wholes: pd.DataFrame, rows: np.ndarray) -> dict:
    total, special = amounts["total"], amounts["special"]
    whole_total, whole_special = (_taken(fen(wholes[c]), rows) for c in ("total", "special"))
    return {
        "total": total / FEN_PER_WAN,
        "special": special / FEN_PER_WAN,
        "self_raised": (total - special) / FEN_PER_WAN,
        "category_share": ratio(total, whole_total),
        "special_coverage": ratio(special, total),
        "special_split": ratio(special, whole_special),
    }


def _regroup(
    parts: _Parts, whole: str, detail: str, keys: list[str], wholes: pd.DataFrame
) -> pd.DataFrame:
    """Return the parts summed per whole and detail, ordered, with shares of the whole.

    The keys (text columns) are functions of the whole and the detail, so grouping by
    the two numbers groups exactly as grouping by the keys would.
    """
    group, first = numbered(parts.codes[whole], parts.codes[detail])
    sums = _fen_sums(parts.amounts, group, len(first))
    order = _order(parts.wholes[whole][first], parts.ranks[detail][first])
    taken = first[order]
    amounts = {column: values[order] for column, values in sums.items()}
    summed = {key: functools.partial(_taken, parts.table[key], taken) for key in keys}
    return _shares(summed, amounts, wholes, parts.rows[whole][taken])


def _programs(ds: Dataset, projects: pd.DataFrame) -> pd.DataFrame:
    keys = ["program", "year"]
    totals = _totals(projects, keys)
    declared = ds.programs.drop_duplicates(keys).set_index(keys)
    index = pd.MultiIndex.from_frame(totals[keys])
    # declared_special keeps its place after execution_rate; the evaluation's columns follow.
    totals.insert(
        totals.columns.get_loc("execution_rate") + 1,
        "declared_special",
        declared["special_total"].reindex(index).to_numpy(),
    )
    return totals.assign(
        special_initial=declared["special_initial"].reindex(index).to_numpy(),
        min_leverage=declared["min_leverage"].reindex(index).to_numpy(),
    )


def _years(projects: pd.DataFrame) -> pd.DataFrame:
    return _totals(projects, ["year"]).sort_values("year", kind="stable").reset_index(drop=True)


def _totals(projects: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Return per key: project count, summed amounts, ratios of sums, execution, and the
    evaluation's rates with how many projects report each (evaluation.rates)."""
    summed = exact_sum(projects[[*keys, *FUNDING]], keys, list(FUNDING))
    counts = (
        projects.groupby(keys, sort=False, dropna=False).size().rename("n_projects").reset_index()
    )
    summed = summed.merge(counts, on=keys, how="left")
    summed = with_ratios(summed)
    # Execution compares actual with budget only where a project reports both.
    rates = evaluation.rates(projects, keys)
    scored = evaluation.grade_counts(projects, keys)
    rates["n_scored"] = (
        scored.groupby(keys, sort=False, dropna=False)["n_projects"].sum().to_numpy()
    )
    summed = summed.merge(rates, on=keys, how="left")
    summed["execution_rate"] = summed["self_raised_execution_rate"]
    ratios = ["special_share", "self_raised_share", "leverage", "multiplier"]
    execution = ["self_raised_actual", "self_raised_budget_reported", "execution_rate"]
    added = [c for r in evaluation.RATES for c in (r.figure, r.budget_reported, r.count, r.name)]
    added = [c for c in added if c not in execution]
    return summed[[*keys, "n_projects", *FUNDING, *ratios, *execution, *added, "n_scored"]]


def rolled_up(projects: pd.DataFrame, key: str) -> pd.DataFrame:
    """Return one row per organization (or region, or any column of the projects): counts,
    the years it appears in, summed amounts, ratios of sums and execution.

    Columns: key, n_projects, (n_organizations for a key other than organization),
    n_programs, n_years, first_year, last_year, years_present ("2019–2021, 2023"), then
    the columns of the programs table. Rows run from the largest special fund down; the
    row of projects without a value ("") comes last.
    """
    totals = _totals(projects, [key])
    present = _presence(projects, key)
    table = totals.merge(present, on=key, how="left", sort=False)
    counts = ["n_projects", *(["n_organizations"] if key != "organization" else [])]
    years = ["n_programs", "n_years", "first_year", "last_year", "years_present"]
    rest = [c for c in totals.columns if c not in (key, "n_projects")]
    table = table[[key, *counts, *years, *rest]]
    blank = table[key].isna() | table[key].eq("")
    order = np.lexsort((-np.nan_to_num(fen(table["special"]), nan=-np.inf), blank.to_numpy()))
    return table.iloc[order].reset_index(drop=True)


def _presence(projects: pd.DataFrame, key: str) -> pd.DataFrame:
    """Return per value of key: distinct programs, organizations and years, and the years
    as text."""
    group, uniques = pd.factorize(projects[key], use_na_sentinel=False)
    n = len(uniques)

    def distinct(column: str) -> np.ndarray:
        codes = pd.factorize(projects[column], use_na_sentinel=False)[0]
        pairs = np.unique(group.astype(np.int64) * (codes.max(initial=0) + 1) + codes)
        return np.bincount(pairs // (codes.max(initial=0) + 1), minlength=n)

    year = projects["year"].to_numpy()
    first = np.full(n, np.iinfo(np.int64).max)
    last = np.full(n, np.iinfo(np.int64).min)
    np.minimum.at(first, group, year)
    np.maximum.at(last, group, year)
    table = pd.DataFrame(
        {
            key: uniques,
            "n_programs": distinct("program"),
            "n_organizations": distinct("organization"),
            "n_years": distinct("year"),
            "first_year": first,
            "last_year": last,
            "years_present": _years_present(group, year, n),
        }
    )
    return table.astype({key: projects[key].dtype})


def _years_present(group: np.ndarray, year: np.ndarray, n: int) -> np.ndarray:
    """Return per group its years as text, spelled once per distinct set of years."""
    distinct_years, place = np.unique(year, return_inverse=True)
    if len(distinct_years) <= 62:  # each set of years as the bits of one integer
        bits = np.zeros(n, dtype=np.int64)
        np.bitwise_or.at(bits, group, np.left_shift(np.int64(1), place.astype(np.int64)))
        sets, which = np.unique(bits, return_inverse=True)
        spelled = [
            years_text(distinct_years[[(int(s) >> i) & 1 == 1 for i in range(len(distinct_years))]])
            for s in sets
        ]
        return np.asarray(spelled, dtype=object)[which]
    per_group = pd.Series(year).groupby(group).unique()
    return per_group.map(years_text).reindex(range(n)).to_numpy(dtype=object)


def headline(projects: pd.DataFrame) -> dict[str, float]:
    """Return the figures a report leads with, over all the projects given (Measures.projects):
    n_projects, special, self_raised and total (万元, summed in 分), leverage (a ratio of the
    sums). No projects: zeros and a NaN leverage."""
    projects = projects.drop_duplicates("project_id")
    if projects.empty:
        zero = dict.fromkeys(FUNDING, 0.0)
        return {"n_projects": 0, **zero, "leverage": float("nan")}
    summed = exact_sum(projects[list(FUNDING)].assign(_all=0), ["_all"], list(FUNDING))
    row = with_ratios(summed).iloc[0]
    figures = {name: float(row[name]) for name in (*FUNDING, "leverage")}
    return {"n_projects": len(projects), **figures}
