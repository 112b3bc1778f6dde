"""Loading: encodings, workbooks, units, category spellings, derived figures, unusable input."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from analysis.errors import InputError
from analysis.measure.measures import measure
from analysis.read.columns import SPECS
from analysis.read.load import load
from analysis.words.vocabulary import CATEGORIES
from tests.conftest import SEED, write_tables

NUMBERS = {"special", "total", "self_raised", "self_raised_actual", "special_total", "year"}


def measures_equal(a, b) -> None:
    for name in ("projects", "categories", "groups", "by_category", "programs", "years"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)


@pytest.fixture(scope="module")
def seed_measures():
    return measure(load())


# --- the bundled data ----------------------------------------------------------------


def test_bundled_data_has_the_reports_figures():
    ds = load()
    assert ds.projects["organization"].tolist() == ["北塑管业", "天成科技", "鸿城节能", "可得电子"]
    assert ds.projects["special"].sum() == 200
    assert ds.programs.iloc[0][["program", "year", "special_total"]].tolist() == [
        "县域创新跃升计划",
        2021,
        200,
    ]
    hongcheng = ds.projects.set_index("organization").loc["鸿城节能"]
    assert (hongcheng["special"], hongcheng["self_raised"], hongcheng["self_raised_actual"]) == (
        42,
        20,
        22,
    )
    assert hongcheng["derived"] == "total"
    assert not ds.lines["project_id"].eq(hongcheng["project_id"]).any()
    travel = ds.lines[
        (ds.lines["project_id"] == "XYCX-2021-02") & (ds.lines["category"] == "travel")
    ]
    assert travel["total"].tolist() == [5]
    assert travel["note"].iloc[0].startswith("更正")
    assert "5 元" in travel["note"].iloc[0]


def test_bundled_categories_table_matches_the_vocabulary():
    bundled = pd.read_csv(SEED / "categories.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(bundled, CATEGORIES.astype(str))


def test_default_data_does_not_depend_on_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert Path(load().source) == SEED


# --- encodings and formats -----------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_encodings_are_detected(tmp_path, seed_tables, seed_measures, encoding):
    folder = write_tables(tmp_path, seed_tables, encoding=encoding)
    measures_equal(measure(load(folder)), seed_measures)


def test_xlsx_workbook_with_sheets_named_like_the_files(tmp_path, seed_tables, seed_measures):
    book = tmp_path / "data.xlsx"
    with pd.ExcelWriter(book) as writer:
        for name, table in seed_tables.items():
            # Numbers as Excel numbers, as an analyst's workbook holds them.
            typed = table.astype(object)
            for column in NUMBERS & set(table.columns):
                typed[column] = [float(v) if v else None for v in table[column]]
            typed.to_excel(writer, sheet_name=name, index=False)
    measures_equal(measure(load(book)), seed_measures)


def scaled(tables: dict[str, pd.DataFrame], unit: str, factor: Decimal) -> dict[str, pd.DataFrame]:
    """Return the tables with every amount written in another unit."""
    out = {}
    amounts = {column for spec in SPECS.values() for column in spec.amounts}
    for name, table in tables.items():
        table = table.copy()
        for column in amounts & set(table.columns):
            table[column] = table[column].map(
                lambda s: format(Decimal(s) * factor, "f") if s else s
            )
        if "unit" in table.columns:
            table["unit"] = unit
        out[name] = table
    return out


@pytest.mark.parametrize(("unit", "factor"), [("元", Decimal(10000)), ("亿元", Decimal("0.0001"))])
def test_a_table_in_yuan_gives_identical_measures(
    tmp_path, seed_tables, seed_measures, unit, factor
):
    folder = write_tables(tmp_path, scaled(seed_tables, unit, factor))
    measures_equal(measure(load(folder)), seed_measures)


def test_units_may_differ_row_by_row(tmp_path, seed_tables, seed_measures):
    lines = seed_tables["budget_lines"].copy()
    lines.loc[0, ["total", "special", "unit"]] = ["1700000", "320000", "元"]
    tables = {**seed_tables, "budget_lines": lines}
    measures_equal(measure(load(write_tables(tmp_path, tables))), seed_measures)


def test_categories_by_code_name_or_alias(tmp_path, seed_tables, seed_measures):
    lines = seed_tables["budget_lines"].copy()
    lines["category"] = lines["category"].replace(
        {"设备费": "equipment", "材料费": " Materials ", "其他费用": "其他费用支出"}
    )
    tables = {**seed_tables, "budget_lines": lines}
    measures_equal(measure(load(write_tables(tmp_path, tables))), seed_measures)


def test_programs_and_categories_tables_are_optional(tmp_path, seed_tables):
    tables = {k: v for k, v in seed_tables.items() if k in ("projects", "budget_lines")}
    ds = load(write_tables(tmp_path, tables))
    assert ds.programs.empty
    assert len(ds.categories) == len(CATEGORIES)


def test_user_categories_extend_the_vocabulary(tmp_path, seed_tables):
    extra = pd.DataFrame(
        [["indirect", "间接费用", "Indirect costs", "indirect", "管理费"]],
        columns=["code", "name_zh", "name_en", "group", "aliases"],
    )
    lines = seed_tables["budget_lines"].copy()
    lines.loc[0, "category"] = "管理费"
    tables = {**seed_tables, "categories": extra, "budget_lines": lines}
    ds = load(write_tables(tmp_path, tables))
    assert ds.lines.loc[0, "category"] == "indirect"
    assert "equipment" in set(ds.categories["code"])


def test_thousands_separators_and_full_width_digits(tmp_path, seed_tables):
    projects = seed_tables["projects"].copy()
    projects.loc[0, "total"] = "２４０"
    projects.loc[1, "total"] = "270.00"
    lines = seed_tables["budget_lines"].copy()
    lines.loc[0, ["total", "unit"]] = ["1,700,000", "元"]
    ds = load(write_tables(tmp_path, {**seed_tables, "projects": projects, "budget_lines": lines}))
    assert ds.projects.loc[0, "total"] == 240
    assert ds.lines.loc[0, "total"] == 170


# --- derived figures -----------------------------------------------------------------


def test_self_raised_or_total_is_derived_when_only_one_is_given(tmp_path, seed_tables):
    projects = seed_tables["projects"].copy()
    projects.loc[0, ["self_raised", "total"]] = ["188", ""]
    projects.loc[1, ["self_raised", "total"]] = ["", ""]  # determined by its lines: 270
    ds = load(write_tables(tmp_path, {**seed_tables, "projects": projects}))
    p = ds.projects.set_index("organization")
    assert p.loc["北塑管业", ["total", "self_raised", "derived"]].tolist() == [240, 188, "total"]
    assert p.loc["天成科技", ["total", "self_raised"]].tolist() == [270, 190]
    assert p.loc["天成科技", "derived"] == "total+self_raised"


# --- unusable input ------------------------------------------------------------------


def input_error(folder) -> InputError:
    with pytest.raises(InputError) as caught:
        load(folder)
    return caught.value


def test_missing_folder_and_missing_file(tmp_path, seed_copy):
    assert input_error(tmp_path / "nowhere").kind == "missing_file"
    (seed_copy / "budget_lines.csv").unlink()
    error = input_error(seed_copy)
    assert error.kind == "missing_file"
    assert error.file.endswith("budget_lines.csv")


def test_missing_column_names_file_and_column(tmp_path, seed_tables):
    projects = seed_tables["projects"].rename(columns={"special": "specail"})
    error = input_error(write_tables(tmp_path, {**seed_tables, "projects": projects}))
    assert (error.kind, error.column, error.row) == ("missing_column", "special", 1)
    assert error.file.endswith("projects.csv")


def test_text_in_a_number_names_row_and_column(tmp_path, seed_tables):
    lines = seed_tables["budget_lines"].copy()
    lines.loc[4, "total"] = "约5万"
    error = input_error(write_tables(tmp_path, {**seed_tables, "budget_lines": lines}))
    assert (error.kind, error.row, error.column, error.found) == (
        "not_a_number",
        6,
        "total",
        "约5万",
    )
    assert "budget_lines.csv, row 6, column total" in error.message()


@pytest.mark.parametrize("text", ["nan", "inf", "1.2.3", "--5"])
def test_things_that_look_like_numbers_are_refused(tmp_path, seed_tables, text):
    projects = seed_tables["projects"].copy()
    projects.loc[2, "special"] = text
    error = input_error(write_tables(tmp_path, {**seed_tables, "projects": projects}))
    assert (error.kind, error.row, error.column) == ("not_a_number", 4, "special")


def test_unknown_unit(tmp_path, seed_tables):
    lines = seed_tables["budget_lines"].copy()
    lines.loc[2, "unit"] = "千元"
    error = input_error(write_tables(tmp_path, {**seed_tables, "budget_lines": lines}))
    assert (error.kind, error.row, error.column, error.found) == ("unknown_unit", 4, "unit", "千元")


def test_amount_finer_than_a_fen(tmp_path, seed_tables):
    lines = seed_tables["budget_lines"].copy()
    lines.loc[0, "total"] = "170.0000001"
    error = input_error(write_tables(tmp_path, {**seed_tables, "budget_lines": lines}))
    assert (error.kind, error.row, error.column) == ("too_precise", 2, "total")


def test_broken_encoding_names_the_row(seed_copy):
    path = seed_copy / "projects.csv"
    data = path.read_bytes().split(b"\n")
    data[3] = data[3] + b"\xff\xfe\x80"
    path.write_bytes(b"\n".join(data))
    error = input_error(seed_copy)
    assert (error.kind, error.row) == ("bad_encoding", 4)


def test_utf16_and_binary_files_are_refused(seed_copy):
    path = seed_copy / "projects.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-16")
    assert input_error(seed_copy).kind == "bad_encoding"
    path.write_bytes(b"PK\x03\x04\x00\x00binary")
    assert input_error(seed_copy).kind == "bad_encoding"


def test_empty_file(seed_copy):
    (seed_copy / "budget_lines.csv").write_bytes(b"")
    error = input_error(seed_copy)
    assert error.kind == "empty_file"
    assert error.file.endswith("budget_lines.csv")


def test_projects_without_rows_are_unusable(seed_copy):
    path = seed_copy / "projects.csv"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    assert input_error(seed_copy).kind == "empty_file"


def test_ragged_row_names_its_line(seed_copy):
    path = seed_copy / "budget_lines.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[5] += ",extra"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    error = input_error(seed_copy)
    assert (error.kind, error.row) == ("malformed", 6)


def test_row_numbers_count_blank_lines(seed_copy):
    path = seed_copy / "budget_lines.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(3, "")  # a blank line 4: the text after it starts one line lower
    lines[7] = "XYCX-2021-01,差旅费,abc,0,万元,,,"  # file line 8
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    error = input_error(seed_copy)
    assert (error.kind, error.row, error.column) == ("not_a_number", 8, "total")


def test_bad_year_and_missing_id(tmp_path, seed_tables):
    projects = seed_tables["projects"].copy()
    projects.loc[1, "year"] = "二〇二一"
    error = input_error(write_tables(tmp_path / "a", {**seed_tables, "projects": projects}))
    assert (error.kind, error.row, error.column) == ("bad_value", 3, "year")
    projects = seed_tables["projects"].copy()
    projects.loc[3, "project_id"] = ""
    error = input_error(write_tables(tmp_path / "b", {**seed_tables, "projects": projects}))
    assert (error.kind, error.row, error.column) == ("missing_value", 5, "project_id")


def test_workbook_errors_name_the_sheet(tmp_path, seed_tables):
    book = tmp_path / "data.xlsx"
    with pd.ExcelWriter(book) as writer:
        seed_tables["projects"].to_excel(writer, sheet_name="projects", index=False)
    error = input_error(book)
    assert error.kind == "missing_file"
    assert "sheet budget_lines" in error.file
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(b"not a zip file")
    assert input_error(damaged).kind == "malformed"


def test_workbook_cell_errors_use_excel_row_numbers(tmp_path, seed_tables):
    book = tmp_path / "data.xlsx"
    lines = seed_tables["budget_lines"].copy()
    lines.loc[9, "special"] = "见附件"
    with pd.ExcelWriter(book) as writer:
        seed_tables["projects"].to_excel(writer, sheet_name="projects", index=False)
        lines.to_excel(writer, sheet_name="budget_lines", index=False)
    error = input_error(book)
    assert (error.kind, error.row, error.column) == ("not_a_number", 11, "special")
    assert "sheet budget_lines" in error.file


def test_workbook_cells_read_as_openpyxl_reads_them(tmp_path):
    # The workbook is read with calamine for speed; each kind of cell an analyst's workbook
    # may hold must come out as the same text openpyxl gives.
    book = tmp_path / "cells.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "projects"
    rows = [
        ["project_id", "year", "special", "note"],
        ["A", 2021, 0.1 + 0.2, "设备费"],
        [None, None, None, None],
        ["B", 2021.0, 12345678901234, "  spaced  "],
        ["C", "2021", 1e-7, datetime.datetime(2021, 5, 3)],
        ["D", 2021, True, "=1+2"],
        ["E", 2021, "007", None],
        ["F", 2021, 5.0, "#DIV/0!"],
        ["G", 2021, -0.0, "   "],
        ["H", 2021, 123.456, 1.5],
    ]
    for row in rows:
        sheet.append(row)
    sheet["E13"] = "a stray cell below and to the right"
    workbook.save(book)
    read = {
        engine: pd.read_excel(book, sheet_name=None, dtype=str, engine=engine)
        for engine in ("calamine", "openpyxl")
    }
    pd.testing.assert_frame_equal(read["calamine"]["projects"], read["openpyxl"]["projects"])


def test_workbook_row_numbers_count_blank_rows(tmp_path, seed_tables):
    book = tmp_path / "data.xlsx"
    lines = seed_tables["budget_lines"].copy()
    lines.loc[9, "special"] = "见附件"
    blank = pd.DataFrame([[""] * len(lines.columns)], columns=lines.columns)
    lines = pd.concat([lines.iloc[:4], blank, blank, lines.iloc[4:]], ignore_index=True)
    with pd.ExcelWriter(book) as writer:
        seed_tables["projects"].to_excel(writer, sheet_name="projects", index=False)
        lines.to_excel(writer, sheet_name="budget_lines", index=False)
    error = input_error(book)
    assert (error.kind, error.row, error.column) == ("not_a_number", 13, "special")


def test_datapackage_describes_every_bundled_column():
    package = json.loads((SEED / "datapackage.json").read_text(encoding="utf-8"))
    assert package["currency"] == "CNY"
    for resource in package["resources"]:
        table = pd.read_csv(SEED / resource["path"], dtype=str, keep_default_na=False)
        fields = resource["schema"]["fields"]
        assert [f["name"] for f in fields] == list(table.columns)
        amounts = SPECS[resource["name"]].amounts
        for field in fields:
            values = table[field["name"]][table[field["name"]] != ""]
            if field["name"] in amounts:  # money, as the loader reads it
                assert field["type"] == "number"
                assert field["factor"] == 10000 and field["currency"] == "CNY"
                assert field["phase"] in ("approved", "executed")
            if field["type"] == "number":
                pd.to_numeric(values)  # raises if a value is not a number
            if field["type"] == "integer":
                assert values.str.fullmatch(r"\d+").all()
            if "enum" in field.get("constraints", {}):
                assert set(values) <= set(field["constraints"]["enum"])


# --- the typed reading of clean files and the careful reading agree ------------------


def _both_readings(folder: Path):
    from analysis.read.load import _load

    return _load(folder, typed=True), _load(folder, typed=False)


def _assert_same(typed, careful) -> None:
    for table in ("projects", "lines", "programs", "categories"):
        pd.testing.assert_frame_equal(getattr(typed, table), getattr(careful, table))


def _variant(tmp_path: Path, seed_tables, change) -> Path:
    tables = {name: table.copy() for name, table in seed_tables.items()}
    change(tables)
    return write_tables(tmp_path / "variant", tables)


def test_typed_reading_is_taken_for_clean_files(seed_copy):
    from analysis.read.columns import SPECS
    from analysis.read.csvfile import read_typed as _read_typed

    for name in ("projects", "budget_lines", "programs"):
        assert _read_typed(seed_copy / f"{name}.csv", SPECS[name]) is not None


@pytest.mark.parametrize(
    "case",
    ["seed", "yuan_and_spaces", "crlf_bom_blank_lines", "extra_and_missing_columns", "gbk"],
)
def test_typed_and_careful_readings_give_the_same_data(tmp_path, seed_tables, case):
    from analysis.read.columns import SPECS
    from analysis.read.csvfile import read_typed as _read_typed

    def yuan_and_spaces(tables):
        lines = tables["budget_lines"]
        lines["total"] = [str(int(Decimal(v) * 10_000)) for v in lines["total"]]
        lines["special"] = [f" {v} " if v else v for v in lines["special"]]
        lines["unit"] = "元"
        lines.loc[0, "unit"] = " 元 "
        lines.loc[1, "category"] = " 材料费"  # a spelling with spaces: stripped either way

    def extra_and_missing_columns(tables):
        tables["budget_lines"].insert(0, "remark", "x")
        tables["projects"] = tables["projects"].drop(columns=["title"])

    changes = {
        "seed": lambda tables: None,
        "yuan_and_spaces": yuan_and_spaces,
        "extra_and_missing_columns": extra_and_missing_columns,
    }
    folder = _variant(tmp_path, seed_tables, changes.get(case, lambda tables: None))
    if case == "crlf_bom_blank_lines":
        lines = folder / "budget_lines.csv"
        text = lines.read_text(encoding="utf-8").replace("\n", "\r\n", 3).replace("\n", "\n\n", 1)
        lines.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    if case == "gbk":  # both readings turn GBK into UTF-8 first
        projects = folder / "projects.csv"
        projects.write_bytes(projects.read_text(encoding="utf-8").encode("gbk"))
        assert _read_typed(projects, SPECS["projects"]) is not None
    typed, careful = _both_readings(folder)
    _assert_same(typed, careful)
    assert measure(typed).categories.equals(measure(careful).categories)


@pytest.mark.parametrize("cell", ["nan", "inf", "1e400", "   "])
def test_cells_the_typed_reading_declines_get_the_careful_error(tmp_path, seed_tables, cell):
    from analysis.read.columns import SPECS
    from analysis.read.csvfile import read_typed as _read_typed

    def change(tables):
        tables["budget_lines"].loc[2, "total"] = cell

    folder = _variant(tmp_path, seed_tables, change)
    assert _read_typed(folder / "budget_lines.csv", SPECS["budget_lines"]) is None
    with pytest.raises(InputError) as raised:
        load(folder)
    assert "budget_lines.csv" in str(raised.value) and "total" in str(raised.value)


def test_a_broken_byte_in_a_column_not_used_still_refuses_the_file(tmp_path, seed_tables):
    def change(tables):
        tables["budget_lines"].insert(0, "remark", "备注")

    folder = _variant(tmp_path, seed_tables, change)
    lines = folder / "budget_lines.csv"
    lines.write_bytes(lines.read_bytes().replace("备注".encode(), b"\xe5\xa4", 1))
    with pytest.raises(InputError) as raised:
        load(folder)
    assert raised.value.kind == "bad_encoding" and "budget_lines.csv" in str(raised.value)


# One record: an id, a note (maybe quoted, maybe over two lines, maybe with "" inside, maybe
# with a quote inside an unquoted cell) and an amount; between records, blank lines.
_cells = st.sampled_from(["备注", '"a, b"', '"two\nlines"', '"say ""hi"""', 'he said "x"', ""])
_records = st.lists(
    st.tuples(_cells, st.sampled_from(["", "\n", "\r\n", "\n\n"])), min_size=1, max_size=12
)


