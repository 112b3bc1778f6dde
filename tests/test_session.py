"""The analyst's entry point: fa.open, tables for people, charts that leave no trace."""

from __future__ import annotations

import math

import matplotlib
import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pandas as pd
import pytest

import analysis as fa
from analysis import draw
from analysis.draw import theme
from analysis.errors import InputError
from analysis.measure import charts
from tests.conftest import write_tables

requires_cjk = pytest.mark.skipif(
    theme.find_cjk_font() is None, reason="needs a CJK font (CI installs fonts-noto-cjk)"
)


@pytest.fixture(scope="module")
def a():
    return fa.open()


def test_open_works_each_thing_out_once_and_shares_the_facts(a):
    fresh = fa.open()
    assert "measures" not in fresh.__dict__ and "findings" not in fresh.__dict__
    findings = fresh.findings
    # check() worked out which project each line belongs to; measure reuses it.
    ids_worked_out = fresh.data.__dict__["_ids"]
    measures = fresh.measures
    assert fresh.data.__dict__["_ids"] is ids_worked_out
    assert fresh.findings is findings and fresh.measures is measures
    assert fresh.reconciliation["ok"].all()


def test_the_seeds_leverage_is_self_raised_over_special(a):
    beisu = a.measures.projects.set_index("project_id").loc["XYCX-2021-01"]
    assert beisu["leverage"] == pytest.approx(188 / 52)
    assert charts.overall(a.measures.projects)["leverage"] == pytest.approx(472 / 200)


def test_a_filter_that_matches_nothing_names_what_exists():
    with pytest.raises(InputError) as error:
        fa.open(program="nope")
    assert "县域创新跃升计划" in str(error.value) and "nope" in str(error.value)
    with pytest.raises(InputError) as error:
        fa.open(year=2020)
    assert "2021" in str(error.value)
    with pytest.raises(InputError) as error:
        fa.open().project("XYCX-2099-01")
    assert "XYCX-2021-01" in str(error.value)


def test_empty_parameters_of_a_notebook_keep_everything():
    assert len(fa.open(program="", year=0).measures.projects) == 4


def test_a_table_for_people_prints_as_people_read_and_keeps_its_numbers(a):
    table = a.table("projects")
    assert list(table.columns[:3]) == ["项目编号", "承担单位", "专项资金"]
    assert table.index[0] == 1
    text = repr(table)
    assert "1 : 3.62" in text and "21.7%" in text and "240.00" in text
    # Numbers stay numbers: what an analyst sums or writes to Excel is the figure itself.
    assert table["专项资金"].sum() == pytest.approx(200.0)
    assert table["撬动比"].iloc[0] == pytest.approx(188 / 52)
    html = table._repr_html_()
    # For reading: figures right and whole, ids unbroken, headers kept whole, no index
    # column, a figure nobody gave as "—", the unit above the table.
    assert '<td class="num">1 : 3.62</td>' in html and '<td class="num">240.00</td>' in html
    assert '<td class="code">XYCX-2021-01</td>' in html
    assert '<th class="num" scope="col">专项资金</th>' in html
    assert "<td>1</td>" not in html and 'scope="row"' not in html
    assert '<td class="num">—</td>' in html and "万元" in html
    assert "word-break:keep-all" in html and "white-space:nowrap" in html


def test_codes_are_named_in_the_chosen_language():
    english = fa.open(lang="en")
    table = english.table("by_category")
    assert "Category" in table.columns
    assert "Fuel and power" in set(table["Category"]) and "Unallocated" in set(table["Category"])
    assert "燃料动力费" in set(fa.open().table("by_category")["预算科目"])
    # Raw measures keep their codes, for pivots and filters.
    assert "fuel_power" in set(english.measures.by_category["category"])


def test_library_calls_leave_global_state_as_the_user_left_it(a, tmp_path):
    plt.ion()
    try:
        rc = dict(matplotlib.rcParams)
        options = {k: pd.get_option(k) for k in ("display.width", "display.max_colwidth")}
        for name in fa.session.CHARTS:
            a.chart(name, show=False)
            plt.close("all")  # twenty charts: more open figures than pyplot likes
        fa.open(output_dir=tmp_path).chart("leverage")  # shown and saved as files
        assert (tmp_path / "figures" / "leverage.svg").is_file()
        repr(a.table("projects"))
        draw.funding_split(a.measures.projects)
        assert matplotlib.is_interactive()
        changed = {k for k, v in matplotlib.rcParams.items() if rc[k] != v}
        assert not changed, changed
        assert options == {k: pd.get_option(k) for k in options}
    finally:
        plt.ioff()
        plt.close("all")


def test_every_chart_draws_the_table_it_returns(a):
    numbers = a.chart("funding_split", show=False)
    ax = plt.gcf().axes[0]
    special = [bar.get_width() for bar in ax.containers[0]]
    np.testing.assert_allclose(special, numbers["专项资金"].to_numpy())
    plt.close("all")


def test_an_unknown_chart_is_a_usage_error(a):
    with pytest.raises(InputError, match="leverage"):
        a.chart("pie")


def test_a_project_is_its_own_slice(a):
    p = a.project("XYCX-2021-02")
    assert set(p.measures.categories["project_id"]) == {"XYCX-2021-02"}
    comparison = p.comparison()
    assert list(comparison["承担单位"]) == ["天成科技", "计划整体"]
    assert comparison["撬动比"].iloc[1] == pytest.approx(472 / 200)


