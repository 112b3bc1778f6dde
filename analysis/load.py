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

import codecs
import csv
import functools
import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from analysis.config import bundled_data_dir
from analysis.errors import InputError
from analysis.parallel import each, together
from analysis.vocabulary import CATEGORIES, DEFAULT_UNIT, FEN_PER_WAN, UNIT_ALIASES, UNIT_FACTORS


@dataclass(frozen=True)
class TableSpec:
    """The columns one input table must and may have, and which of them hold money."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    amounts: tuple[str, ...] = ()
    needed: bool = True


SPECS: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "projects",
            required=("project_id", "year", "program", "organization", "special"),
            optional=("title", "self_raised", "total", "self_raised_actual", "unit"),
            amounts=("special", "self_raised", "total", "self_raised_actual"),
        ),
        TableSpec(
            "budget_lines",
            required=("project_id", "category", "total"),
            optional=("special", "unit", "note"),
            amounts=("total", "special"),
        ),
        TableSpec(
            "programs",
            required=("program", "year", "special_total"),
            optional=("unit",),
            amounts=("special_total",),
            needed=False,
        ),
        TableSpec(
            "categories",
            required=("code", "name_zh", "group"),
            optional=("name_en", "aliases"),
            needed=False,
        ),
    )
}

ENCODINGS_EXPECTED = "UTF-8, UTF-8 with BOM, GBK or GB18030"


@dataclass(frozen=True)
class Dataset:
    """The loaded tables, amounts in 万元, categories as codes.

    projects: one row per project: project_id, year, program, organization, title,
        special, self_raised, total, self_raised_actual, unit (as given), derived (which
        figures were computed from the others), source_row.
    lines: one row per budget line: project_id, category (code, or the text as given
        when unknown), category_given, total, special, unit, note, source_row.
    programs: declared totals: program, year, special_total, unit, source_row.
    categories: the category vocabulary in force: code, name_zh, name_en, group, aliases.
    source: the folder or workbook read; files: table name -> the file it came from.
    """

    projects: pd.DataFrame
    lines: pd.DataFrame
    programs: pd.DataFrame
    categories: pd.DataFrame
    source: str
    files: dict[str, str] = field(default_factory=dict)


def load(path: str | Path | None = None) -> Dataset:
    """Return the Dataset read from a folder or .xlsx workbook (default: the bundled data)."""
    source = Path(path) if path is not None else bundled_data_dir()
    try:
        return _load(source, typed=True)
    except InputError:
        # The typed reading stops at a fault without quoting the cell as the file holds it;
        # the careful reading finds the same fault and names it exactly.
        return _load(source, typed=False)


def _load(source: Path, typed: bool) -> Dataset:
    raw, files = _read_tables(source, typed)
    categories = _categories(raw.get("categories"), files.get("categories"))
    lines = _lines(raw["budget_lines"], files["budget_lines"], categories)
    projects = _projects(raw["projects"], files["projects"], lines)
    programs = _programs(raw.get("programs"), files.get("programs"))
    return Dataset(projects, lines, programs, categories, str(source), files)


# --- reading files -------------------------------------------------------------------


def _read_tables(source: Path, typed: bool) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Return the raw tables found at source, keyed by table name.

    Cells are stripped text, empty ones NA; where typed, a clean CSV file's amounts are
    already numbers and its categories and units categorical (see _read_typed).
    """
    if not source.exists():
        raise InputError("missing_file", source, expected="a data folder or an .xlsx workbook")
    if source.is_dir():
        return _read_folder(source, typed)
    if source.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_workbook(source)
    raise InputError(
        "bad_value",
        source,
        expected="a folder of CSV files or an .xlsx workbook",
        found=source.name,
    )


