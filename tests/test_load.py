"""Loading: encodings, workbooks, units, category spellings, derived figures, unusable input."""

from __future__ import annotations

import csv
import datetime
import io
import json
import tempfile
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
from analysis.words.vocabulary import CATEGORIES, fen
from tests.conftest import SEED, read_seed_tables, write_tables

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


@pytest.mark.parametrize("end", ["\n", "\r\n"])
@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_cell_over_several_lines_is_one_row(tmp_path, seed_tables, end, encoding):
    projects = seed_tables["projects"].copy()
    projects.loc[0, "title"] = "空心玻璃微珠填充改性\n超高分子量\n聚乙烯管材"  # row 2, three lines
    projects.loc[2, "special"] = "四十二"  # row 4, on the file's line 6
    folder = tmp_path / "data"
    write_tables(folder, {**seed_tables, "projects": projects})
    (folder / "projects.csv").write_bytes(
        (folder / "projects.csv").read_text(encoding="utf-8").replace("\n", end).encode(encoding)
    )
    error = input_error(folder)
    assert (error.kind, error.row, error.column) == ("not_a_number", 4, "special")


def test_a_ragged_row_after_a_cell_over_two_lines_is_named_by_its_row(seed_copy):
    path = seed_copy / "projects.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("北塑管业", '"北塑\n管业"')
    lines[3] += ",one field too many"  # row 4, on the file's line 5
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    error = input_error(seed_copy)
    assert (error.kind, error.row) == ("malformed", 4)


def test_a_broken_byte_after_a_cell_over_two_lines_is_named_by_its_row(seed_copy):
    path = seed_copy / "projects.csv"
    text = path.read_text(encoding="utf-8").replace("北塑管业", '"北塑\n管业"')
    lines = text.encode("utf-8").split(b"\n")
    lines[4] += b"\xff\xfe\x80"  # row 4, on the file's line 5
    path.write_bytes(b"\n".join(lines))
    error = input_error(seed_copy)
    assert (error.kind, error.row) == ("bad_encoding", 4)


REPEATED_COLUMNS = {
    "projects-special": ("projects", "special", "special"),
    "projects-special-spelt-otherwise": ("projects", "special", " Special "),
    "projects-optional-title": ("projects", "title", "ＴＩＴＬＥ"),
    "lines-total": ("budget_lines", "total", "total"),
    "programs-special_total": ("programs", "special_total", "special_total"),
}


@pytest.mark.parametrize(
    ("table", "name", "header"), REPEATED_COLUMNS.values(), ids=REPEATED_COLUMNS
)
@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_column_given_twice_is_refused(tmp_path, seed_tables, table, name, header, encoding):
    rows = seed_tables[table].copy()
    rows.insert(len(rows.columns), header, "99", allow_duplicates=True)
    folder = write_tables(tmp_path, {**seed_tables, table: rows}, encoding=encoding)
    error = input_error(folder)
    assert (error.kind, error.row, error.column) == ("repeated", 1, name)
    assert error.file.endswith(f"{table}.csv") and "appears twice" in error.message()


def test_a_column_given_twice_in_a_workbook_sheet_is_refused(tmp_path, seed_tables):
    book = tmp_path / "book.xlsx"
    projects = seed_tables["projects"].copy()
    projects.insert(len(projects.columns), "special", "99", allow_duplicates=True)
    with pd.ExcelWriter(book) as writer:
        for name, table in {**seed_tables, "projects": projects}.items():
            table.to_excel(writer, sheet_name=name, index=False)
    error = input_error(book)
    assert (error.kind, error.row, error.column) == ("repeated", 1, "special")
    assert "sheet projects" in error.file


def test_empty_header_cells_are_not_a_column_given_twice(tmp_path, seed_tables):
    projects = seed_tables["projects"].copy()
    projects.insert(len(projects.columns), "", "", allow_duplicates=True)
    projects.insert(len(projects.columns), " ", "", allow_duplicates=True)
    assert len(load(write_tables(tmp_path, {**seed_tables, "projects": projects})).projects) == 4


@pytest.mark.parametrize("other", ["Projects.csv", "PROJECTS.CSV", "projects.CSV"])
def test_two_files_whose_names_differ_only_in_case_are_refused(seed_copy, other):
    (seed_copy / other).write_bytes((seed_copy / "projects.csv").read_bytes())
    error = input_error(seed_copy)
    assert error.kind == "repeated"
    assert other in error.message() and "projects.csv" in error.message()


@pytest.mark.parametrize("other", [" projects ", "projects.csv", "Projects.CSV"])
def test_two_sheets_for_one_table_are_refused(tmp_path, seed_tables, other):
    book = tmp_path / "book.xlsx"
    with pd.ExcelWriter(book) as writer:
        for name, table in seed_tables.items():
            table.to_excel(writer, sheet_name=name, index=False)
        seed_tables["projects"].to_excel(writer, sheet_name=other, index=False)
    error = input_error(book)
    assert error.kind == "repeated" and repr(other) in error.message()


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


