"""Read the budget tables from a folder of CSV files or an .xlsx workbook.

Everything that makes a table unusable (a missing file or column, text in a number,
an unknown unit, an unreadable encoding) stops here with an InputError naming the file,
row and column. Everything readable but wrong (sums that do not reconcile, negative
money, unknown categories) is left for the rules module to report.

Amounts come out in 万元 as floats that are exactly whole 分 (0.01 元): each figure is
parsed, scaled by its row's unit to an integer count of 分 and only then divided, so a
table in 元 and the same table in 万元 load to identical numbers.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis._parallel import each, together
from analysis.config import bundled_data_dir
from analysis.errors import InputError
from analysis.read.bounds import os_error
from analysis.read.columns import SPECS, checked_columns
from analysis.read.csvfile import read_csv_text, read_typed
from analysis.read.evaluation import empty_indicators, indicators_table, min_leverage_column
from analysis.read.keys import first_rows, id_codes, spread
from analysis.read.values import (
    category_codes,
    check_sums,
    fen_column,
    require,
    unit_column,
    year_column,
)
from analysis.read.workbook import read_workbook
from analysis.words.vocabulary import (
    CATEGORIES,
    FEN_PER_WAN,
    to_wan,
)

DATA_EXPECTED = "a data folder or an .xlsx workbook"


@dataclass(frozen=True)
class Dataset:
    """The loaded tables, amounts in 万元, categories as codes.

    projects: one row per project: project_id, year, program, organization, region
        ("" where not given), title,
        special, self_raised, total, self_raised_actual, unit (as given), derived (which
        figures were computed from the others), source_row; then special_received,
        special_actual, self_raised_received (NaN where not reported), goal and
        goal_result (年度总体目标: 预期目标 and 实际完成情况, text; NA where not given).
    lines: one row per budget line: project_id, category (code, or the text as given
        when unknown), category_given, total, special, unit, note, source_row; then
        actual, special_actual (决算, NaN where not reported).
    programs: declared totals: program, year, special_total (全年预算数), unit,
        source_row; then special_initial (年初预算数) and min_leverage (the required
        自筹 : 专项, 1.5 for 1 : 1.5), NaN where not declared.
    categories: the category vocabulary in force: code, name_zh, name_en, group, aliases.
    source: the folder or workbook read; files: table name -> the file it came from.
    indicators: the performance indicators (绩效指标), one row each, with levels and
        directions as codes and targets read as numbers (analysis.read.evaluation);
        empty where the data has no indicators table.
    """

    projects: pd.DataFrame
    lines: pd.DataFrame
    programs: pd.DataFrame
    categories: pd.DataFrame
    source: str
    files: dict[str, str] = field(default_factory=dict)
    indicators: pd.DataFrame = field(default_factory=empty_indicators)


def load(path: str | Path | None = None) -> Dataset:
    """Return the Dataset read from a folder or .xlsx workbook (default: the bundled data)."""
    source = Path(path) if path is not None else bundled_data_dir()
    try:
        try:
            return _load(source, typed=True)
        except InputError:
            # The typed reading stops at a fault without quoting the cell as the file holds
            # it; the careful reading finds the same fault and names it exactly.
            return _load(source, typed=False)
    except OSError as exc:  # whatever the system refuses is unusable input, said in one line
        raise os_error(exc, source, DATA_EXPECTED) from None
    except MemoryError:
        raise InputError(
            "too_large", source, expected="tables that fit in this machine's memory"
        ) from None


def _load(source: Path, typed: bool) -> Dataset:
    raw, files = _read_tables(source, typed)
    categories = _categories(raw.get("categories"), files.get("categories"))
    lines = _lines(raw["budget_lines"], files["budget_lines"], categories)
    projects = _projects(raw["projects"], files["projects"], lines)
    programs = _programs(raw.get("programs"), files.get("programs"))
    indicators = indicators_table(raw.get("indicators"), files.get("indicators"))
    return Dataset(projects, lines, programs, categories, str(source), files, indicators)


# --- reading files -------------------------------------------------------------------


def _read_tables(source: Path, typed: bool) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Return the raw tables found at source, keyed by table name.

    Cells are stripped text, empty ones NA; where typed, a clean CSV file's amounts are
    already numbers and its categories and units categorical (see read_typed).
    """
    try:
        is_folder = stat.S_ISDIR(source.stat().st_mode)
    except OSError as exc:  # missing, under a file, a name too long for the system
        raise os_error(exc, source, DATA_EXPECTED) from None
    if is_folder:
        return _read_folder(source, typed)
    if source.suffix.lower() in (".xlsx", ".xlsm"):
        return read_workbook(source)
    raise InputError("bad_value", source, expected=DATA_EXPECTED, found=source.name)


