"""The tables a run writes: CSV text built by pyarrow is exactly the text pandas writes,
and what is meant for Excel holds text as typed and never a formula."""

from __future__ import annotations

import csv
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from analysis.check.reconcile import reconciliation
from analysis.check.rules import check
from analysis.measure.measures import measure
from analysis.read.load import load
from analysis.report.tables import (
    csv_text,
    measure_tables,
    neutralized,
    write_csv,
    write_workbook,
)
from analysis.report.xlsx import text_cell

FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e7, max_value=1e7).map(lambda x: round(x, 2)),  # 万元 as given
    st.floats(min_value=1e9, max_value=1e17).map(lambda x: x + 0.5),  # long numbers
    st.sampled_from([0.0, -0.0, 1e-4, 9.999e-5, 1.5e-5, 1e13, 1e15, 1e16, 10000000000.5, 33.0]),
)
TEXT = st.one_of(st.none(), st.text(alphabet=st.sampled_from('a1 ,"\n\r科目；\t'), max_size=6))


def pandas_csv(table: pd.DataFrame) -> str:
    return table.to_csv(index=False, lineterminator="\n")


@settings(max_examples=500, deadline=None)
@given(
    floats=st.lists(FLOATS, min_size=0, max_size=20),
    data=st.data(),
)
def test_csv_text_is_what_pandas_writes(floats, data):
    n = len(floats)
    texts = data.draw(st.lists(TEXT, min_size=n, max_size=n))
    integers = data.draw(st.lists(st.integers(-(2**62), 2**62), min_size=n, max_size=n))
    flags = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    table = pd.DataFrame(
        {
            "amount": np.array(floats, dtype=np.float64),
            "名称, 说明": pd.array(texts, dtype="str"),
            "n": np.array(integers, dtype=np.int64),
            "flag": np.array(flags, dtype=bool),
        }
    )
    assert csv_text(table) == pandas_csv(table)


def test_csv_text_of_every_measure_table_is_what_pandas_writes():
    ms = measure(load())
    for name in ("projects", "categories", "groups", "by_category", "by_group", "programs"):
        table = getattr(ms, name)
        assert csv_text(table) == pandas_csv(table), name


def test_other_kinds_of_column_are_left_to_pandas():
    table = pd.DataFrame({"when": pd.to_datetime(["2021-05-03"]), "x": [math.pi]})
    assert csv_text(table) == pandas_csv(table)
    single = pd.DataFrame({"note": pd.array(["", None], dtype="str")})
    assert csv_text(single) == pandas_csv(single)


# --- files for Excel: text stays text, shown as typed (issue 12, items 14 and 18) ----------

FORMULAS = ['=HYPERLINK("http://x","click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)",
            "\t=1+1", "\r=2+2"]  # fmt: skip


@pytest.fixture(scope="module")
def hostile_tables() -> dict[str, pd.DataFrame]:
    """The seed's tables for a run, with formulas and control characters in names."""
    ds = load()
    projects = ds.projects.copy()
    projects["organization"] = ["北塑\x07管业", *FORMULAS[:3]]
    projects["title"] = [FORMULAS[3], FORMULAS[4], FORMULAS[5], "-5"]
    ds = type(ds)(projects, ds.lines, ds.programs, ds.categories, ds.source, ds.files)
    return measure_tables(measure(ds), check(ds), reconciliation(ds))


def test_every_text_cell_of_the_summary_is_text_as_typed(tmp_path, hostile_tables):
    book = load_workbook(write_workbook(hostile_tables, tmp_path / "summary.xlsx"))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if c.data_type == "s"}
    assert "北塑\ufffd管业" in texts  # the bell shown as a replacement character
    assert set(FORMULAS[:3]) <= texts  # as typed, not run
    numbers = [c for c in book["项目"]["C"][2:] if c.value is not None]
    assert numbers and all(isinstance(c.value, int | float) and c.data_type == "n" for c in numbers)


