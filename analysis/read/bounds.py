"""What an input file may cost, found out before it is read.

A file is opened without blocking and must be a regular file: a folder, a FIFO or a device
(`/dev/zero`) is refused, never read. A CSV table may be at most MAX_CSV_BYTES, a report
MAX_REPORT_BYTES (a .docx: MAX_DOCX_BYTES, its parts unpacked MAX_DOCX_UNPACKED).

A workbook is a zip of XML parts, and calamine, which reads it, trusts what they declare:
it keeps every part it reads in memory, and it allocates a cell for every position from A1
to the farthest cell that holds a value, so a 9 KB workbook with one value in XFD1048576
asks for 512 GB and aborts the process. Before calamine sees a workbook, its parts are
unpacked here as a stream, without keeping them, and it is refused when

- its parts unpack to more than MAX_WORKBOOK_UNPACKED bytes, or a part of more than a
  mebibyte is packed more than MAX_COMPRESSION_RATIO to one (XML packs ten or twenty to one;
  a part padded with gigabytes of spaces, a thousand to one), or a part unpacks to more or
  less than the zip says;
- a sheet holds a cell beyond MAX_SHEET_ROWS rows (Excel's own limit) or MAX_SHEET_COLUMNS
  columns, or its cells from A1 to the farthest one number more than MAX_SHEET_CELLS;
- the shared strings declare more strings than their part has bytes (calamine reserves room
  for as many as declared).

The bounds are far above what the tables need: a sheet of 1,048,576 budget lines in six
columns unpacks to about 340 MB (the benchmark's 100,000 projects: 837,638 lines, 273 MB),
and the tables have about a dozen columns.
"""

from __future__ import annotations

import errno
import functools
import io
import os
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from analysis._parallel import threads
from analysis.errors import InputError

MAX_CSV_BYTES = 2 << 30  # 2 GiB: 50 million budget lines of 43 bytes, as the benchmark writes
MAX_REPORT_BYTES = 20 << 20  # a .txt report: 20 MiB, some 7 million Chinese characters
MAX_DOCX_BYTES = 100 << 20  # a .docx report, photographs and all
MAX_DOCX_UNPACKED = 256 << 20
MAX_WORKBOOK_UNPACKED = 1 << 30  # 1 GiB: three times a sheet of 1,048,576 budget lines
MAX_COMPRESSION_RATIO = 100
MAX_SHEET_ROWS = 1_048_576  # Excel's own limit
MAX_SHEET_COLUMNS = 256  # Excel 2003's limit (IV): the tables have about a dozen columns
MAX_SHEET_CELLS = 1_048_576 * 16  # a full sheet of 16 columns: 2 GB for calamine's cells

_CHUNK = 8 << 20  # unpacked bytes looked at in one piece
_RATIO_FROM = 1 << 20  # a part smaller than this may pack as well as it likes

WORKBOOK_EXPECTED = "an .xlsx workbook"
DOCUMENT_EXPECTED = "a .docx document"


# --- regular files ---------------------------------------------------------------------


def file_bytes(path: str | Path, *, limit: int | None = None, expected: str = "a file") -> bytes:
    """Return the bytes of a regular file, refusing anything else without waiting on it.

    The file is opened without blocking (opening a FIFO would wait for a writer) and its kind
    and size are taken from what was opened, so nothing can be swapped in between.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise os_error(exc, path, expected) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError("not_a_file", path, expected=expected, found=_kind(info.st_mode))
        if limit is not None and info.st_size > limit:
            raise InputError(
                "too_large",
                path,
                expected=f"at most {limit:,} bytes",
                found=f"{info.st_size:,} bytes",
            )
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read() if limit is None else handle.read(limit + 1)
    except OSError as exc:
        raise os_error(exc, path, expected) from None
    finally:
        os.close(fd)
    if limit is not None and len(data) > limit:  # it grew while being read
        raise InputError("too_large", path, expected=f"at most {limit:,} bytes")
    return data


def os_error(exc: OSError, path: str | Path, expected: str = "") -> InputError:
    """Return the input error a person reads for an OS error on an input path."""
    where = exc.filename if isinstance(exc.filename, str) and exc.filename else path
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return InputError("missing_file", where, expected=expected, found=exc.strerror)
    if exc.errno == errno.EISDIR:
        return InputError("not_a_file", where, expected=expected, found="a folder")
    return InputError("unreadable", where, expected=expected, found=exc.strerror or str(exc))


def _kind(mode: int) -> str:
    kinds = {
        stat.S_ISDIR: "a folder",
        stat.S_ISFIFO: "a FIFO (named pipe)",
        stat.S_ISCHR: "a device",
        stat.S_ISBLK: "a device",
        stat.S_ISSOCK: "a socket",
    }
    return next((name for test, name in kinds.items() if test(mode)), "not a regular file")


# --- workbooks -------------------------------------------------------------------------


def check_workbook(where: str, data: bytes) -> None:
    """Raise an InputError unless the workbook's bytes are within every bound above."""
    book = _zip(where, data, MAX_WORKBOOK_UNPACKED, WORKBOOK_EXPECTED)
    names = _sheet_names(book)
    for part in book.infolist():
        sheet = f"sheet {names[part.filename]}" if part.filename in names else part.filename
        unpack = functools.partial(_unpacked, where, data, part, WORKBOOK_EXPECTED)
        _check_part(where, sheet, part, unpack)