# --- numbers: separators in groups of three, amounts within a bound -------------------


@pytest.mark.parametrize(
    "text", ["52,5", "1e5,0", "5 2", "1,23,456", "1,2345", ",123", "1,,234", "1.234,5", "12,34.5"]
)
def test_a_thousands_separator_must_group_by_three(tmp_path, seed_tables, text):
    projects = seed_tables["projects"].copy()
    projects.loc[1, "special"] = text  # spreadsheet row 3
    error = input_error(write_tables(tmp_path, {**seed_tables, "projects": projects}))
    assert (error.kind, error.row, error.column, error.found) == (
        "not_a_number",
        3,
        "special",
        text,
    )


@pytest.mark.parametrize(
    ("text", "wan"),
    [("1,234", 1234), ("1,234,567.5", 1234567.5), ("-1,234", -1234), ("１，２３４", 1234)],
)
def test_thousands_separators_in_groups_of_three_are_read(tmp_path, seed_tables, text, wan):
    projects = seed_tables["projects"].copy()
    projects.loc[1, "self_raised_actual"] = text
    ds = load(write_tables(tmp_path, {**seed_tables, "projects": projects}))
    assert ds.projects.loc[1, "self_raised_actual"] == wan


@pytest.mark.parametrize(
    ("table", "column", "value", "unit", "row"),
    [
        ("projects", "special", "1e308", "元", 3),
        ("projects", "special", "1e308", "亿元", 3),  # inf once in 分
        ("projects", "total", "4500000000.01", "万元", 3),  # just beyond 4.5e9 万元
        ("projects", "self_raised_actual", "-1e20", "万元", 3),
        ("budget_lines", "special", "45000000000000000000", "元", 3),
        ("programs", "special_total", "1e13", "万元", 2),
    ],
)
def test_an_amount_beyond_the_bound_is_refused(
    tmp_path, seed_tables, table, column, value, unit, row
):
    rows = seed_tables[table].copy()
    rows.loc[row - 2, [column, "unit"]] = [value, unit]
    error = input_error(write_tables(tmp_path, {**seed_tables, table: rows}))
    assert (error.kind, error.row, error.column) == ("out_of_range", row, column)
    assert error.file.endswith(f"{table}.csv") and "4,500,000,000 万元" in error.message()


def test_amounts_that_add_up_beyond_the_bound_are_refused_where_they_cross_it(
    tmp_path, seed_tables
):
    lines = seed_tables["budget_lines"].copy()
    lines.loc[[0, 1, 2], "total"] = ["2000000000", "2000000000", "600000000"]  # 4.6e9 万元
    error = input_error(write_tables(tmp_path, {**seed_tables, "budget_lines": lines}))
    assert (error.kind, error.row, error.column) == ("out_of_range", 4, "total")
    assert "add up to" in error.message()


def test_amounts_up_to_the_bound_add_up_to_the_fen(tmp_path, seed_tables):
    # 4.4e9 万元 and 0.01 元: the sum is a whole number of 分 beyond what float64 holds
    # exactly as 万元 fractions, and exact as 分.
    projects = seed_tables["projects"].copy()
    projects.loc[0, ["special", "self_raised", "total", "unit"]] = ["4400000000.01", "", "", "万元"]
    projects.loc[1, ["special", "self_raised", "total", "unit"]] = ["0.01", "", "", "元"]
    projects["self_raised_actual"] = ""
    ds = load(write_tables(tmp_path, {**seed_tables, "projects": projects}))
    special = fen(ds.projects["special"])
    assert int(special.sum()) == 4_400_000_000_010_000 + 1 + sum(int(x) for x in special[2:])


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
def test_row_numbers_are_the_rows_a_spreadsheet_shows_read_either_way(records, crlf, final_newline):
    from analysis.read.csvfile import _read_text, _row_numbers, _row_numbers_read

    end = "\r\n" if crlf else "\n"
    text = "project_id,note,total" + end
    for i, (note, blank) in enumerate(records):
        text += f"P{i},{note},{i}{end}{blank}"
    if not final_newline:
        text = text.rstrip("\r\n")
    utf8 = text.encode("utf-8")
    n_rows = len(_read_text(utf8))
    assert n_rows == len(records)
    # The rows a spreadsheet shows: one per record, however many lines its note takes, and
    # an empty row per blank line.
    shown = [2 + i + sum(blank.count("\n") for _, blank in records[:i]) for i in range(n_rows)]
    assert _row_numbers_read(utf8, n_rows).tolist() == shown
    with mock.patch("analysis.read.csvfile._row_numbers_read", wraps=_row_numbers_read) as read:
        assert _row_numbers(utf8, n_rows).tolist() == shown
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