def _read_folder(folder: Path, typed: bool) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    try:
        entries = list(folder.iterdir())
    except OSError as exc:
        raise os_error(exc, folder, DATA_EXPECTED) from None
    # Windows and macOS do not tell Projects.csv from projects.csv: neither is picked.
    names: dict[str, list[Path]] = {}
    for path in entries:
        names.setdefault(path.name.casefold(), []).append(path)
    found: dict[str, Path] = {}
    for spec in SPECS.values():
        paths = names.get(f"{spec.name}.csv", [])
        if len(paths) > 1:
            raise InputError(
                "repeated",
                folder / f"{spec.name}.csv",
                expected="one file of that name (names that differ only in case are one)",
                found=", ".join(sorted(path.name for path in paths)),
            )
        if not paths:
            if spec.needed:
                raise InputError("missing_file", folder / f"{spec.name}.csv")
            continue
        found[spec.name] = paths[0]

    def read(name: str) -> pd.DataFrame:
        path, spec = found[name], SPECS[name]
        table = read_typed(path, spec) if typed else None
        return checked_columns(read_csv_text(path), spec, str(path)) if table is None else table

    # A CSV row is some 50 bytes: the largest file says how many rows the reading goes through.
    tables = each(read, found, rows=max(map(_size, found.values())) // 50)
    return dict(zip(found, tables, strict=True)), {name: str(path) for name, path in found.items()}


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # the reading says what is wrong with it
        return 0


# --- the four tables -----------------------------------------------------------------


def _categories(raw: pd.DataFrame | None, where: str | None) -> pd.DataFrame:
    """Return the built-in categories, extended or overridden by a categories table."""
    if raw is None:
        return CATEGORIES.copy()
    for column in ("code", "name_zh", "group"):
        require(raw, column, where)
    given = raw.assign(
        name_en=raw["name_en"].fillna(raw["code"]), aliases=raw["aliases"].fillna("")
    )[list(CATEGORIES.columns)]
    # Given rows replace built-in ones in place; new codes follow in the order given.
    given = given.drop_duplicates("code", keep="last")
    replaced = CATEGORIES[["code"]].merge(given, on="code", how="left")
    builtin = replaced.where(replaced.notna(), CATEGORIES)
    added = given[~given["code"].isin(CATEGORIES["code"])]
    merged = pd.concat([builtin, added], ignore_index=True)
    return merged.astype({c: "str" for c in merged.columns})


def _lines(raw: pd.DataFrame, where: str, categories: pd.DataFrame) -> pd.DataFrame:
    for column in ("project_id", "category", "total"):
        require(raw, column, where)
    unit, factors = unit_column(raw, where)
    given, total, special, codes, unit, actual, special_actual = together(
        lambda: _text(raw["category"]),
        lambda: fen_column(raw, "total", factors, where),
        lambda: np.nan_to_num(fen_column(raw, "special", factors, where), nan=0.0),
        lambda: category_codes(raw["category"], categories),
        unit,
        lambda: _optional_fen(raw, "actual", factors, where),
        lambda: _optional_fen(raw, "special_actual", factors, where),
        rows=len(raw),
    )
    check_sums(raw, {"total": total, "special": special}, where)
    return pd.DataFrame(
        {
            "project_id": raw["project_id"],
            "category": codes,
            "category_given": given,
            "total": to_wan(total),
            "special": to_wan(special),
            "unit": unit,
            "note": raw["note"],
            "source_row": raw["source_row"].to_numpy(),
            "actual": to_wan(actual),
            "special_actual": to_wan(special_actual),
        },
        copy=False,  # fresh columns: consolidating them would copy each once more
    )


def _optional_fen(raw: pd.DataFrame, column: str, factors: np.ndarray, where: str) -> np.ndarray:
    """Return an optional amount column in 分, all NaN (and no parsing) where it is empty."""
    if raw[column].isna().all():
        return np.full(len(raw), np.nan)
    return fen_column(raw, column, factors, where)


def _text(values: pd.Series) -> pd.Series:
    """Return the column as text, a categorical one (see read_typed) spelled out."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return values
    codes = values.cat.codes.to_numpy()
    spellings = list(values.cat.categories)
    return spread([*spellings, None], np.where(codes < 0, len(spellings), codes), values.index)


def _projects(raw: pd.DataFrame, where: str, lines: pd.DataFrame) -> pd.DataFrame:
    if raw.empty:
        raise InputError("empty_file", where, expected="at least one project")
    for column in ("project_id", "special"):
        require(raw, column, where)
    years = year_column(raw, where)
    unit, factors = unit_column(raw, where)
    unit = unit()
    special = fen_column(raw, "special", factors, where)
    self_raised = fen_column(raw, "self_raised", factors, where)
    total = fen_column(raw, "total", factors, where)
    actual = fen_column(raw, "self_raised_actual", factors, where)
    received = {
        column: _optional_fen(raw, column, factors, where)
        for column in ("special_received", "special_actual", "self_raised_received")
    }
    amounts = {"special": special, "self_raised": self_raised, "total": total}
    check_sums(raw, {**amounts, "self_raised_actual": actual, **received}, where)

    # Where neither total nor self-raised is given, the lines' sum is the total.
    from_lines = np.isnan(total) & np.isnan(self_raised)
    if from_lines.any():
        total[from_lines] = _line_sums(raw["project_id"][from_lines], lines)
    derive_total = np.isnan(total) & ~np.isnan(self_raised)
    derive_self = np.isnan(self_raised) & ~np.isnan(total)
    total = np.where(derive_total, special + self_raised, total)
    self_raised = np.where(derive_self, total - special, self_raised)
    derived = np.select(
        [from_lines & ~np.isnan(total), derive_total, derive_self],
        ["total+self_raised", "total", "self_raised"],
        default="",
    )
    return pd.DataFrame(
        {
            "project_id": raw["project_id"],
            "year": years,
            "program": raw["program"].fillna(""),
            "organization": raw["organization"].fillna(""),
            "region": raw["region"].fillna(""),
            "title": raw["title"].fillna(""),
            "special": to_wan(special),
            "self_raised": to_wan(self_raised),
            "total": to_wan(total),
            "self_raised_actual": to_wan(actual),
            "unit": unit,
            "derived": derived,
            "source_row": raw["source_row"].to_numpy(),
            **{column: to_wan(fen) for column, fen in received.items()},
            "goal": raw["goal"],
            "goal_result": raw["goal_result"],
        },
        copy=False,  # fresh columns: consolidating them would copy each once more
    )


def _line_sums(ids: pd.Series, lines: pd.DataFrame) -> np.ndarray:
    """Return the sum in 分 of the lines of each project id (NaN where it has none)."""
    # pyarrow matches a million line ids against a few thousand wanted ones in one pass.
    wanted = pa.array(ids, from_pandas=True, type=pa.large_string())
    given = pa.array(lines["project_id"], from_pandas=True, type=pa.large_string())
    line = pc.fill_null(pc.index_in(given, value_set=wanted), -1).to_numpy()
    found = line >= 0
    fen = np.rint(lines["total"].to_numpy()[found] * FEN_PER_WAN)
    sums = np.bincount(line[found], fen, minlength=len(wanted))
    counts = np.bincount(line[found], minlength=len(wanted))
    first = pc.index_in(wanted, value_set=wanted).to_numpy()  # a repeated id's first place
    return np.where(counts[first] > 0, sums[first], np.nan)


def _programs(raw: pd.DataFrame | None, where: str | None) -> pd.DataFrame:
    columns = ["program", "year", "special_total", "unit", "source_row", "special_initial",
               "min_leverage"]  # fmt: skip
    if raw is None:
        return pd.DataFrame(
            {
                "program": pd.Series(dtype="str"),
                "year": pd.Series(dtype="int64"),
                "special_total": pd.Series(dtype="float64"),
                "unit": pd.Series(dtype="str"),
                "source_row": pd.Series(dtype="int64"),
                "special_initial": pd.Series(dtype="float64"),
                "min_leverage": pd.Series(dtype="float64"),
            }
        )
    require(raw, "program", where)
    require(raw, "special_total", where)
    unit, factors = unit_column(raw, where)
    unit = unit()
    special_total = fen_column(raw, "special_total", factors, where)
    check_sums(raw, {"special_total": special_total}, where)
    table = pd.DataFrame(
        {
            "program": raw["program"],
            "year": year_column(raw, where),
            "special_total": to_wan(special_total),
            "unit": unit,
            "source_row": raw["source_row"].to_numpy(),
            "special_initial": to_wan(_optional_fen(raw, "special_initial", factors, where)),
            "min_leverage": min_leverage_column(raw, where),
        }
    )
    return table[columns]


def select(
    ds: Dataset, program: str | None = None, year: int | None = None, region: str | None = None
) -> Dataset:
    """Return the part of the data set for one program, year and/or region (None keeps all)."""
    if program is None and year is None and region is None:
        return ds
    keep = pd.Series(True, index=ds.projects.index)
    declared = pd.Series(True, index=ds.programs.index)
    if program is not None:
        keep &= ds.projects["program"].eq(program)
        declared &= ds.programs["program"].eq(program)
    if year is not None:
        keep &= ds.projects["year"].eq(year)
        declared &= ds.programs["year"].eq(year)
    if region is not None:
        # A program's declared total covers all its regions: a region's part is not declared.
        keep &= ds.projects["region"].eq(region)
        declared &= False
    if not keep.any():
        raise _nothing_matches(ds, program, year, region)
    projects = ds.projects[keep].reset_index(drop=True)
    own, theirs = id_codes(projects["project_id"], ds.lines["project_id"])
    lines = ds.lines[theirs < len(first_rows(own))].reset_index(drop=True)  # isin, faster
    programs = ds.programs[declared].reset_index(drop=True)
    indicators = ds.indicators[ds.indicators["project_id"].isin(projects["project_id"])]
    return Dataset(
        projects, lines, programs, ds.categories, ds.source, ds.files,
        indicators.reset_index(drop=True),
    )  # fmt: skip


def _nothing_matches(
    ds: Dataset, program: str | None, year: int | None, region: str | None = None
) -> InputError:
    """Return the error for a filter no project matches, naming the programs and years the
    data holds (the years of the program asked for, where it is there), or its regions."""
    projects = ds.projects
    of_program = projects if program is None else projects[projects["program"].eq(program)]
    of_year = of_program if year is None else of_program[of_program["year"].eq(year)]
    if of_program.empty:
        column, found, years = "program", program, projects["year"]
    elif of_year.empty:
        column, found, years = "year", year, of_program["year"]
    else:
        regions = projects["region"][projects["region"].ne("")]
        held = f"regions: {listed(regions)}" if len(regions) else "no region column"
        return InputError(
            "no_match",
            ds.files.get("projects", ds.source),
            column="region",
            expected=f"a region in the data ({held})",
            found=region,
        )
    within = f" of {program}" if program is not None and column == "year" else ""
    return InputError(
        "no_match",
        ds.files.get("projects", ds.source),
        column=column,
        expected=f"a {column} in the data (programs: {listed(projects['program'])}; "
        f"years{within}: {listed(years)})",
        found=found,
    )


def listed(values: pd.Series, most: int = 10) -> str:
    """Return the distinct values as a short list for a message (sorted, at most `most`)."""
    distinct_values = sorted(set(values.dropna().astype(str)))
    shown = ", ".join(distinct_values[:most])
    return shown + (f" … ({len(distinct_values)} in all)" if len(distinct_values) > most else "")