def _read_folder(folder: Path, typed: bool) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    names = {p.name.lower(): p for p in folder.iterdir() if p.is_file()}
    found: dict[str, Path] = {}
    for spec in SPECS.values():
        path = names.get(f"{spec.name}.csv")
        if path is None:
            if spec.needed:
                raise InputError("missing_file", folder / f"{spec.name}.csv")
            continue
        found[spec.name] = path

    def read(name: str) -> pd.DataFrame:
        path, spec = found[name], SPECS[name]
        table = _read_typed(path, spec) if typed else None
        return _checked_columns(read_csv_text(path), spec, str(path)) if table is None else table

    # A CSV row is some 50 bytes: the largest file says how many rows the reading goes through.
    tables = each(read, found, rows=max(path.stat().st_size for path in found.values()) // 50)
    return dict(zip(found, tables, strict=True)), {name: str(path) for name, path in found.items()}


def _read_workbook(book: Path) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    try:
        # calamine (Rust) reads a workbook some eight times faster than openpyxl, and gives
        # the same text for every cell (tests/test_load.py compares the two).
        sheets = pd.read_excel(book, sheet_name=None, dtype=str, engine="calamine")
    except Exception as exc:  # a damaged file raises many types
        raise InputError(
            "malformed", book, expected="an .xlsx workbook", found=type(exc).__name__
        ) from None
    by_name = {name.strip().lower().removesuffix(".csv"): name for name in sheets}
    raw: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    for spec in SPECS.values():
        sheet = by_name.get(spec.name)
        where = f"{book} [sheet {spec.name}]"
        if sheet is None:
            if spec.needed:
                raise InputError("missing_file", where, expected=f"a sheet named {spec.name}")
            continue
        table = sheets[sheet]
        if len(table.columns) == 0:
            raise InputError("empty_file", where, expected="a header row")
        # read_excel keeps blank rows, so Excel's row number is the position plus the header.
        table = table.assign(source_row=np.arange(len(table)) + 2)
        raw[spec.name] = _checked_columns(table, spec, where)
        files[spec.name] = where
    return raw, files


def read_csv_text(path: Path) -> pd.DataFrame:
    """Return a CSV file as a table of text (missing cells as NA), whatever its encoding."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError("missing_file", path, found=exc.strerror) from None
    utf8 = _without_bom(data, path)
    if not utf8 or utf8.isspace():  # isspace stops at the first letter; strip would copy
        raise InputError("empty_file", path, expected="a header row and data rows")
    try:
        # pyarrow checks that every cell is UTF-8 as it reads, faster than decoding first;
        # a GBK file (or any trouble) fails here and takes the careful path below.
        table = _read_text(utf8)
    except Exception:
        utf8 = as_utf8(data, path)
        try:
            table = _read_text(utf8)
        except Exception:  # pyarrow's parse errors carry no row number; find it ourselves
            raise _csv_structure_error(utf8, path) from None
    return table.assign(source_row=_line_numbers(utf8, len(table)))


def _read_text(utf8: bytes) -> pd.DataFrame:
    return pd.read_csv(
        io.BytesIO(utf8), dtype=str, engine="pyarrow", keep_default_na=False, na_values=[""]
    )


# Columns read as categories: a handful of distinct values in a million rows.
_CODED = ("category", "unit")


def _read_typed(path: Path, spec: TableSpec) -> pd.DataFrame | None:
    """Return a clean CSV file's table as _checked_columns would, read typed.

    pyarrow parses the amounts as it reads (and strips the spaces around them), and reads
    categories and units as categories, so that a million rows are neither stripped,
    cast nor hashed again. A GBK file is turned into UTF-8 first. Any file that is not
    plainly clean (a quoted header, a cell that is not a finite number, a category that
    is only spaces) gives None, and the careful reading takes it.
    """
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    if b"\x00" in data:
        return None
    read = _read_typed_csv(data, spec, str(path))
    if read is None:
        # pyarrow refuses bytes that are not UTF-8: a GBK file is read again as UTF-8 (a
        # damaged file raises here, and the careful reading raises the same).
        utf8 = as_utf8(data, path)
        if utf8 is data:  # UTF-8 already: something else is unusual
            return None
        data = utf8
        read = _read_typed_csv(data, spec, str(path))
        if read is None:
            return None
    read, keep, place = read

    def column(c: str) -> np.ndarray | pd.Series | None:
        cells = read.column(place[c])
        if c in spec.amounts:  # nan and inf parse, but are no amounts: the careful reading says so
            return cells.to_numpy() if pc.all(pc.is_finite(cells)).as_py() is not False else None
        if c in _CODED:
            return _categorical(cells)
        return _clean_text(pd.Series(pd.array(cells, dtype="str")))

    columns = each(column, keep, rows=read.num_rows)
    if any(values is None for values in columns):
        return None
    table = pd.DataFrame(dict(zip(keep, columns, strict=True)), copy=False)
    table["source_row"] = _line_numbers(data, len(table))
    return _finished(table, keep, spec)


def _read_typed_csv(
    data: bytes, spec: TableSpec, where: str
) -> tuple[pa.Table, list[str], dict[str, str]] | None:
    """Return UTF-8 CSV bytes read typed, the columns kept and the name pyarrow gave each.

    None where the header is quoted or not UTF-8, or pyarrow cannot read the rest.
    """
    end = data.find(b"\n")  # not partition(): that would copy the whole file once more
    header = data[:end]
    if end < 0 or b'"' in header:
        return None
    try:
        names = [_column_key(name) for name in header.decode("utf-8").rstrip("\r").split(",")]
    except UnicodeDecodeError:
        return None
    _checked_names(names, spec, where)
    keep = [c for c in (*spec.required, *spec.optional) if c in names]
    place = {name: f"c{i}" for i, name in reversed(list(enumerate(names)))}
    # Every column is read, not only those kept, so that pyarrow checks that all of the
    # file is UTF-8, as the careful reading does.
    types = {f"c{i}": pa.string() for i in range(len(names))}
    types.update({place[c]: pa.float64() for c in keep if c in spec.amounts})
    types.update({place[c]: pa.dictionary(pa.int32(), pa.string()) for c in keep if c in _CODED})
    try:
        read = pa_csv.read_csv(
            io.BytesIO(data),
            read_options=pa_csv.ReadOptions(
                column_names=[f"c{i}" for i in range(len(names))], skip_rows=1
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types=types, null_values=[""], strings_can_be_null=True
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return read, keep, place


def _categorical(cells: pa.ChunkedArray) -> pd.Series | None:
    """Return dictionary-encoded text as a categorical column (None unless each distinct
    value is a handful of characters without spaces around them)."""
    cells = pa.chunked_array(cells.chunks or [pa.array([], cells.type)]).unify_dictionaries()
    cells = one_piece(cells)
    spellings = cells.dictionary.to_pylist()
    if len(spellings) > 10_000 or any(s.strip() != s or not s for s in spellings):
        return None
    return pd.Series(cells.to_pandas())


def _line_numbers(utf8: bytes, n_rows: int) -> np.ndarray:
    """Return the line on which each data row starts (the header is line 1).

    pyarrow skips blank lines and lets a quoted cell run over several lines. Both are
    found from where the newlines and quotes stand, without going through the file row
    by row: a blank line at the end of a million rows must not cost seconds.
    """
    view = np.frombuffer(utf8, dtype=np.uint8)
    lines = sum(int(np.count_nonzero(chunk == ord("\n"))) for _, chunk in _chunks(view))
    if lines + (0 if utf8.endswith(b"\n") else 1) == n_rows + 1:
        return np.arange(n_rows) + 2  # one line per record: the usual file
    newlines, quotes = _positions(view, ord("\n")), _positions(view, ord('"'))
    # A newline ends a record unless it stands inside quotes: after an odd number of them.
    ends = newlines[np.searchsorted(quotes, newlines) % 2 == 0]
    starts, stops = np.r_[0, ends + 1], np.r_[ends, len(utf8)]
    cr = (stops > starts) & (view[np.maximum(stops - 1, 0)] == ord("\r"))
    filled = stops - starts - cr > 0
    lines = np.searchsorted(newlines, starts[filled]) + 1  # newlines before it, plus one
    if len(lines) == n_rows + 1:  # the header, then one per row
        return lines[1:]
    return _line_numbers_read(utf8, n_rows)  # a quote inside an unquoted cell, say


def _line_numbers_read(utf8: bytes, n_rows: int) -> np.ndarray:
    """Return the line on which each data row starts, reading the file row by row."""
    reader = csv.reader(io.StringIO(utf8.decode("utf-8"), newline=""))
    next(reader)
    starts, line = [], 1
    for record in reader:
        if record:  # pyarrow skips blank lines
            starts.append(line + 1)
        line = reader.line_num
    return np.asarray(starts[:n_rows], dtype=np.int64)


def _positions(view: np.ndarray, value: int) -> np.ndarray:
    """Return where the byte value stands in the bytes."""
    found = [np.flatnonzero(chunk == value) + start for start, chunk in _chunks(view)]
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


def _chunks(view: np.ndarray):
    """Yield the bytes a few megabytes at a time, each with where it starts.

    numpy compares a few megabytes at a time several times faster than bytes.count and
    bytes.find, and the small chunks spare it a comparison array as large as the file.
    """
    step = 1 << 22
    for start in range(0, len(view), step):
        yield start, view[start : start + step]


def as_utf8(data: bytes, path: Path) -> bytes:
    """Return the file's bytes as UTF-8, detecting UTF-8 (with or without BOM) or GB18030."""
    data = _without_bom(data, path)
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError as exc:
        if _reads_as_chinese(data[: exc.start]):
            # Chinese text decoded as UTF-8 before the bad byte: a damaged UTF-8 file, which
            # GB18030 would turn into plausible nonsense rather than refuse.
            row = data.count(b"\n", 0, exc.start) + 1
            found = data[exc.start : exc.start + 4]
            raise InputError("bad_encoding", path, row=row, expected="UTF-8", found=found) from None
    try:
        # GB18030 is a superset of GBK and GB2312: what Excel on a Chinese Windows writes.
        return data.decode("gb18030").encode("utf-8")
    except UnicodeDecodeError as exc:
        row = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            "bad_encoding",
            path,
            row=row,
            expected=ENCODINGS_EXPECTED,
            found=data[exc.start : exc.start + 4],
        ) from None