# --- whatever the tables hold: a data set or an input error, nothing else ------------------

ODD_CELLS = ["", " ", "1e308", "-1e308", "inf", "nan", "1,23", "52,5", "1,234", "１２", "--5",
             "1" * 40, "9" * 400, "0x10", "\x00", "\x07", "\u202e", "=1+2", '"', '""', "a\nb",
             "元", "亿元", "千元", "设备费", "2021", "二〇二一", "-0", "1e-9",
             "\ufeff5"]  # fmt: skip
_cell = st.one_of(st.sampled_from(ODD_CELLS), st.text(max_size=8))
_encoding = st.sampled_from(["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "latin-1"])


@st.composite
def _table_bytes(draw, name: str) -> bytes:
    """The bundled table, damaged: cells, headers, rows and bytes changed at random."""
    rows = [list(row) for row in [SEED_ROWS[name][0], *SEED_ROWS[name][1:]]]
    for _ in range(draw(st.integers(1, 5))):
        r = draw(st.integers(0, len(rows) - 1))
        op = draw(st.sampled_from(["cell", "cell", "header", "twice", "ragged", "row", "drop"]))
        if op == "cell" and rows[r]:
            rows[r][draw(st.integers(0, len(rows[r]) - 1))] = draw(_cell)
        elif op == "header":
            rows[0][draw(st.integers(0, len(rows[0]) - 1))] = draw(
                st.sampled_from([*SEED_ROWS[name][0], "SPECIAL", " Total ", ""])
            )
        elif op == "twice" and rows[0]:  # a column given twice, filled below
            again = draw(st.sampled_from(rows[0]))
            rows = [[*rows[0], again], *([*row, draw(_cell)] for row in rows[1:])]
        elif op == "ragged":
            rows[r] = [*rows[r], draw(_cell)] if draw(st.booleans()) else rows[r][:-1]
        elif op == "row":
            rows.insert(draw(st.integers(1, len(rows))), draw(st.lists(_cell, max_size=12)))
        elif op == "drop" and len(rows) > 1:
            rows.pop(draw(st.integers(1, len(rows) - 1)))
    end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = "".join(",".join(row) + end for row in rows)
    if draw(st.booleans()):  # quoted as a CSV writer would
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator=end).writerows(rows)
        text = buffer.getvalue()
    data = text.encode(draw(_encoding), errors="replace")
    if draw(st.integers(0, 9)) == 0:
        data = draw(st.binary(max_size=300))
    return data


SEED_ROWS = {
    name: [list(read_seed_tables()[name].columns), *read_seed_tables()[name].values.tolist()]
    for name in ("projects", "budget_lines", "programs", "categories")
}


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_malformed_tables_give_a_data_set_or_an_input_error(data):
    damaged = data.draw(st.lists(st.sampled_from(sorted(SEED_ROWS)), min_size=1, max_size=3))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, rows in SEED_ROWS.items():
            table = data.draw(_table_bytes(name)) if name in damaged else None
            if table is None:
                buffer = io.StringIO()
                csv.writer(buffer, lineterminator="\n").writerows(rows)
                table = buffer.getvalue().encode("utf-8")
            (folder / f"{name}.csv").write_bytes(table)
        try:
            ds = load(folder)
        except InputError as error:
            assert error.message().count("\n") == 0
        else:
            assert len(ds.projects) >= 1


_value = st.one_of(
    _cell,
    st.floats(),
    st.integers(-(2**62), 2**62),
    st.booleans(),
    st.datetimes(min_value=datetime.datetime(1900, 3, 1)),
    st.sampled_from(["=1/0", "=A1", '=HYPERLINK("http://x","y")']),
)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_malformed_workbooks_give_a_data_set_or_an_input_error(data):
    book = Workbook()
    book.remove(book.active)
    for name, rows in SEED_ROWS.items():
        spelling = data.draw(st.sampled_from([name, name.title(), f"{name}.csv", None]))
        if spelling is None or spelling in book.sheetnames:
            continue
        sheet = book.create_sheet(spelling)
        for row in rows:
            sheet.append([_plain(v) for v in row])
    for _ in range(data.draw(st.integers(0, 8))):
        if not book.sheetnames:
            book.create_sheet("Sheet")
        sheet = book[data.draw(st.sampled_from(book.sheetnames))]
        r, c = data.draw(st.integers(1, 15)), data.draw(st.integers(1, 14))
        value = data.draw(_value)
        if isinstance(value, str):
            value = "".join(ch for ch in value if ch >= " " or ch in "\t\n\r")
        sheet.cell(row=r, column=c).value = value
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "book.xlsx"
        book.save(path)
        try:
            ds = load(path)
        except InputError as error:
            assert error.message().count("\n") == 0
        else:
            assert len(ds.projects) >= 1


def _plain(text: str) -> object:
    try:
        return float(text) if text.strip() else None
    except ValueError:
        return text
