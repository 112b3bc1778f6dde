"""Measures on the seed, against figures computed by hand from the report, and their invariants."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.measure.measures import measure
from analysis.read.load import load, select
from analysis.words.formats import leverage, multiplier, percent, wan
from tests.conftest import write_tables


@pytest.fixture(scope="module")
def seed():
    return measure(load())


def project(ms, organization: str) -> pd.Series:
    return ms.projects.set_index("organization").loc[organization]


def test_beisu_leverage_is_self_raised_over_special(seed):
    p = project(seed, "北塑管业")
    # 公司预算投入 240 万元（专项经费：52 万元）: self-raised 240 − 52 = 188.
    assert p["special"] == 52
    assert p["self_raised"] == 188
    assert p["total"] == 240
    assert p["leverage"] == pytest.approx(188 / 52)
    assert leverage(p["leverage"]) == "1 : 3.62"
    assert p["multiplier"] == pytest.approx(240 / 52)
    assert multiplier(p["multiplier"]) == "4.62"


def test_multiplier_is_one_plus_leverage_for_every_seed_project(seed):
    p = seed.projects
    assert np.allclose(p["multiplier"], 1 + p["leverage"])


@pytest.mark.parametrize(
    ("organization", "special", "total"),
    [("北塑管业", 52, 240), ("天成科技", 80, 270), ("鸿城节能", 42, 62), ("可得电子", 26, 100)],
)
def test_project_shares_from_the_report(seed, organization, special, total):
    p = project(seed, organization)
    assert p["special"] == special
    assert p["total"] == total
    assert p["special_share"] == pytest.approx(special / total)
    assert p["self_raised_share"] == pytest.approx((total - special) / total)


def test_hongcheng_counts_fully_without_lines(seed):
    p = project(seed, "鸿城节能")
    # 专项资金 42 万元 + 自筹预算 20 万元; actual 22 万元 = 110% of budget.
    assert (p["special"], p["self_raised"], p["total"]) == (42, 20, 62)
    assert p["execution_rate"] == pytest.approx(22 / 20)
    assert p["n_lines"] == 0
    rows = seed.categories[seed.categories["project_id"] == p["project_id"]]
    assert rows["category"].tolist() == ["unallocated"]
    assert rows["total"].tolist() == [62]
    assert rows["special"].tolist() == [42]


def test_program_figures_are_ratios_of_sums(seed):
    program = seed.programs.iloc[0]
    assert program["n_projects"] == 4
    assert program["special"] == 200
    assert program["self_raised"] == 472
    assert program["total"] == 672
    assert program["declared_special"] == 200
    assert program["leverage"] == pytest.approx(472 / 200)
    assert program["multiplier"] == pytest.approx(672 / 200)
    assert program["special_share"] == pytest.approx(200 / 672)
    # The mean of the four projects' leverages would be wrong: it is not what we report.
    assert program["leverage"] != pytest.approx(seed.projects["leverage"].mean())
    # Only 鸿城节能 reports an actual figure: 22 against 20.
    assert program["execution_rate"] == pytest.approx(22 / 20)


def test_category_share_and_special_coverage(seed):
    rows = seed.categories.set_index(["project_id", "category"])
    equipment = rows.loc[("XYCX-2021-01", "equipment")]
    assert equipment["total"] == 170
    assert equipment["category_share"] == pytest.approx(170 / 240)
    assert equipment["special_coverage"] == pytest.approx(32 / 170)
    assert equipment["special_split"] == pytest.approx(32 / 52)
    travel = rows.loc[("XYCX-2021-02", "travel")]
    assert travel["total"] == 5  # the corrected 5 元 line, entered as 5 万元


def test_program_by_category_and_unallocated(seed):
    by = seed.by_category.set_index("category")
    assert by.loc["equipment", "total"] == 170 + 125
    assert by.loc["equipment", "special"] == 32 + 60
    assert by.loc["materials", "total"] == 42 + 93 + 87
    assert by.loc["unallocated", "total"] == 62
    assert by.loc["unallocated", "category_share"] == pytest.approx(62 / 672)
    assert by["total"].sum() == pytest.approx(672)
    assert by["special"].sum() == pytest.approx(200)


def test_reform_groups(seed):
    groups = seed.groups.set_index(["project_id", "group"])
    # 天成科技: 业务费 = 材料 93 + 测试 5 + 燃料动力 20 + 差旅 5 + 会议 2 + 其他 20.
    assert groups.loc[("XYCX-2021-02", "business"), "total"] == 145
    assert groups.loc[("XYCX-2021-02", "business"), "special"] == 20
    # 北塑管业: 劳务费 group = 专家咨询费 20; 可得电子: 劳务费 5.
    assert groups.loc[("XYCX-2021-01", "labor"), "total"] == 20
    assert groups.loc[("XYCX-2021-04", "labor"), "total"] == 5
    program = seed.by_group.set_index("group")
    assert program.loc["equipment", "total"] == 295
    assert program.loc["labor", "total"] == 25
    assert program["total"].sum() == pytest.approx(672)


def test_people_format_two_decimals_and_thousands():
    assert wan(1234567.891) == "1,234,567.89"
    assert wan(float("nan")) == ""
    assert percent(200 / 672) == "29.8%"
    assert leverage(472 / 200) == "1 : 2.36"


def test_years_and_select(tmp_path, seed_tables):
    tables = dict(seed_tables)
    second = tables["projects"].iloc[[0]].assign(project_id="Y2022-01", year="2022", special="10")
    tables["projects"] = pd.concat([tables["projects"], second], ignore_index=True)
    tables["programs"] = pd.concat(
        [tables["programs"], tables["programs"].assign(year="2022", special_total="10")]
    )
    ds = load(write_tables(tmp_path, tables))
    years = measure(ds).years.set_index("year")
    assert years.loc[2021, "special"] == 200
    assert years.loc[2022, "special"] == 10
    assert years.loc[2022, "total"] == 240  # 北塑's 240 total copied with special 10
    only = measure(select(ds, year=2022)).projects
    assert only["project_id"].tolist() == ["Y2022-01"]


# --- invariants ----------------------------------------------------------------------

UNITS = {"元": Decimal(100), "万元": Decimal(1_000_000), "亿元": Decimal(10_000_000_000)}


def as_unit(fen: int, unit: str) -> str:
    """Return an amount of 分 written exactly in the unit."""
    return format(Decimal(fen) / UNITS[unit], "f")


project_strategy = st.tuples(
    st.integers(min_value=1, max_value=10**11),  # special, in 分
    st.lists(  # lines: (total, special share numerator) in 分
        st.tuples(st.integers(0, 10**11), st.integers(0, 100)), min_size=0, max_size=6
    ),
    st.integers(min_value=0, max_value=10**11),  # extra self-raised for projects without lines
)


def build_tables(projects, unit: str) -> dict[str, pd.DataFrame]:
    project_rows, line_rows = [], []
    categories = ["设备费", "materials", "testing", "差旅费", "labor", "专家咨询费"]
    for i, (special, lines, extra) in enumerate(projects):
        pid = f"P{i:03d}"
        if lines:
            totals = [t for t, _ in lines]
            specials = [t * s // 100 for t, s in lines]
            gap = special - sum(specials)
            # Put the project's special fund into the lines so that they reconcile exactly.
            totals[0] += max(gap, 0)
            specials[0] += max(gap, 0)
            special = sum(specials)
            total = sum(totals)
            for j, (t, s) in enumerate(zip(totals, specials, strict=True)):
                line_rows.append([pid, categories[j], as_unit(t, unit), as_unit(s, unit), unit])
        else:
            total = special + extra
        special = max(special, 1)
        total = max(total, special)
        project_rows.append(
            [
                pid,
                "2021",
                "测试计划",
                f"单位{i}",
                "",
                as_unit(special, unit),
                "",
                as_unit(total, unit),
                "",
                unit,
            ]
        )
    projects_df = pd.DataFrame(
        project_rows,
        columns=["project_id", "year", "program", "organization", "title", "special",
                 "self_raised", "total", "self_raised_actual", "unit"],
    )  # fmt: skip
    lines_df = pd.DataFrame(
        line_rows, columns=["project_id", "category", "total", "special", "unit"]
    )
    return {"projects": projects_df, "budget_lines": lines_df}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(project_strategy, min_size=1, max_size=6))
def test_shares_sum_to_one_and_multiplier_is_one_plus_leverage(tmp_path_factory, projects):
    folder = write_tables(tmp_path_factory.mktemp("p"), build_tables(projects, "元"))
    ms = measure(load(folder))
    p = ms.projects
    assert np.allclose(p["special_share"] + p["self_raised_share"], 1)
    assert np.allclose(p["multiplier"], 1 + p["leverage"])
    shares = ms.categories.groupby("project_id")["category_share"].sum()
    assert np.allclose(shares[p.set_index("project_id")["total"] > 0], 1)
    program = ms.programs.iloc[0]
    assert program["total"] == pytest.approx(p["total"].sum(), rel=0, abs=1e-6)
    assert np.isclose(ms.by_category["category_share"].sum(), 1)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(project_strategy, min_size=1, max_size=5))
def test_the_same_table_in_any_unit_gives_identical_measures(tmp_path_factory, projects):
    results = []
    for unit in UNITS:
        folder = write_tables(tmp_path_factory.mktemp(unit), build_tables(projects, unit))
        results.append(measure(load(folder)))
    for other in results[1:]:
        for name in ("projects", "categories", "by_category", "programs"):
            left = getattr(results[0], name)
            right = getattr(other, name)
            pd.testing.assert_frame_equal(left, right, check_exact=True)