def check_document(where: str, data: bytes) -> None:
    """Raise an InputError unless a .docx's parts unpack within MAX_DOCX_UNPACKED bytes,
    packed at most MAX_COMPRESSION_RATIO to one, as large as the zip says."""
    book = _zip(where, data, MAX_DOCX_UNPACKED, DOCUMENT_EXPECTED)
    for part in book.infolist():
        for _ in _unpacked(where, data, part, DOCUMENT_EXPECTED):
            pass


def _zip(where: str, data: bytes, limit: int, expected: str) -> zipfile.ZipFile:
    """Return the zip, raising where its parts declare more than limit bytes in all or are
    packed beyond MAX_COMPRESSION_RATIO."""
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        parts = book.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, struct.error):
        raise InputError("malformed", where, expected=expected, found="not a zip file") from None
    unpacked = sum(part.file_size for part in parts)
    if unpacked > limit:
        raise InputError(
            "too_large",
            where,
            expected=f"parts that unpack to at most {limit:,} bytes",
            found=f"{unpacked:,} bytes",
        )
    for part in parts:
        _check_packing(where, part, expected)
    return book


def _check_packing(where: str, part: zipfile.ZipInfo, expected: str) -> None:
    if part.flag_bits & 0x1:
        raise InputError("malformed", where, expected=expected, found="encrypted parts")
    if part.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise InputError("malformed", where, expected="parts packed as Office packs them (deflate)")
    ratio = part.file_size / max(part.compress_size, 1)
    if part.file_size > _RATIO_FROM and ratio > MAX_COMPRESSION_RATIO:
        raise InputError(
            "too_large",
            where,
            expected=f"parts packed at most {MAX_COMPRESSION_RATIO} to 1",
            found=f"{part.filename} packed {ratio:,.0f} to 1",
        )