def test_a_workbook_cell_holds_what_excel_can_show(tmp_path):
    book = Workbook(write_only=True)
    sheet = book.create_sheet("x")
    cells = [text_cell(sheet, t) for t in ("=1+1", "a\x00b\x1fc\ud800d\ufffe", "长" * 40_000)]
    sheet.append(cells)
    book.save(tmp_path / "x.xlsx")
    values = [c.value for c in load_workbook(tmp_path / "x.xlsx")["x"][1]]
    assert values[:2] == ["=1+1", "a\ufffdb\ufffdc\ufffdd\ufffd"]
    assert len(values[2]) == 32_767 and values[2].endswith("…")


def test_csv_files_for_people_hold_no_formula(tmp_path, hostile_tables):
    write_csv(hostile_tables, tmp_path)
    raw = (tmp_path / "projects.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: Excel reads it as UTF-8
    with (tmp_path / "projects.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = {r["project_id"]: r for r in csv.DictReader(handle)}
    shown = [(r["organization"], r["title"]) for r in rows.values()]
    assert ("北塑\x07管业", "'" + FORMULAS[3]) in shown  # text as typed, unless a formula
    assert ("'" + FORMULAS[0], "'" + FORMULAS[4]) in shown
    assert ("'" + FORMULAS[1], "'" + FORMULAS[5]) in shown  # the \\r quoted, not a line end
    assert ("'" + FORMULAS[2], "-5") in shown  # a number in a text column reads as that number
    assert all(not r["title"].startswith(("=", "+", "@", "\t", "\r")) for r in rows.values())
    assert float(rows["XYCX-2021-01"]["special"]) == 52  # numbers stay numbers


def test_neutralized_touches_only_text_that_excel_would_run():
    table = pd.DataFrame({"name": pd.array(["=1", "a=1", "+1.5e3", None, "@x"], dtype="string"),
                          "amount": [-1.0, 2.0, -3.0, 4.0, 5.0]})  # fmt: skip
    shown = neutralized(table)
    assert shown["name"].tolist()[:3] == ["'=1", "a=1", "+1.5e3"]
    assert shown["name"].tolist()[4] == "'@x" and pd.isna(shown["name"].iloc[3])
    assert shown["amount"].tolist() == [-1.0, 2.0, -3.0, 4.0, 5.0]
    same = pd.DataFrame({"name": ["plain"]})
    assert neutralized(same) is same


# --- workbooks ready to print (issue 16, item 3) ---------------------------------------


@pytest.fixture(scope="module")
def seed_workbook(tmp_path_factory):
    ds = load()
    tables = measure_tables(measure(ds), check(ds), reconciliation(ds))
    path = write_workbook(tables, tmp_path_factory.mktemp("book") / "summary.xlsx", "zh")
    return load_workbook(path)


def test_the_workbook_opens_with_what_its_data_are(seed_workbook):
    assert seed_workbook.sheetnames[0] == "说明"
    about = {
        r[0].value: r[1].value for r in seed_workbook["说明"].iter_rows(min_row=2) if r[0].value
    }
    assert (
        about["数据范围"].startswith("2021 年县域创新跃升计划") and "4 个项目" in about["数据范围"]
    )
    assert "万元" in about["金额单位"]


def test_every_table_sheet_is_laid_out_for_reading_and_printing(seed_workbook):
    for sheet in seed_workbook.worksheets[1:]:
        assert sheet.freeze_panes == "A2", sheet.title
        last = sheet.cell(1, sheet.max_column).column_letter
        assert sheet.auto_filter.ref == f"A1:{last}{sheet.max_row}", sheet.title
        assert sheet.print_title_rows == "$1:$1", sheet.title
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4  # "9", A4
        for cell in sheet[1]:  # every column wide enough for its header, at least
            assert sheet.column_dimensions[cell.column_letter].width >= 6, (sheet.title, cell.value)


def test_column_widths_count_a_chinese_character_twice(seed_workbook):
    sheet = seed_workbook["计划汇总"]
    headers = {c.value: c.column_letter for c in sheet[1]}
    widths = {h: sheet.column_dimensions[letter].width for h, letter in headers.items()}
    # 县域创新跃升计划, 8 Chinese characters, takes 16 widths; 2021 four.
    assert widths["计划"] >= 16 and widths["年度"] < 8
    assert sheet[f"{headers['计划']}2"].value == "县域创新跃升计划"
    figure = sheet[f"{headers['专项资金（万元）']}2"]
    assert figure.value == 200 and figure.number_format == "#,##0.00"