def _without_bom(data: bytes, path: Path) -> bytes:
    """Return the bytes without a UTF-8 byte-order mark, raising for UTF-16 or binary data."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError("bad_encoding", path, expected=ENCODINGS_EXPECTED, found="UTF-16")
    if b"\x00" in data:
        row = data.count(b"\n", 0, data.index(b"\x00")) + 1
        raise InputError("bad_encoding", path, row=row, expected=ENCODINGS_EXPECTED, found="binary")
    return data


def _reads_as_chinese(prefix: bytes) -> bool:
    """Return whether valid UTF-8 bytes hold Chinese characters (two or more)."""
    text = prefix.decode("utf-8", errors="ignore")
    return sum("\u4e00" <= ch <= "\u9fff" for ch in text) >= 2


def _csv_structure_error(utf8: bytes, path: Path) -> InputError:
    """Return an error naming the first row whose field count differs from the header's."""
    reader = csv.reader(io.StringIO(utf8.decode("utf-8"), newline=""))
    try:
        header = next(reader)
        for row in reader:
            if row and len(row) != len(header):
                return InputError(
                    "malformed",
                    path,
                    row=reader.line_num,
                    expected=f"{len(header)} fields as in the header",
                    found=f"{len(row)} fields",
                )
    except csv.Error as exc:
        return InputError("malformed", path, row=reader.line_num, found=str(exc))
    return InputError("malformed", path, expected="comma-separated values")