@requires_cjk
def test_set_theme_gives_the_users_own_charts_a_cjk_font():
    saved = dict(matplotlib.rcParams)
    try:
        assert fa.set_theme() is None
        assert matplotlib.rcParams["font.family"][0] == theme.find_cjk_font()
        assert matplotlib.rcParams["axes.unicode_minus"] is False
        fig, ax = plt.subplots()
        pd.Series([1, 2], index=["设备费", "材料费"]).plot.bar(ax=ax)
        fig.canvas.draw()
        assert ax.get_xticklabels()[0].get_fontname() == theme.find_cjk_font()
        plt.close(fig)
    finally:
        matplotlib.rcParams.update(saved)


def test_names_with_dollars_and_control_characters_are_drawn_as_typed(seed_tables, tmp_path):
    tables = dict(seed_tables)
    projects = tables["projects"].copy()
    projects.loc[0, "organization"] = r"$\undefinedcmd$"
    projects.loc[1, "organization"] = "Cost $5 and $6 Ltd"
    projects.loc[2, "organization"] = "北塑\x07管业"
    tables["projects"] = projects
    a = fa.open(write_tables(tmp_path / "data", tables), lang="en")
    for name in fa.session.CHARTS:
        a.chart(name, show=False)
        figure = plt.gcf()
        figure.canvas.draw()  # mathematics would be parsed (and fail) here
        texts = [t.get_text() for ax in figure.axes for t in ax.get_yticklabels()]
        plt.close(figure)
        if name == "funding_split":
            shown = [t.replace("\\$", "$") for t in texts]
            assert "Cost $5 and $6 Ltd" in shown and r"$\undefinedcmd$" in shown


def test_a_negative_line_or_a_program_of_zeros_still_draws_every_chart(seed_tables, tmp_path):
    negative = dict(seed_tables)
    lines = negative["budget_lines"].copy()
    lines.loc[0, "total"] = "-" + lines.loc[0, "total"]
    negative["budget_lines"] = lines
    zeros = {name: table.copy() for name, table in seed_tables.items()}
    for name, columns in {"projects": ["special", "self_raised", "total", "self_raised_actual"],
                          "budget_lines": ["total", "special"],
                          "programs": ["special_total"]}.items():  # fmt: skip
        for column in columns:
            filled = zeros[name][column].ne("")
            zeros[name].loc[filled, column] = "0"
    for label, tables in (("negative", negative), ("zeros", zeros)):
        a = fa.open(write_tables(tmp_path / label, tables))
        assert "R01" in set(a.findings["rule"]) or label == "zeros"
        for name in fa.session.CHARTS:
            numbers = a.chart(name, show=False)
            assert isinstance(numbers, pd.DataFrame)
            plt.close("all")
    flow = charts.flow(fa.open(write_tables(tmp_path / "negative2", negative)).measures.categories)
    assert flow.attrs["left_out"] >= 1


def test_in_a_real_kernel_a_plain_chart_displays_after_library_charts(tmp_path):
    from nbclient import NotebookClient

    from analysis.report.execute import kernel_manager_class

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import analysis as fa\na = fa.open()"),
        nbformat.v4.new_code_cell('a.chart("funding_split")'),
        nbformat.v4.new_code_cell('a.chart("leverage")'),
        nbformat.v4.new_code_cell('a.chart("flow")'),
        nbformat.v4.new_code_cell(
            "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([1, 2], [3, 1])"
        ),
        nbformat.v4.new_code_cell("import matplotlib\nmatplotlib.is_interactive()"),
    ]
    NotebookClient(
        nb,
        kernel_name="python3",
        kernel_manager_class=kernel_manager_class(),
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()

    def pictures(cell) -> int:
        return sum("image/png" in o.get("data", {}) for o in cell.outputs)

    assert [pictures(c) for c in nb.cells[1:5]] == [1, 1, 1, 1]
    assert nb.cells[5].outputs[0]["data"]["text/plain"] == "True"


def test_tables_print_no_figure_as_an_empty_cell(a):
    table = a.table("projects")
    execution = table["自筹执行率"]  # self_raised_execution_rate, once execution_rate
    assert math.isnan(execution.iloc[0]) and execution.iloc[2] == pytest.approx(1.1)
    assert "110.0%" in repr(table)


def test_a_long_table_shows_its_first_rows_and_says_how_many_there_are(seed_tables, tmp_path):
    from analysis.report.page import read_table
    from tests.conftest import write_tables

    a = fa.open(write_tables(tmp_path / "data", seed_tables))
    table = a.table("categories")  # the seed's 18 lines, and 未分项 for 鸿城节能
    assert len(table) == 19
    with pd.option_context("display.max_rows", 12, "display.min_rows", 6):
        html = table._repr_html_()
    read = read_table(html)
    assert len(read.rows) == 6 and read.total == len(table)
    assert f"共 {len(table)} 行，此处列出前 6 行" in html
    # As the user left pandas: no limit, every row.
    with pd.option_context("display.max_rows", None):
        assert read_table(table._repr_html_()).total is None
        assert len(read_table(table._repr_html_()).rows) == len(table)
