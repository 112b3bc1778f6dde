"""What an input may cost, found out before it is read: workbooks, reports, file kinds."""

from __future__ import annotations

import os
import re
import subprocess
import zipfile
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from analysis.errors import InputError
from analysis.read import bounds
from analysis.read.load import load
from tests.conftest import read_seed_tables, run_cli

SPECIAL_COLUMN = "F"  # projects.csv: project_id, year, program, organization, title, special


def assert_refused(result: subprocess.CompletedProcess[str], *culprits: str) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    for culprit in culprits:
        assert culprit in lines[0], lines[0]
    return lines[0]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Return every file under folder with its bytes (folders and other kinds by name)."""
    found = {}
    for root, dirs, files in os.walk(folder):
        for name in [*dirs, *files]:
            path = Path(root, name)
            key = path.relative_to(folder).as_posix()
            found[key] = path.read_bytes() if path.is_file() and not path.is_symlink() else b"?"
    return found


# --- workbooks -----------------------------------------------------------------------------


def seed_workbook(path: Path) -> Path:
    """Write the bundled tables as a workbook (openpyxl: every cell with its reference)."""
    import pandas as pd

    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, table in read_seed_tables().items():
            table.to_excel(writer, sheet_name=name, index=False)
    return path


def rewrite(book: Path, part: str, change) -> Path:
    """Rewrite one part (a zip member) of the workbook."""
    with zipfile.ZipFile(book) as old:
        members = [(info.filename, old.read(info)) for info in old.infolist()]
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as new:
        for name, data in members:
            new.writestr(name, change(data) if name == part else data)
    return book


PROJECTS = "xl/worksheets/sheet1.xml"  # pandas writes the sheets in the order given


def with_cells(book: Path, cells: bytes, dimension: bytes | None = b"A1:J5") -> Path:
    """Add XML (rows, cells) at the end of the projects sheet's data; set or drop its
    declared dimension."""

    def change(xml: bytes) -> bytes:
        xml = re.sub(rb"<dimension [^>]*/>", b"", xml)
        if dimension is not None:
            xml = xml.replace(b"<sheetData>", b'<dimension ref="' + dimension + b'"/><sheetData>')
        return xml.replace(b"</sheetData>", cells + b"</sheetData>")

    return rewrite(book, PROJECTS, change)


def refusal(book: Path) -> InputError:
    with pytest.raises(InputError) as raised:
        load(book)
    return raised.value


def test_the_seed_as_a_workbook_loads_without_reading_it_cell_by_cell(tmp_path):
    book = seed_workbook(tmp_path / "seed.xlsx")
    with mock.patch("analysis.read.bounds._check_cells", wraps=bounds._check_cells) as careful:
        ds = load(book)
    assert len(ds.projects) == 4 and len(ds.lines) == 18
    assert not careful.called  # each sheet names every cell's place within its dimension


def test_a_workbook_with_a_value_in_the_last_cell_is_refused_before_calamine_reads_it(tmp_path):
    book = seed_workbook(tmp_path / "huge.xlsx")
    workbook = load_workbook(book)
    workbook["projects"]["XFD1048576"] = "x"
    workbook.save(book)
    assert book.stat().st_size < 20_000
    error = refusal(book)
    assert (error.kind, error.row, error.column) == ("too_large", 1048576, "XFD")
    assert "sheet projects" in error.file and "16,777,216 cells" in error.message()
    # calamine would abort the process (exit 134); the command says why in one line.
    assert_refused(run_cli("validate", "--data", "huge.xlsx", cwd=tmp_path), "huge.xlsx", "XFD")


FAR_CELLS = {
    "no-dimension": (b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', None),
    "a-dimension-that-lies": (b'<row r="6"><c r="IW6"><v>1</v></c></row>', b"A1:J6"),
    "cells-without-references": (b"<row>" + b"<c><v>1</v></c>" * 300 + b"</row>", b"A1:J6"),
    "a-row-far-below": (b'<row r="1048577"><c><v>1</v></c></row>', b"A1:J5"),
    "a-prefixed-cell": (
        b'<row r="6"><x:c xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        b' r="AAA6"><x:v>1</x:v></x:c></row>',
        b"A1:J6",
    ),
    "single-quotes": (b"<row r='6'><c r='ZZ6'><v>1</v></c></row>", b"A1:J6"),
    "a-reference-after-another-attribute": (
        b'<row r="6"><c t="n" r="ZZ6"><v>1</v></c></row>',
        None,
    ),
    "sixteen-million-cells": (b'<row r="1048576"><c r="Q1048576"><v>1</v></c></row>', None),
    "a-row-of-5000-digits": (b'<row r="6"><c r="A' + b"9" * 5000 + b'"><v>1</v></c></row>', None),
    "a-column-of-100000-letters": (
        b'<row r="6"><c r="' + b"A" * 100_000 + b'6"><v>1</v></c></row>',
        None,
    ),
}


@pytest.mark.parametrize(("cells", "dimension"), FAR_CELLS.values(), ids=FAR_CELLS.keys())
def test_a_far_cell_however_it_is_written_is_refused(tmp_path, cells, dimension):
    error = refusal(with_cells(seed_workbook(tmp_path / "far.xlsx"), cells, dimension))
    assert error.kind == "too_large" and "sheet projects" in error.file


@pytest.mark.parametrize("far", [None, *FAR_CELLS], ids=["seed", *FAR_CELLS])
def test_parts_looked_at_in_small_chunks_give_the_same_answer(tmp_path, monkeypatch, far):
    # The bytes are looked at a chunk at a time, each chunk with the end of the one before,
    # the next one unpacked on a thread of its own: here chunks of 100 bytes, so that every
    # tag lies across a boundary somewhere.
    monkeypatch.setattr(bounds, "_CHUNK", 100)
    book = seed_workbook(tmp_path / "book.xlsx")
    if far is None:
        with mock.patch("analysis.read.bounds._check_cells") as careful:
            assert len(load(book).projects) == 4
        assert not careful.called
    else:
        assert refusal(with_cells(book, *FAR_CELLS[far])).kind == "too_large"


def test_an_empty_far_cell_costs_nothing_and_is_read(tmp_path):
    # <c .../> holds no value: calamine skips it, and so does the bound.
    book = with_cells(seed_workbook(tmp_path / "empty.xlsx"), b'<c r="XFD1048576" s="1"/>', None)
    assert len(load(book).projects) == 4


def test_a_far_cell_in_a_sheet_that_is_not_a_table_is_refused_too(tmp_path):
    book = seed_workbook(tmp_path / "notes.xlsx")
    workbook = load_workbook(book)
    workbook.create_sheet("备注")["XFD1"] = "x"
    workbook.save(book)
    assert "sheet 备注" in refusal(book).file


def test_a_workbook_padded_with_spaces_is_refused_by_its_packing(tmp_path):
    padding = b" " * (4 << 20)
    book = rewrite(
        seed_workbook(tmp_path / "padded.xlsx"),
        PROJECTS,
        lambda xml: xml.replace(b"<sheetData>", b"<sheetData>" + padding),
    )
    error = refusal(book)
    assert error.kind == "too_large" and "at most 100 to 1" in error.message()


def test_a_workbook_that_unpacks_beyond_the_bound_is_refused(tmp_path, monkeypatch):
    book = seed_workbook(tmp_path / "big.xlsx")
    unpacked = sum(info.file_size for info in zipfile.ZipFile(book).infolist())
    monkeypatch.setattr(bounds, "MAX_WORKBOOK_UNPACKED", unpacked - 1)
    error = refusal(book)
    assert error.kind == "too_large" and f"{unpacked:,} bytes" in error.message()


def declare_size(book: Path, part: str, size: int) -> Path:
    """Make the zip declare another unpacked size for a part (local and central headers)."""
    data = bytearray(book.read_bytes())
    name = part.encode()
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(signature)
        while at >= 0:
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(name)] == name:
                data[at + offset : at + offset + 4] = size.to_bytes(4, "little")
            at = data.find(signature, at + 1)
    book.write_bytes(bytes(data))
    return book


def test_a_part_larger_than_the_zip_says_is_refused(tmp_path):
    book = seed_workbook(tmp_path / "lies.xlsx")
    declare_size(book, PROJECTS, 1000)
    error = refusal(book)
    assert error.kind == "malformed" and "as large as the zip says" in error.message()


def test_shared_strings_that_declare_more_strings_than_they_hold_are_refused(tmp_path):
    book = seed_workbook(tmp_path / "strings.xlsx")
    sst = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    sst += b' count="1" uniqueCount="900000000000"><si><t>x</t></si></sst>'
    with zipfile.ZipFile(book, "a") as z:  # calamine reads it whether it is listed or not
        z.writestr("xl/sharedStrings.xml", sst)
    error = refusal(book)
    assert error.kind == "malformed" and "uniqueCount 900000000000" in error.message()
    assert_refused(run_cli("validate", "--data", "strings.xlsx", cwd=tmp_path), "strings.xlsx")


# A sheet's rows, as the careful reading must place them: each row with or without r, each
# cell with or without r, holding a value or written <c/> (empty).
_cell = st.tuples(st.booleans(), st.integers(0, 40), st.integers(1, 60), st.booleans())
_row = st.tuples(st.booleans(), st.integers(1, 60), st.booleans(), st.lists(_cell, max_size=5))


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _sheet_data(rows) -> bytes:
    xml = []
    for has_r, r, closed, cells in rows:
        attributes = f' r="{r}"' if has_r else ""
        if closed and not cells:
            xml.append(f"<row{attributes}/>")
            continue
        xml.append(f"<row{attributes}>")
        for cell_has_r, column, row, value in cells:
            ref = f' r="{_column_letters(column + 1)}{row}"' if cell_has_r else ""
            xml.append(f'<c{ref} t="n"><v>7</v></c>' if value else f"<c{ref}/>")
        xml.append("</row>")
    return "".join(xml).encode()


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(_row, max_size=8))
def test_the_careful_reading_places_cells_where_calamine_does(tmp_path_factory, rows):
    sheet_data = b"<sheetData>" + _sheet_data(rows) + b"</sheetData>"
    book = seed_workbook(tmp_path_factory.mktemp("places") / "book.xlsx")
    rewrite(book, PROJECTS, lambda xml: re.sub(rb"<sheetData>.*</sheetData>", sheet_data, xml))
    calamine = CalamineWorkbook.from_path(str(book)).get_sheet_by_name("projects").end
    places = list(bounds.cell_places("book", "projects", iter([sheet_data])))
    found = (max(r for r, _ in places), max(c for _, c in places)) if places else None
    assert found == calamine  # the last row and the last column holding a value


# --- reports and data that are not regular files -------------------------------------------


@pytest.mark.parametrize("name", ["report.txt", "report.docx"])
def test_a_report_that_is_a_fifo_is_refused_without_waiting(tmp_path, name):
    os.mkfifo(tmp_path / name)
    line = assert_refused(run_cli("extract", name, "--out", "out", cwd=tmp_path), name)
    assert "not a regular file" in line
    assert not (tmp_path / "out").exists()


def test_a_report_that_is_a_device_is_refused():
    assert_refused(run_cli("extract", "/dev/zero", cwd=Path("/")), "/dev/zero")


def test_a_report_beyond_the_bound_is_refused_unread(tmp_path):
    with (tmp_path / "report.txt").open("wb") as handle:
        handle.truncate(bounds.MAX_REPORT_BYTES + 1)  # sparse: no room on disk
    line = assert_refused(run_cli("extract", "report.txt", cwd=tmp_path), "report.txt")
    assert f"at most {bounds.MAX_REPORT_BYTES:,} bytes" in line


def test_a_docx_report_packed_beyond_the_ratio_is_refused(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("2021年度县域创新跃升计划项目绩效自评报告")
    document.save(tmp_path / "report.docx")
    rewrite(tmp_path / "report.docx", "word/document.xml", lambda xml: xml + b" " * (4 << 20))
    line = assert_refused(run_cli("extract", "report.docx", cwd=tmp_path), "report.docx")
    assert "at most 100 to 1" in line


LONG = "x" * 300


def folder_named_projects_csv(work: Path) -> str:
    (work / "data" / "projects.csv").unlink()
    (work / "data" / "projects.csv").mkdir()
    return "data"


def fifo_named_projects_csv(work: Path) -> str:
    (work / "data" / "projects.csv").unlink()
    os.mkfifo(work / "data" / "projects.csv")
    return "data"


def broken_link_named_projects_csv(work: Path) -> str:
    (work / "data" / "projects.csv").unlink()
    (work / "data" / "projects.csv").symlink_to(work / "nowhere.csv")
    return "data"


UNREADABLE_DATA = {
    "a-folder-named-projects.csv": (folder_named_projects_csv, "projects.csv"),
    "a-fifo-named-projects.csv": (fifo_named_projects_csv, "projects.csv"),
    "a-broken-link-named-projects.csv": (broken_link_named_projects_csv, "projects.csv"),
    "a-path-under-a-file": (lambda work: "afile/data", "afile"),
    "a-name-too-long": (lambda work: LONG, LONG[:40]),
    "a-workbook-name-too-long": (lambda work: "data/" + "报" * 100 + ".xlsx", "报" * 20),
    "a-fifo-named-like-a-workbook": (lambda work: os.mkfifo(work / "b.xlsx") or "b.xlsx", "b.xlsx"),
    "proc": (lambda work: "/proc/x", "/proc/x"),
}


@pytest.mark.parametrize(("make", "named"), UNREADABLE_DATA.values(), ids=UNREADABLE_DATA.keys())
def test_data_it_cannot_read_is_one_line_naming_it(tmp_path, seed_copy, make, named):
    work = seed_copy.parent
    (work / "afile").write_bytes(b"a regular file\n")
    data = make(work)
    before = snapshot(work)
    for command in ("validate", "metrics"):
        assert_refused(run_cli(command, "--data", data, cwd=work), named)
    assert snapshot(work) == before


def test_a_table_beyond_the_bound_is_refused_unread(seed_copy):
    with (seed_copy / "budget_lines.csv").open("r+b") as handle:
        handle.truncate(bounds.MAX_CSV_BYTES + 1)  # sparse: no room on disk
    line = assert_refused(run_cli("validate", "--data", "data", cwd=seed_copy.parent))
    assert "budget_lines.csv" in line and f"at most {bounds.MAX_CSV_BYTES:,} bytes" in line


def test_a_file_it_may_not_read_is_one_line_naming_it(seed_copy):
    # CI runs as root, which reads every file: the refusal is played by the system call.
    target = str(seed_copy / "programs.csv")
    real_open = os.open

    def refuse(path, *args, **kwargs):
        if str(path) == target:
            raise PermissionError(13, "Permission denied", target)
        return real_open(path, *args, **kwargs)

    with mock.patch("analysis.read.bounds.os.open", refuse):
        error = refusal(seed_copy)
    assert (error.kind, error.file) == ("unreadable", target)
    assert "Permission denied" in error.message() and "\n" not in error.message()