def _checked_columns(table: pd.DataFrame, spec: TableSpec, where: str) -> pd.DataFrame:
    """Return the table with normalised column names, or raise for a missing column."""
    names = [_column_key(c) for c in table.columns]
    _checked_names(names, spec, where)
    table = table.set_axis(names, axis=1)
    keep = [c for c in (*spec.required, *spec.optional) if c in table.columns]
    rows = table["source_row"].to_numpy()
    cleaned = each(lambda c: _clean_text(table[c]), keep, rows=len(table))
    table = pd.DataFrame(dict(zip(keep, cleaned, strict=True)))
    table["source_row"] = rows
    return _finished(table, keep, spec)


def _checked_names(names: list[str], spec: TableSpec, where: str) -> None:
    """Raise for a column given twice or a required column missing."""
    seen: set[str] = set()
    for name in names:
        if name in seen and name:
            raise InputError("malformed", where, row=1, column=name, expected="each column once")
        seen.add(name)
    for column in spec.required:
        if column not in names:
            raise InputError(
                "missing_column", where, row=1, column=column, expected=", ".join(spec.required)
            )
    if spec.name == "projects" and "total" not in names and "self_raised" not in names:
        raise InputError(
            "missing_column", where, row=1, column="total", expected="total or self_raised"
        )


def _finished(table: pd.DataFrame, keep: list[str], spec: TableSpec) -> pd.DataFrame:
    """Return the table without blank rows and with every optional column (NA if absent)."""
    filled = np.zeros(len(table), dtype=bool)
    for column in keep:  # a required column is usually filled throughout: then stop there
        filled |= table[column].notna().to_numpy()
        if filled.all():
            break
    else:  # blank rows: rare enough to copy the table for
        table = table[filled].reset_index(drop=True)
    for column in spec.optional:
        if column not in table.columns:
            table[column] = pd.Series(pd.NA, index=table.index, dtype="str")
    return table