@settings(max_examples=150, deadline=None)
@given(records=_records, crlf=st.booleans(), final_newline=st.booleans())
def test_row_numbers_without_reading_row_by_row_match_reading_row_by_row(
    records, crlf, final_newline
):
    from analysis.read.csvfile import _line_numbers, _line_numbers_read, _read_text

    end = "\r\n" if crlf else "\n"
    text = "project_id,note,total" + end
    for i, (note, blank) in enumerate(records):
        text += f"P{i},{note},{i}{end}{blank}"
    if not final_newline:
        text = text.rstrip("\r\n")
    utf8 = text.encode("utf-8")
    n_rows = len(_read_text(utf8))
    assert n_rows == len(records)
    expected = _line_numbers_read(utf8, n_rows)
    with mock.patch("analysis.read.csvfile._line_numbers_read", wraps=_line_numbers_read) as read:
        assert _line_numbers(utf8, n_rows).tolist() == expected.tolist()
    # Only a quote inside an unquoted cell may send it back to reading row by row.
    assert not read.called or any(note == 'he said "x"' for note, _ in records)


def test_a_blank_line_at_the_end_keeps_the_typed_reading_and_the_row_numbers(seed_copy):
    from analysis.read.columns import SPECS
    from analysis.read.csvfile import read_typed as _read_typed

    path = seed_copy / "budget_lines.csv"
    path.write_bytes(path.read_bytes() + b"\n\n")
    table = _read_typed(path, SPECS["budget_lines"])
    assert table is not None
    assert table["source_row"].tolist() == list(range(2, len(table) + 2))
