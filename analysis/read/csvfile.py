"""Read a CSV file of any of the accepted encodings, typed where it is clean, as text otherwise.

Row numbers are the rows a spreadsheet shows (the header is row 1): a cell in quotes that
runs over several lines is one row, and a blank line is an empty row.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from analysis._parallel import each
from analysis.errors import InputError
from analysis.read.bounds import MAX_CSV_BYTES, file_bytes
from analysis.read.columns import TableSpec, checked_names, clean_text, column_key, finished
from analysis.read.keys import one_piece

ENCODINGS_EXPECTED = "UTF-8, UTF-8 with BOM, GBK or GB18030"
CSV_EXPECTED = "a CSV file"


def read_csv_text(path: Path) -> pd.DataFrame:
    """Return a CSV file as a table of text (missing cells as NA), whatever its encoding.

    The columns are named as the header spells them, a name given twice included (pandas
    would rename the second "special.1").
    """
    data = file_bytes(path, limit=MAX_CSV_BYTES, expected=CSV_EXPECTED)
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
    header = _header(utf8)
    if len(header) == len(table.columns):
        table.columns = header
    return table.assign(source_row=_row_numbers(utf8, len(table)))


def _header(utf8: bytes) -> list[str]:
    """Return the header's cells as the file spells them (only its first lines are read)."""
    text = io.TextIOWrapper(io.BytesIO(utf8), encoding="utf-8", newline="")
    try:
        return next(csv.reader(text), [])
    except csv.Error:
        return []


def _read_text(utf8: bytes) -> pd.DataFrame:
    return pd.read_csv(
        io.BytesIO(utf8), dtype=str, engine="pyarrow", keep_default_na=False, na_values=[""]
    )


# Columns read as categories: a handful of distinct values in a million rows.
_CODED = ("category", "unit")


def read_typed(path: Path, spec: TableSpec) -> pd.DataFrame | None:
    """Return a clean CSV file's table as checked_columns would, read typed.

    pyarrow parses the amounts as it reads (and strips the spaces around them), and reads
    categories and units as categories, so that a million rows are neither stripped,
    cast nor hashed again. A GBK file is turned into UTF-8 first. Any file that is not
    plainly clean (a quoted header, a cell that is not a finite number, a category that
    is only spaces) gives None, and the careful reading takes it.
    """
    data = file_bytes(path, limit=MAX_CSV_BYTES, expected=CSV_EXPECTED)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    if b"\x00" in data:
        return None
    read = typed_csv(data, spec, str(path))
    if read is None:
        # pyarrow refuses bytes that are not UTF-8: a GBK file is read again as UTF-8 (a
        # damaged file raises here, and the careful reading raises the same).
        utf8 = as_utf8(data, path)
        if utf8 is data:  # UTF-8 already: something else is unusual
            return None
        data = utf8
        read = typed_csv(data, spec, str(path))
        if read is None:
            return None
    read, keep, place = read

    def column(c: str) -> np.ndarray | pd.Series | None:
        cells = read.column(place[c])
        if c in spec.amounts:  # nan and inf parse, but are no amounts: the careful reading says so
            return cells.to_numpy() if pc.all(pc.is_finite(cells)).as_py() is not False else None
        if c in _CODED:
            return _categorical(cells)
        return clean_text(pd.Series(pd.array(cells, dtype="str")))

    columns = each(column, keep, rows=read.num_rows)
    if any(values is None for values in columns):
        return None
    table = pd.DataFrame(dict(zip(keep, columns, strict=True)), copy=False)
    table["source_row"] = _row_numbers(data, len(table))
    return finished(table, keep, spec)