def _column_key(name: object) -> str:
    if name == "source_row":
        return "source_row"
    return unicodedata.normalize("NFKC", str(name)).strip().lstrip("\ufeff").lower()


def _clean_text(values: pd.Series) -> pd.Series:
    """Return the column as stripped text with empty cells as NA, in one piece."""
    cells = pc.utf8_trim_whitespace(pa.array(values.astype("str"), from_pandas=True))
    empty = pc.equal(cells, "")
    if pc.any(empty).as_py():
        cells = pc.if_else(empty, None, cells)
    # The reader hands a column over in pieces, and every later take of a few rows from a
    # column in pieces first copies the whole column into one.
    return pd.Series(pd.array(one_piece(cells), dtype="str"), index=values.index)


def one_piece(cells: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Return a pyarrow column as one array (copied only if it is in several pieces)."""
    if not isinstance(cells, pa.ChunkedArray):
        return cells
    return cells.chunk(0) if cells.num_chunks == 1 else cells.combine_chunks()


# --- parsing values ------------------------------------------------------------------

_NUMBER_PATTERN = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"


def _reject(
    kind: str, table: pd.DataFrame, bad: np.ndarray, where: str, column: str, expected: str
) -> None:
    """Raise an InputError at the first row marked bad, quoting what the cell holds."""
    if not bad.any():
        return
    i = int(np.flatnonzero(bad)[0])
    found = table[column].iloc[i]
    raise InputError(
        kind,
        where,
        row=int(table["source_row"].iloc[i]),
        column=column,
        expected=expected,
        found=None if pd.isna(found) else found,
    )


def _units(table: pd.DataFrame, where: str) -> tuple[Callable[[], pd.Series], np.ndarray]:
    """Return how to spell each row's unit, and each row's factor to 分; raise for an
    unknown unit.

    The spelling is a million text cells, wanted only in the table at the end: it is
    returned to be worked out there, side by side with the amounts that need the factors.
    """
    spellings, which = distinct(table["unit"], missing=DEFAULT_UNIT)
    names = [UNIT_ALIASES.get(spelling.lower()) for spelling in spellings]
    unknown = np.array([name is None for name in names])
    _reject("unknown_unit", table, unknown[which], where, "unit", "元, 万元 or 亿元")
    factors = np.array([UNIT_FACTORS.get(name, 0) for name in names], dtype=np.int64)
    return functools.partial(spread, names, which, table.index), factors[which]


def _fen(table: pd.DataFrame, column: str, factors: np.ndarray, where: str) -> np.ndarray:
    """Return the column's amounts as whole 分 (float array, NaN where empty)."""
    text = table[column]
    if text.dtype.kind == "f":  # read as numbers already (see _read_typed)
        numbers = text.to_numpy(dtype=np.float64, copy=True)
    else:
        numbers = _parsed(table, column, where)
    scaled = numbers * factors
    fen = np.rint(scaled)
    # Float parsing is exact to far below one 分; anything finer was in the text.
    _reject("too_precise", table, np.abs(scaled - fen) > 0.01, where, column, "whole 分 (0.01 元)")
    return fen


def _parsed(table: pd.DataFrame, column: str, where: str) -> np.ndarray:
    """Return a text column's numbers (NaN where empty), raising at a cell that is none."""
    text = table[column]
    numbers = _plain_numbers(text)
    # What the fast parse left out (or read as nan or inf) takes the careful path.
    other = np.flatnonzero(np.isnan(numbers) & text.notna().to_numpy() | np.isinf(numbers))
    if len(other):
        numbers[other] = _numbers(text.iloc[other])
        bad = np.zeros(len(text), dtype=bool)
        bad[other] = ~np.isfinite(numbers[other])  # 1e400 reads as inf: no amount either
        _reject("not_a_number", table, bad, where, column, "a number")
    return numbers


def _plain_numbers(text: pd.Series) -> np.ndarray:
    """Return the column as floats where a cell is a plain number, NaN elsewhere.

    pyarrow's cast parses a million cells in milliseconds where pd.to_numeric takes most
    of a second; it refuses the whole column at the first cell it cannot read, and then
    only the cells that look like plain numbers are cast.
    """
    cells = pa.array(text, from_pandas=True, type=pa.large_string())
    try:
        numbers = pc.cast(cells, pa.float64())
    except pa.ArrowInvalid:
        plain = pc.match_substring_regex(cells, _NUMBER_PATTERN)
        numbers = pc.cast(pc.if_else(plain, cells, None), pa.float64())
    return numbers.to_numpy(zero_copy_only=False).astype(np.float64, copy=True)


def _numbers(text: pd.Series) -> np.ndarray:
    """Return the cells as floats the careful way, NaN where a cell is not a number."""
    numbers = pd.to_numeric(text, errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan, copy=True
    )
    bad = np.isnan(numbers) & text.notna().to_numpy() | np.isinf(numbers)
    if bad.any():
        # A second, forgiving pass for thousands separators and full-width digits.
        where_bad = np.flatnonzero(bad)
        loose = text.iloc[where_bad].map(_loose_number)
        matched = loose.str.fullmatch(_NUMBER_PATTERN).fillna(False).to_numpy(dtype=bool)
        numbers[where_bad[matched]] = loose[matched].astype(float).to_numpy()
        numbers[where_bad[~matched]] = np.nan
    return numbers


def _loose_number(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(",", "").replace(" ", "")


def _required(table: pd.DataFrame, column: str, where: str) -> None:
    _reject("missing_value", table, table[column].isna().to_numpy(), where, column, "a value")


def _years(table: pd.DataFrame, where: str) -> pd.Series:
    _required(table, "year", where)
    text = table["year"].str.removesuffix(".0")
    numbers = _plain_numbers(text)
    other = np.flatnonzero(np.isnan(numbers) | np.isinf(numbers))
    numbers[other] = pd.to_numeric(text.iloc[other], errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    years = pd.Series(numbers, index=table.index)
    bad = years.isna() | (years % 1 != 0) | (years < 1900) | (years > 2200)
    _reject("bad_value", table, bad.to_numpy(), where, "year", "a year such as 2021")
    return years.astype("int64")


def _wan(fen: np.ndarray) -> np.ndarray:
    return fen / FEN_PER_WAN


# --- the four tables -----------------------------------------------------------------


def _categories(raw: pd.DataFrame | None, where: str | None) -> pd.DataFrame:
    """Return the built-in categories, extended or overridden by a categories table."""
    if raw is None:
        return CATEGORIES.copy()
    for column in ("code", "name_zh", "group"):
        _required(raw, column, where)
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


def category_lookup(categories: pd.DataFrame) -> dict[str, str]:
    """Return a map from each accepted spelling of a category (code, names, aliases) to its code."""
    lookup: dict[str, str] = {}
    for row in categories.itertuples(index=False):
        spellings = [row.code, row.name_zh, row.name_en, *str(row.aliases).split("|")]
        for spelling in spellings:
            key = _category_key(spelling)
            if key:
                lookup.setdefault(key, row.code)
    return lookup


def _category_key(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip().lower().replace(" ", "")


def _lines(raw: pd.DataFrame, where: str, categories: pd.DataFrame) -> pd.DataFrame:
    for column in ("project_id", "category", "total"):
        _required(raw, column, where)
    unit, factors = _units(raw, where)
    given, total, special, codes, unit = together(
        lambda: _text(raw["category"]),
        lambda: _fen(raw, "total", factors, where),
        lambda: np.nan_to_num(_fen(raw, "special", factors, where), nan=0.0),
        lambda: _category_codes(raw["category"], categories),
        unit,
        rows=len(raw),
    )
    return pd.DataFrame(
        {
            "project_id": raw["project_id"],
            "category": codes,
            "category_given": given,
            "total": _wan(total),
            "special": _wan(special),
            "unit": unit,
            "note": raw["note"],
            "source_row": raw["source_row"].to_numpy(),
        },
        copy=False,  # fresh columns: consolidating them would copy each once more
    )


def _text(values: pd.Series) -> pd.Series:
    """Return the column as text, a categorical one (see _read_typed) spelled out."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return values
    codes = values.cat.codes.to_numpy()
    spellings = list(values.cat.categories)
    return spread([*spellings, None], np.where(codes < 0, len(spellings), codes), values.index)


def _category_codes(given: pd.Series, categories: pd.DataFrame) -> pd.Series:
    """Return the code of each given category spelling (the spelling as given where unknown)."""
    lookup = category_lookup(categories)
    spellings, which = distinct(given)
    codes = [None if s is None else lookup.get(_category_key(s), s) for s in spellings]
    return spread(codes, which, given.index)


def _projects(raw: pd.DataFrame, where: str, lines: pd.DataFrame) -> pd.DataFrame:
    if raw.empty:
        raise InputError("empty_file", where, expected="at least one project")
    for column in ("project_id", "special"):
        _required(raw, column, where)
    years = _years(raw, where)
    unit, factors = _units(raw, where)
    unit = unit()
    special = _fen(raw, "special", factors, where)
    self_raised = _fen(raw, "self_raised", factors, where)
    total = _fen(raw, "total", factors, where)
    actual = _fen(raw, "self_raised_actual", factors, where)

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
            "title": raw["title"].fillna(""),
            "special": _wan(special),
            "self_raised": _wan(self_raised),
            "total": _wan(total),
            "self_raised_actual": _wan(actual),
            "unit": unit,
            "derived": derived,
            "source_row": raw["source_row"].to_numpy(),
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
    columns = ["program", "year", "special_total", "unit", "source_row"]
    if raw is None:
        return pd.DataFrame(
            {
                "program": pd.Series(dtype="str"),
                "year": pd.Series(dtype="int64"),
                "special_total": pd.Series(dtype="float64"),
                "unit": pd.Series(dtype="str"),
                "source_row": pd.Series(dtype="int64"),
            }
        )
    _required(raw, "program", where)
    _required(raw, "special_total", where)
    unit, factors = _units(raw, where)
    unit = unit()
    special_total = _fen(raw, "special_total", factors, where)
    table = pd.DataFrame(
        {
            "program": raw["program"],
            "year": _years(raw, where),
            "special_total": _wan(special_total),
            "unit": unit,
            "source_row": raw["source_row"].to_numpy(),
        }
    )
    return table[columns]


def select(ds: Dataset, program: str | None = None, year: int | None = None) -> Dataset:
    """Return the part of the data set for one program and/or one year (None keeps all)."""
    if program is None and year is None:
        return ds
    keep = pd.Series(True, index=ds.projects.index)
    declared = pd.Series(True, index=ds.programs.index)
    if program is not None:
        keep &= ds.projects["program"].eq(program)
        declared &= ds.programs["program"].eq(program)
    if year is not None:
        keep &= ds.projects["year"].eq(year)
        declared &= ds.programs["year"].eq(year)
    projects = ds.projects[keep].reset_index(drop=True)
    own, theirs = id_codes(projects["project_id"], ds.lines["project_id"])
    lines = ds.lines[theirs < len(first_rows(own))].reset_index(drop=True)  # isin, faster
    programs = ds.programs[declared].reset_index(drop=True)
    return Dataset(projects, lines, programs, ds.categories, ds.source, ds.files)


# --- keys and distinct values, shared with the rules and the measures -----------------
#
# A province's tables have a million budget lines. Text is hashed once: project ids
# become integer codes, and columns with a handful of distinct values (unit, category)
# are worked on per distinct value and spread back, so that the rest is integer work.


def id_codes(ids: pd.Series, others: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Return integer codes for two columns of project ids: the same id, the same code.

    The first column's ids get the codes 0..k-1 in order of first appearance; an id found
    only in the other column gets a code of k or more. Matching a million lines to their
    projects is then integer work (np.bincount, indexing) instead of hashing text again
    in every map, isin and groupby.
    """
    codes, _ = pd.factorize(pd.concat([ids, others], ignore_index=True))
    return codes[: len(ids)], codes[len(ids) :]


def numbered(*codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


def first_rows(codes: np.ndarray) -> np.ndarray:
    """Return, for each code 0..k-1 of id_codes' first column, the row where it first occurs."""
    return np.flatnonzero(is_first(codes))


def is_first(codes: np.ndarray) -> np.ndarray:
    """Return whether each row is the first with its code (codes numbered as they appear)."""
    # Codes are handed out in order of appearance: a row is a first where its code is new.
    seen = np.maximum.accumulate(np.r_[-1, codes[:-1]])
    return codes > seen


def distinct(values: pd.Series, missing: object = None) -> tuple[list, np.ndarray]:
    """Return the column's distinct values (then `missing`) and where each row's value sits."""
    codes, uniques = pd.factorize(values)
    return [*uniques, missing], np.where(codes < 0, len(uniques), codes)


def spread(texts: list[str | None], which: np.ndarray, index: pd.Index) -> pd.Series:
    """Return a text column holding texts[which[i]] in row i (None as NA)."""
    taken = pc.take(pa.array(texts, type=pa.large_string()), pa.array(which))
    return pd.Series(pd.array(taken, dtype="str"), index=index)
