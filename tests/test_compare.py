"""Across years, programs, organizations and regions: the comparisons a province reads.

A small province written here, with every sum worked out by hand below, and the benchmark
generator's province (2,000 projects, five programs, six years, thirty counties) checked
against sums taken independently of the library.

The small province: two programs (A, B) in 2019, 2020 and 2022 (no 2021), three regions
(东城, 西城, and one project that names none), and 甲公司 funded in all three years.

    id  year program org    region  special  total  (self-raised = total - special)
    P1  2019  A      甲公司  东城     100      400    300
    P2  2019  A      乙公司  西城      50      150    100
    P3  2019  B      乙公司  西城      20      100     80
    P4  2020  B      甲公司  东城      80      200    120
    P5  2020  A      丙公司  (none)    30       60     30
    P6  2022  A      甲公司  东城      60      300    240   (written in 元)
    P7  2022  B      丁公司  西城      40      100     60
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import analysis as fa
from analysis import draw
from analysis.draw import theme
from analysis.errors import InputError
from analysis.measure import compare
from analysis.measure.scope import Scope, scope_of
from analysis.words.formats import years_text
from analysis.words.vocabulary import fen
from tests.conftest import benchmark_generator, run_cli, write_tables

requires_cjk = pytest.mark.skipif(
    theme.find_cjk_font() is None, reason="needs a CJK font (CI installs fonts-noto-cjk)"
)

PROJECTS = [
    # project_id, year, program, organization, region, special, total, unit
    ("P1", 2019, "A", "甲公司", "东城", "100", "400", "万元"),
    ("P2", 2019, "A", "乙公司", "西城", "50", "150", "万元"),
    ("P3", 2019, "B", "乙公司", "西城", "20", "100", "万元"),
    ("P4", 2020, "B", "甲公司", "东城", "80", "200", "万元"),
    ("P5", 2020, "A", "丙公司", "", "30", "60", "万元"),
    ("P6", 2022, "A", "甲公司", "东城", "600000", "3000000", "元"),
    ("P7", 2022, "B", "丁公司", "西城", "40", "100", "万元"),
]


def province_tables() -> dict[str, pd.DataFrame]:
    projects = pd.DataFrame(
        PROJECTS,
        columns=["project_id", "year", "program", "organization", "region", "special", "total",
                 "unit"],
    )  # fmt: skip
    projects.insert(4, "title", "")
    # One line per project, all of it equipment; P5 has none (unallocated).
    lines = projects[projects["project_id"].ne("P5")][["project_id", "total", "special", "unit"]]
    lines = lines.assign(category="设备费", note="")
    return {"projects": projects, "budget_lines": lines}


@pytest.fixture(scope="module")
def province(tmp_path_factory) -> Path:
    return write_tables(tmp_path_factory.mktemp("province"), province_tables())


@pytest.fixture(scope="module")
def a(province):
    return fa.open(province)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def row(table: pd.DataFrame, column: str, value) -> pd.Series:
    (found,) = [i for i, v in enumerate(table[column]) if v == value]
    return table.iloc[found]


# --- per year, organization and region, by hand -------------------------------------------


def test_per_year_sums_are_the_hand_sums(a):
    years = a.measures.years.set_index("year")
    assert list(years.index) == [2019, 2020, 2022]  # only the years present: no 2021 of zeros
    assert years.loc[2019, ["n_projects", "special", "self_raised", "total"]].tolist() == [
        3, 170, 480, 650,
    ]  # fmt: skip
    assert years.loc[2020, ["special", "self_raised", "total"]].tolist() == [110, 150, 260]
    # P6 is in 元: 600,000 元 = 60 万元 special of 3,000,000 元 = 300 万元.
    assert years.loc[2022, ["special", "self_raised", "total"]].tolist() == [100, 300, 400]
    assert years.loc[2019, "leverage"] == pytest.approx(480 / 170)


def test_organizations_are_one_row_each_with_the_years_they_appear_in(a):
    organizations = a.measures.organizations
    assert list(organizations["organization"]) == ["甲公司", "乙公司", "丁公司", "丙公司"]
    jia = row(organizations, "organization", "甲公司")
    assert (jia["n_projects"], jia["n_programs"], jia["n_years"]) == (3, 2, 3)
    assert (jia["first_year"], jia["last_year"]) == (2019, 2022)
    assert jia["years_present"] == "2019, 2020, 2022"
    assert (jia["special"], jia["self_raised"], jia["total"]) == (240, 660, 900)
    assert jia["leverage"] == pytest.approx(660 / 240)  # a ratio of sums: 2.75
    assert jia["multiplier"] == pytest.approx(900 / 240)
    assert jia["special_share"] == pytest.approx(240 / 900)
    yi = row(organizations, "organization", "乙公司")  # two projects in one year, two programs
    assert (yi["n_projects"], yi["n_programs"], yi["n_years"]) == (2, 2, 1)
    assert yi["years_present"] == "2019"
    assert (yi["special"], yi["self_raised"], yi["total"]) == (70, 180, 250)
    # Not the mean of P2's 2.0 and P3's 4.0 (3.0): 180 / 70.
    assert yi["leverage"] == pytest.approx(180 / 70)


def test_regions_sum_their_projects_and_the_unnamed_come_last(a):
    regions = a.measures.regions
    assert list(regions["region"]) == ["东城", "西城", ""]
    east, west, none = (regions.iloc[i] for i in range(3))
    assert (east["special"], east["self_raised"], east["total"]) == (240, 660, 900)
    assert (west["n_projects"], west["n_organizations"]) == (3, 2)
    assert west["years_present"] == "2019, 2022"
    assert (west["special"], west["self_raised"], west["total"]) == (110, 240, 350)
    assert west["leverage"] == pytest.approx(240 / 110)
    assert (none["n_projects"], none["special"], none["total"]) == (1, 30, 60)
    # Every project is in exactly one region row: the rows add up to the province.
    assert regions["special"].sum() == 380 and regions["total"].sum() == 1_310


def test_people_read_an_unnamed_region_as_not_given(a):
    table = a.table("regions")
    assert list(table["地区"]) == ["东城", "西城", "未填"]
    assert "Not given" not in repr(table) and "not given" in repr(
        fa.open(a.data.source, lang="en").table("regions")
    )


def test_returning_organizations_are_those_funded_in_more_than_one_year(a):
    returning = compare.returning(a.measures.organizations)
    assert list(returning["organization"]) == ["甲公司"]
    table = a.returning()
    assert list(table["承担单位"]) == ["甲公司"] and table["年度数"].iloc[0] == 3


def test_year_over_year_change_is_against_the_year_before_in_the_data(a):
    changes = compare.changes(a.measures.years).set_index("year")
    assert np.isnan(changes.loc[2019, "special_change"])
    assert changes.loc[2020, "previous_year"] == 2019
    assert changes.loc[2020, "special_change"] == -60
    assert changes.loc[2020, "special_change_pct"] == pytest.approx(-60 / 170)
    assert changes.loc[2020, "total_change"] == -390
    assert changes.loc[2020, "n_projects_change"] == -1
    # 2021 is missing: 2022 is compared with 2020, and says so.
    assert changes.loc[2022, "previous_year"] == 2020
    assert changes.loc[2022, "self_raised_change"] == 150
    assert changes.loc[2022, "self_raised_change_pct"] == pytest.approx(1.0)
    assert changes.loc[2022, "leverage_change"] == pytest.approx(3.0 - 150 / 110)
    shown = repr(a.changes())
    assert "+100.0%" in shown and "-35.3%" in shown and "-60.00" in shown


def test_trend_ratios_are_ratios_of_each_program_years_sums(a):
    table = compare.trend_ratios(a.measures.projects)
    # All programs first, then the larger program (A: 240 万元 of special fund) before B.
    assert list(table["program"]) == [compare.ALL_PROGRAMS] * 3 + ["A"] * 3 + ["B"] * 3
    a_2019 = table[table["program"].eq("A") & table["year"].eq(2019)].iloc[0]
    assert a_2019["leverage"] == pytest.approx(400 / 150)  # P1 and P2: (300 + 100) / (100 + 50)
    assert a_2019["special_share"] == pytest.approx(150 / 550)
    every_2022 = table[table["program"].eq(compare.ALL_PROGRAMS) & table["year"].eq(2022)]
    assert every_2022["leverage"].iloc[0] == pytest.approx(3.0)
    assert table.attrs["missing_years"] == (2021,)


def test_year_structure_is_each_years_whole_budget(a):
    table = compare.year_structure(a.measures.by_category)
    shares = table.groupby("year")["category_share"].sum()
    assert shares.to_numpy() == pytest.approx([1.0, 1.0, 1.0])
    in_2020 = table[table["year"].eq(2020)].set_index("category")["total"]
    assert in_2020.to_dict() == {"equipment": 200, "unallocated": 60}  # P5 has no lines


def test_spread_prints_quartiles_of_the_projects_and_the_ratio_of_sums(a):
    table = compare.spread(a.measures.projects, "leverage")
    summary = table.attrs["summary"].set_index("program")
    # Program A's projects: P5 1.0, P2 2.0, P1 3.0, P6 4.0 (linear interpolation).
    assert summary.loc["A", ["leverage_p25", "leverage_median", "leverage_p75"]].tolist() == [
        pytest.approx(1.75), pytest.approx(2.5), pytest.approx(3.25),
    ]  # fmt: skip
    assert summary.loc["A", "leverage"] == pytest.approx(670 / 240)
    # Program B: P4 1.5, P7 1.5, P3 4.0.
    assert summary.loc["B", "leverage_median"] == pytest.approx(1.5)
    assert summary.loc["B", "leverage"] == pytest.approx(260 / 140)
    size = compare.spread(a.measures.projects, "total", by="year").attrs["summary"]
    assert list(size["year"]) == [2019, 2020, 2022]
    assert size["total_mean"].tolist() == pytest.approx([650 / 3, 130, 200])


# --- scope -----------------------------------------------------------------------------------


def test_scope_names_years_and_programs_only_when_there_are_several(a):
    scope = scope_of(a.data.projects)
    assert scope.text("zh") == "2019、2020、2022 年 2 个计划"
    assert scope.text("en") == "2 programs, 2019, 2020, 2022"
    assert scope.missing_years() == (2021,)
    assert scope.reference("1 : 2.45", "zh") == "2019、2020、2022 年 2 个计划合计 1 : 2.45"
    one = Scope(("县域创新跃升计划",), (2021,))
    assert one.text("zh") == "" and one.titled("各项目撬动比") == "各项目撬动比"
    assert one.reference("1 : 2.36") == "计划整体 1 : 2.36"
    years = Scope(("县域创新跃升计划",), (2019, 2020, 2021, 2022, 2023, 2024))
    assert years.text("zh") == "2019–2024 年县域创新跃升计划"
    assert (
        Scope(("甲", "乙", "丙", "丁", "戊"), tuple(range(2019, 2025))).reference("1 : 2.81")
        == "2019–2024 年 5 个计划合计 1 : 2.81"
    )
    assert years_text([2024, 2019, 2020, 2021, 2023]) == "2019–2021, 2023, 2024"


def test_every_chart_title_names_its_scope(a):
    scope = "2019、2020、2022 年 2 个计划"
    for name in fa.session.CHARTS:
        a.chart(name, show=False)
        figure = plt.gcf()
        titles = [ax.get_title(loc="left") for ax in figure.axes] + [
            figure._suptitle.get_text() if figure._suptitle else ""
        ]
        assert any(t.startswith(scope + "：") for t in titles), (name, titles)
        plt.close("all")


def test_the_leverage_reference_says_what_it_is_the_ratio_over(a):
    ax = draw.leverage_bars(a.measures.projects)
    texts = [t.get_text() for t in ax.texts]
    assert "2019、2020、2022 年 2 个计划合计 1 : 2.45" in texts  # 930 / 380


def test_tables_say_their_scope_above_them(a):
    table = a.table("years")
    assert repr(table).splitlines()[0] == "2019、2020、2022 年 2 个计划"
    assert (
        '<caption>2019、2020、2022 年 2 个计划<span class="fa-unit">单位：万元</span></caption>'
        in (table._repr_html_())
    )
    numbers = a.chart("leverage", show=False)
    assert numbers.caption == "2019、2020、2022 年 2 个计划"


def test_the_seeds_titles_and_tables_say_no_scope():
    seed = fa.open()
    assert seed.scope.text() == ""
    assert draw.leverage_bars(seed.measures.projects).get_title(loc="left") == "各项目撬动比"
    assert not repr(seed.table("projects")).startswith("2021")


# --- one year -----------------------------------------------------------------------------


def test_one_year_is_said_plainly_not_drawn_as_a_trend():
    seed = fa.open()
    assert "只有 2021 年一个年度" in seed.coverage()
    assert "没有可比较的上一年度" in repr(seed.changes())
    assert "没有在一个以上年度获得资助的单位" in repr(seed.returning())
    figure = draw.trend_panels(seed.measures.projects)
    assert not any(ax.lines for ax in figure.axes)  # bars, not a line through one point
    assert "仅 2021 年一个年度：不构成趋势" in figure._supxlabel.get_text()
    ax = draw.years_bars(seed.measures.projects)
    assert "仅 2021 年一个年度" in "\n".join(t.get_text() for t in ax.texts)


# --- drawn as measured ---------------------------------------------------------------------


def test_money_per_year_stands_at_the_years_present(a):
    ax = draw.years_bars(a.measures.projects)
    special, self_raised = ax.containers
    assert [p.get_x() + p.get_width() / 2 for p in special] == pytest.approx([2019, 2020, 2022])
    assert [p.get_height() for p in special] == [170, 110, 100]
    assert [p.get_height() for p in self_raised] == [480, 150, 300]
    assert list(ax.get_xticks()) == [2019, 2020, 2022]
    assert "缺少 2021 年的数据" in "\n".join(t.get_text() for t in ax.texts)


def test_small_multiples_break_where_a_year_is_missing(a):
    figure = draw.trend_panels(a.measures.projects)
    panels = [ax for ax in figure.axes if ax.lines]
    assert len(panels) == 3 * 2  # all programs, A, B × leverage, special share
    first = panels[0].lines[0]
    assert list(first.get_xdata()) == [2019, 2020, 2021, 2022]
    assert np.isnan(first.get_ydata()[2])  # no line across 2021
    assert first.get_ydata()[0] == pytest.approx(480 / 170)
    # Leverage panels share one y axis, special-share panels another: never one for both.
    lev, share = panels[0], panels[1]
    assert lev.get_shared_y_axes().joined(lev, panels[2])
    assert not lev.get_shared_y_axes().joined(lev, share)


def test_box_plots_draw_the_quartiles_printed_under_them(a):
    numbers = a.chart("leverage_spread", show=False)
    ax = plt.gcf().axes[0]
    boxes = [p for p in ax.patches if p.get_path().vertices.size]
    drawn = sorted(
        (round(p.get_path().vertices[:, 0].min(), 9), round(p.get_path().vertices[:, 0].max(), 9))
        for p in boxes
    )
    printed = sorted(
        zip(numbers["撬动比下四分位数"].round(9), numbers["撬动比上四分位数"].round(9), strict=True)
    )
    assert drawn == printed
    reference = next(c for c in ax.collections if c.get_gid() == "reference")
    assert reference.get_offsets()[:, 0].tolist() == pytest.approx(numbers["撬动比"].tolist())


@requires_cjk
@pytest.mark.parametrize(
    "chart",
    ["years", "trends", "years_by_category", "leverage_spread", "special_share_spread",
     "size_spread"],
)  # fmt: skip
def test_comparison_charts_of_a_generated_province_fit_and_have_every_glyph(province_2000, chart):
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        province_2000.chart(chart, show=False)
        figure = plt.gcf()
        figure.canvas.draw()
    assert not [w for w in caught if "Glyph" in str(w.message)]
    box = figure.get_tightbbox(figure.canvas.get_renderer())
    width, height = figure.get_size_inches()
    assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= width + 1e-9 and box.y1 <= height + 1e-9


def test_a_distribution_is_drawn_the_same_twice(a, tmp_path):
    written = []
    for run in ("first", "second"):
        ax = draw.spread(a.measures.projects, measure="leverage")  # dots placed by swarmplot
        written.append(draw.save(ax.figure, tmp_path / run / "spread"))
        plt.close(ax.figure)
    for first, second in zip(*written, strict=True):
        assert first.read_bytes() == second.read_bytes()


# --- filters and the command line -----------------------------------------------------------


def test_a_region_filter_keeps_its_projects_and_declares_nothing(a, province):
    west = fa.open(province, region="西城")
    assert sorted(west.data.projects["project_id"]) == ["P2", "P3", "P7"]
    assert west.data.programs.empty  # a program's declared total is not a region's
    assert west.scope.one_region == "西城"
    assert "地区：西城" in west.coverage()
    # A chart of a table that keeps no region (per year and category) still names it.
    assert west.chart("years_by_category", show=False).caption == "西城 2019、2022 年 2 个计划"
    with pytest.raises(InputError) as error:
        fa.open(province, region="南城")
    assert "东城" in str(error.value) and "西城" in str(error.value)
    with pytest.raises(InputError, match="region column"):
        fa.open(region="东城")  # the bundled data names no region


def test_metrics_by_organization_and_region(province):
    result = run_cli("metrics", "--data", str(province), "--by", "organization", "--format", "csv")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout), keep_default_na=False)
    assert list(table.columns[:8]) == [
        "organization", "n_projects", "n_programs", "n_years", "first_year", "last_year",
        "years_present", "special",
    ]  # fmt: skip
    assert table.set_index("organization").loc["甲公司", "total"] == 900
    result = run_cli("metrics", "--data", str(province), "--by", "region", "--format", "json")
    data = json.loads(result.stdout)
    assert data["scope"] == {"programs": ["A", "B"], "years": [2019, 2020, 2022]}
    assert [r["region"] for r in data["rows"]] == ["东城", "西城", ""]
    result = run_cli("metrics", "--data", str(province), "--by", "region")
    lines = result.stdout.splitlines()
    assert lines[0] == "2019、2020、2022 年 2 个计划" and lines[1] == "单位：万元"
    assert "未填" in result.stdout
    result = run_cli("metrics", "--data", str(province), "--by", "organization", "--region", "东城")
    assert result.returncode == 0 and "乙公司" not in result.stdout and "甲公司" in result.stdout
    result = run_cli("metrics", "--by", "region", "--region", "东城")
    assert result.returncode == 2 and "region" in result.stderr and "Traceback" not in result.stderr


# --- the generator's province ---------------------------------------------------------------


@pytest.fixture(scope="module")
def generated_2000(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("province2000")
    benchmark_generator().generate(2_000, out, seed=11, violations=0, regions=True)
    return out


@pytest.fixture(scope="module")
def province_2000(generated_2000):
    return fa.open(generated_2000)


def test_generated_regions_change_nothing_else(tmp_path):
    generate = benchmark_generator().generate
    generate(300, tmp_path / "plain", seed=3)
    generate(300, tmp_path / "regions", seed=3, regions=True)
    plain = pd.read_csv(tmp_path / "plain" / "projects.csv", dtype=str, keep_default_na=False)
    with_regions = pd.read_csv(tmp_path / "regions" / "projects.csv", dtype=str,
                               keep_default_na=False)  # fmt: skip
    pd.testing.assert_frame_equal(with_regions.drop(columns="region"), plain)
    assert (with_regions["region"] == with_regions["organization"].str[:2] + "县").all()
    for name in ("budget_lines.csv", "programs.csv"):
        assert (tmp_path / "plain" / name).read_bytes() == (
            tmp_path / "regions" / name
        ).read_bytes()


def independent_sums(folder: Path, key: str) -> pd.DataFrame:
    """Return special and total in 分 per key, summed from the raw CSV with pandas alone."""
    raw = pd.read_csv(folder / "projects.csv", dtype=str, keep_default_na=False)
    factor = raw["unit"].map({"元": 100, "万元": 1_000_000, "": 1_000_000})
    special = (raw["special"].astype(float) * factor).round()
    # Rows without a total give self_raised (total = special + self_raised) or neither
    # (total = the sum of their lines).
    lines = pd.read_csv(folder / "budget_lines.csv", dtype=str, keep_default_na=False)
    line_factor = lines["unit"].map({"元": 100, "万元": 1_000_000, "": 1_000_000})
    line_sums = (
        ((lines["total"].astype(float) * line_factor).round()).groupby(lines["project_id"]).sum()
    )
    total = pd.Series(np.nan, index=raw.index)
    given = raw["total"].ne("")
    total[given] = (raw.loc[given, "total"].astype(float) * factor[given]).round()
    self_given = ~given & raw["self_raised"].ne("")
    total[self_given] = (
        special[self_given]
        + (raw.loc[self_given, "self_raised"].astype(float) * factor[self_given]).round()
    )
    neither = ~given & ~self_given
    total[neither] = raw.loc[neither, "project_id"].map(line_sums)
    keys = raw[key].astype(int) if key == "year" else raw[key]
    table = pd.DataFrame({key: keys, "special": special, "total": total})
    return table.groupby(key).agg(n=("special", "size"), special=("special", "sum"),
                                  total=("total", "sum"))  # fmt: skip


@pytest.mark.parametrize(
    ("key", "table"), [("year", "years"), ("organization", "organizations"), ("region", "regions")]
)
def test_generated_sums_per_year_organization_and_region(generated_2000, province_2000, key, table):
    expected = independent_sums(generated_2000, key)
    measured = getattr(province_2000.measures, table).set_index(key)
    assert len(measured) == len(expected)
    measured = measured.loc[expected.index]
    assert measured["n_projects"].tolist() == expected["n"].tolist()
    assert fen(measured["special"]).tolist() == expected["special"].tolist()
    assert fen(measured["total"]).tolist() == expected["total"].tolist()


def test_generated_organizations_come_back_over_the_years(province_2000):
    organizations = province_2000.measures.organizations
    returning = compare.returning(organizations)
    assert len(returning) > 20  # 5,760 names for 2,000 projects: some come back
    projects = province_2000.measures.projects
    years = projects.groupby("organization")["year"].nunique()
    assert (
        returning.set_index("organization")["n_years"] == years[returning["organization"]]
    ).all()
    assert (years[organizations["organization"]].to_numpy() == organizations["n_years"]).all()
    assert province_2000.scope.text() == "2019–2024 年 5 个计划"
    assert province_2000.coverage().startswith(
        "数据范围：2019–2024 年，6 个年度，5 个计划，2,000 个项目。"
    )