def typed_csv(
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
        names = [column_key(name) for name in header.decode("utf-8").rstrip("\r").split(",")]
    except UnicodeDecodeError:
        return None
    checked_names(names, spec, where)
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


def _row_numbers(utf8: bytes, n_rows: int) -> np.ndarray:
    """Return the row a spreadsheet shows for each data row (the header is row 1).

    A newline ends a row unless it stands inside quotes; pyarrow skips blank lines, which a
    spreadsheet shows as empty rows. Both are found from where the newlines and quotes
    stand, without going through the file row by row: a blank line at the end of a million
    rows must not cost seconds.
    """
    view = np.frombuffer(utf8, dtype=np.uint8)
    lines = sum(int(np.count_nonzero(chunk == ord("\n"))) for _, chunk in _chunks(view))
    if lines + (0 if utf8.endswith(b"\n") else 1) == n_rows + 1:
        return np.arange(n_rows) + 2  # one line per row: the usual file
    ends = _row_ends(view)
    starts, stops = np.r_[0, ends + 1], np.r_[ends, len(utf8)]
    cr = (stops > starts) & (view[np.maximum(stops - 1, 0)] == ord("\r"))
    filled = stops - starts - cr > 0
    rows = np.flatnonzero(filled) + 1  # rows ended before it, plus one
    if len(rows) == n_rows + 1:  # the header, then one per row
        return rows[1:]
    return _row_numbers_read(utf8, n_rows)  # a quote inside an unquoted cell, say


def _row_ends(view: np.ndarray) -> np.ndarray:
    """Return where the newlines that end a row stand: after an even number of quotes."""
    newlines, quotes = _positions(view, ord("\n")), _positions(view, ord('"'))
    return newlines[np.searchsorted(quotes, newlines) % 2 == 0]


def row_at(data: bytes, at: int) -> int:
    """Return the row a spreadsheet shows for the byte at the given place (header: row 1).

    The bytes may be GBK or GB18030: their multi-byte characters hold no quote or newline.
    """
    view = np.frombuffer(data, dtype=np.uint8)[:at]
    return len(_row_ends(view)) + 1


def _row_numbers_read(utf8: bytes, n_rows: int) -> np.ndarray:
    """Return the row a spreadsheet shows for each data row, reading the file row by row."""
    reader = csv.reader(io.StringIO(utf8.decode("utf-8"), newline=""))
    next(reader)
    rows = [row for row, record in enumerate(reader, 2) if record]  # pyarrow skips blank lines
    return np.asarray(rows[:n_rows], dtype=np.int64)


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
            found = data[exc.start : exc.start + 4]
            raise InputError(
                "bad_encoding", path, row=row_at(data, exc.start), expected="UTF-8", found=found
            ) from None
    try:
        # GB18030 is a superset of GBK and GB2312: what Excel on a Chinese Windows writes.
        return data.decode("gb18030").encode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            "bad_encoding",
            path,
            row=row_at(data, exc.start),
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
        row = row_at(data, data.index(b"\x00"))
        raise InputError("bad_encoding", path, row=row, expected=ENCODINGS_EXPECTED, found="binary")
    return data


def _reads_as_chinese(prefix: bytes) -> bool:
    """Return whether valid UTF-8 bytes hold Chinese characters (two or more)."""
    text = prefix.decode("utf-8", errors="ignore")
    return sum("\u4e00" <= ch <= "\u9fff" for ch in text) >= 2


def _csv_structure_error(utf8: bytes, path: Path) -> InputError:
    """Return an error naming the first row whose field count differs from the header's."""
    reader = csv.reader(io.StringIO(utf8.decode("utf-8"), newline=""))
    done = 0  # rows read, the header included
    try:
        header = next(reader)
        done = 1
        for done, record in enumerate(reader, 2):
            if record and len(record) != len(header):
                return InputError(
                    "malformed",
                    path,
                    row=done,
                    expected=f"{len(header)} fields as in the header",
                    found=f"{len(record)} fields",
                )
    except csv.Error as exc:
        return InputError("malformed", path, row=done + 1, found=str(exc))
    return InputError("malformed", path, expected="comma-separated values")