def _unpacked(where: str, data: bytes, part: zipfile.ZipInfo, expected: str) -> Iterator[bytes]:
    """Yield a part's bytes a chunk at a time, raising where they are not as many as declared.

    zipfile stops at the size the zip declares; calamine reads the packed stream to its end.
    """
    header = data[part.header_offset : part.header_offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise InputError("malformed", where, expected=expected, found=part.filename)
    names, extra = struct.unpack("<HH", header[26:30])
    start = part.header_offset + 30 + names + extra
    packed = memoryview(data)[start : start + part.compress_size]
    unpacked = 0
    if part.compress_type == zipfile.ZIP_STORED:
        for at in range(0, len(packed), _CHUNK):
            unpacked += len(packed[at : at + _CHUNK])
            yield bytes(packed[at : at + _CHUNK])
    else:
        inflate, fed = zlib.decompressobj(-zlib.MAX_WBITS), 0
        while not inflate.eof:
            if inflate.unconsumed_tail:
                more = inflate.unconsumed_tail
            elif fed < len(packed):
                more, fed = packed[fed : fed + _CHUNK], fed + _CHUNK
            else:
                break  # the packed bytes end before the stream does
            try:
                chunk = inflate.decompress(more, _CHUNK)
            except zlib.error:
                break
            unpacked += len(chunk)
            if unpacked > part.file_size:
                break
            yield chunk
        if not inflate.eof:
            unpacked = -1
    if unpacked != part.file_size:
        raise InputError(
            "malformed",
            where,
            expected=f"parts as large as the zip says ({part.filename}: {part.file_size:,} bytes)",
            found="a damaged or larger part",
        )


def _sheet_names(book: zipfile.ZipFile) -> dict[str, str]:
    """Return the sheet name of each worksheet part, for messages (empty where unsure)."""
    try:
        workbook, relations = (
            book.read(name) if book.getinfo(name).file_size < 1 << 20 else b""
            for name in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")
        )
    except (KeyError, zipfile.BadZipFile, OSError, zlib.error):
        return {}
    targets = {}
    for tag in re.finditer(rb"<(?:[\w.-]+:)?Relationship\s[^>]*>", relations):
        found = dict(re.findall(rb'\s(Id|Target)\s*=\s*"([^"]*)"', tag[0]))
        if b"Id" in found and b"Target" in found:
            target = found[b"Target"].decode("utf-8", "replace")
            targets[found[b"Id"]] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    names = {}
    for tag in re.finditer(rb"<(?:[\w.-]+:)?sheet\s[^>]*>", workbook):
        found = dict(re.findall(rb'\s((?:[\w.-]+:)?(?:name|id))\s*=\s*"([^"]*)"', tag[0]))
        relation = next((v for k, v in found.items() if k.endswith(b":id")), None)
        if b"name" in found and relation in targets:
            names[targets[relation]] = found[b"name"].decode("utf-8", "replace")
    return names


_SHARED_STRINGS = re.compile(rb"<(?:[\w.-]+:)?sst\b[^>]*?\suniqueCount\s*=\s*[\"']\s*(\d+)")
_SHEET_DATA = re.compile(rb"<(?:[\w.-]+:)?sheetData[\s>/]")
_DIMENSION = re.compile(
    rb'<dimension ref="(?:[A-Z]{1,3}[1-9][0-9]{0,6}:)?([A-Z]{1,3})([1-9][0-9]{0,6})"'
)
_OVERLAP = 64  # bytes of the chunk before kept with the next: more than any tag searched for


def _check_part(
    where: str, sheet: str, part: zipfile.ZipInfo, unpack: Callable[[], Iterator[bytes]]
) -> None:
    """Unpack a part, raising if it is beyond a bound (shared strings, a sheet's cells).

    A sheet is read once quickly (see _UsualCells); a sheet that is not usual is read again,
    cell by cell (_check_cells).
    """
    previous, usual, extent = b"", None, None
    for chunk in _ahead(unpack(), part.file_size):
        text = previous[-_OVERLAP:] + chunk
        if not previous:
            _check_shared_strings(where, part, chunk)
        if usual is None:
            found = _SHEET_DATA.search(text)
            extent = _declared_extent(text[: None if found is None else found.start()]) or extent
            if found is not None:
                usual = _UsualCells(extent)
        if usual is not None:
            usual.look(text, len(text) - _OVERLAP)  # the rest is looked at with the next
        previous = chunk
    if usual is not None:
        usual.look(previous[-_OVERLAP:], _OVERLAP)
        if not usual.holds:
            _check_cells(where, sheet, unpack())


def _ahead(chunks: Iterator[bytes], size: int) -> Iterator[bytes]:
    """Yield the chunks, the next one unpacked on a thread of its own while the caller looks
    at this one (zlib lets go of the GIL): a sheet of 273 MB is looked at in about half the
    time on two cores."""
    if size < 4 * _CHUNK or threads() < 2:
        yield from chunks
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fund-analysis") as pool:
        coming = pool.submit(next, chunks, None)
        while (chunk := coming.result()) is not None:
            coming = pool.submit(next, chunks, None)
            yield chunk


def _check_shared_strings(where: str, part: zipfile.ZipInfo, first: bytes) -> None:
    found = _SHARED_STRINGS.search(first, 0, 4096)
    if found and _number(found[1]) > part.file_size:  # calamine reserves room for each
        raise InputError(
            "malformed",
            where,
            expected="no more shared strings than the part has bytes",
            found=f"{part.filename}: uniqueCount {found[1][:20].decode()}",
        )


def _declared_extent(head: bytes) -> tuple[int, int] | None:
    """Return the rows and columns from A1 that a sheet's <dimension> declares (or None)."""
    found = _DIMENSION.search(head)
    return None if found is None else (int(found[2]), _column_number(found[1]))


class _UsualCells:
    """Whether every cell of a sheet lies within its declared dimension, in the usual case.

    The usual case is a sheet whose every cell names its place first (<c r="B7" ...>), as
    Excel, openpyxl and every other writer seen write them, within a dimension that is
    itself within the bounds: one search through the bytes for a cell beyond it, or a cell
    or row written otherwise, settles it. Anything else is not usual, and read cell by cell.
    """

    # Elements in a namespace prefix (<x:c>): calamine reads them as cells and rows too.
    PREFIXED = re.compile(rb":(?:c|row|sheetData)[\s>/]")

    def __init__(self, extent: tuple[int, int] | None) -> None:
        self.holds = extent is not None and _within(*extent)
        if self.holds:
            rows, columns = extent
            right = _after(_column_letters(columns), "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
            below = _after(str(rows), "0123456789")
            self.unusual = re.compile(
                rb'<c(?: r="(?:'
                + right
                + rb"|[A-Za-z]++(?:0|"
                + below
                + rb'))|(?! r="[A-Za-z])[\s>/])'
            )

    def look(self, text: bytes, before: int) -> None:
        """Look at the tags that start in text before the given place."""
        if self.holds:
            found = [self.unusual.search(text), self.PREFIXED.search(text)]
            self.holds = not any(m is not None and m.start() < before for m in found)


def _after(limit: str, alphabet: str) -> bytes:
    """Return a pattern for the words that come after limit: longer words, or words as long
    that are greater letter by letter (the order of column letters, and of row numbers)."""

    def any_of(chars: str) -> str:
        return f"[{chars}{chars.lower()}]" if chars else ""

    options = [f"{any_of(alphabet)}{{{len(limit) + 1},}}"]
    for i, char in enumerate(limit):
        later = alphabet[alphabet.index(char) + 1 :]
        if later:
            same = "".join(any_of(c) for c in limit[:i])
            rest = f"{any_of(alphabet)}{{{len(limit) - i - 1}}}"
            options.append(f"{same}{any_of(later)}{rest}")
    return "|".join(options).encode("ascii")


_TAG = re.compile(rb"<(/?)(?:[\w.-]+:)?(row|c|sheetData)(?=[\s>/])([^>]*)>")
_PLACE = re.compile(rb"""(?:^|\s)(?:[\w.-]+:)?r\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_LONGEST_TAG = 1 << 20


def _check_cells(where: str, sheet: str, chunks: Iterator[bytes]) -> None:
    """Raise at the first cell calamine would place beyond the bounds."""
    for row, column in cell_places(where, sheet, chunks):
        if not _within(row + 1, column + 1):
            ref = f"{_column_letters(column + 1)}{row + 1}"
            raise InputError(
                "too_large",
                f"{where} [{sheet}]",
                row=row + 1,
                column=_column_letters(column + 1),
                expected=(
                    f"cells within {MAX_SHEET_ROWS:,} rows, {MAX_SHEET_COLUMNS} columns and "
                    f"{MAX_SHEET_CELLS:,} cells from A1"
                ),
                found=f"a cell at {ref}",
            )


def cell_places(where: str, sheet: str, chunks: Iterator[bytes]) -> Iterator[tuple[int, int]]:
    """Yield the 0-based row and column where calamine places each cell that may hold a value.

    A cell is where its reference says (r="B7"), else in the column after the cell before
    it, in the row its <row r="..."> says or the row after the one before. A cell written
    <c .../> holds nothing and is skipped by calamine, but takes its column.
    """
    row = column = 0
    inside = False
    carry = b""
    for chunk in chunks:
        text = carry + chunk
        cut = text.rfind(b"<")
        carry = text[cut:] if cut >= 0 and text.find(b">", cut) < 0 else b""
        if len(carry) > _LONGEST_TAG:
            raise InputError("malformed", where, expected="a worksheet", found=sheet)
        for tag in _TAG.finditer(text, 0, len(text) - len(carry)):
            closing, element, attributes = tag.groups()
            empty = attributes.endswith(b"/")
            if element == b"sheetData":
                if inside and (closing or empty):
                    return
                inside = inside or not (closing or empty)
                continue
            if not inside or (closing and element == b"c"):
                continue
            place = _PLACE.search(attributes)
            given = None if place is None else place[1] if place[1] is not None else place[2]
            if element == b"row":
                if not closing and given is not None:
                    row = _place(given)[0]
                if closing or empty:
                    row, column = row + 1, 0
                continue
            cell_row = row
            if given is not None:
                cell_row, column = _place(given)
            if not empty:
                yield cell_row, column
            column += 1


def _place(ref: bytes) -> tuple[int, int]:
    """Return the 0-based row and column of a reference such as B7 (0, 0 if it is none)."""
    found = re.fullmatch(rb"([A-Za-z]*)([0-9]+)", ref)
    if found is None:
        return 0, 0  # calamine stops at such a reference: nothing to bound
    return _number(found[2]) - 1, _column_number(found[1]) - 1


def _number(digits: bytes) -> int:
    """Return the number the digits spell, capped far beyond every bound (int() refuses more
    than 4,300 digits, and calamine's counts wrap at 2**32)."""
    return int(digits) if len(digits) <= 18 else 10**18


def _within(rows: int, columns: int) -> bool:
    """Return whether calamine's cells from A1 to row, column are within the bounds."""
    return (
        rows <= MAX_SHEET_ROWS
        and columns <= MAX_SHEET_COLUMNS
        and rows * columns <= MAX_SHEET_CELLS
    )


def _column_number(letters: bytes) -> int:
    if len(letters) > 4:  # beyond XFD however spelt: no need to count a megabyte of letters
        return 26**4
    number = 0
    for char in letters.upper():
        number = number * 26 + char - ord("A") + 1
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
