"""The performance self-evaluation: rates, scores, grades, charts and the 自评表 workbook.

Every figure in an assertion is worked out by hand from tests/evaluation_data.py, a program
of five projects written here (one per case of issue 14), or from the seed report.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import analysis as fa
from analysis import draw
from analysis.measure import evaluation, evaluation_charts
from analysis.report import run as run_module
from analysis.report.self_evaluation import write_self_evaluation
from analysis.words import scoring
from analysis.words.labels import LABELS
from analysis.words.registry import COLUMNS
from tests.conftest import run_cli
from tests.evaluation_data import evaluation_tables, write_evaluation_data


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return write_evaluation_data(tmp_path_factory.mktemp("evaluation") / "data")


@pytest.fixture(scope="module")
def a(data):
    return fa.open(data)


def project(a, project_id: str) -> pd.Series:
    return a.measures.projects.set_index("project_id").loc[project_id]


# --- rates, per project ---------------------------------------------------------------------


def test_special_execution_rate_is_special_actual_over_special(a):
    assert project(a, "PX-02")["special_execution_rate"] == pytest.approx(27 / 30)
    assert project(a, "PX-03")["special_execution_rate"] == pytest.approx(55 / 50)
    assert project(a, "PX-04")["special_execution_rate"] == pytest.approx(30 / 40)


def test_arrival_rates_are_received_over_budget(a):
    over = project(a, "PX-03")
    assert over["special_arrival_rate"] == pytest.approx(1.0)
    assert over["self_raised_arrival_rate"] == pytest.approx(110 / 100)
    assert over["self_raised_execution_rate"] == pytest.approx(120 / 100)


def test_a_figure_not_reported_has_no_rate(a):
    low = project(a, "PX-04")
    assert np.isnan(low["special_arrival_rate"]) and np.isnan(low["self_raised_execution_rate"])


def test_execution_rate_is_kept_as_an_alias_of_self_raised_execution_rate(a):
    projects = a.measures.projects
    pd.testing.assert_series_equal(
        projects["execution_rate"], projects["self_raised_execution_rate"], check_names=False
    )
    programs = a.measures.programs
    assert programs["execution_rate"].iloc[0] == programs["self_raised_execution_rate"].iloc[0]


# --- rates above project level: ratios of sums over the projects that report -----------------


def test_program_rates_are_ratios_of_sums_with_their_reporting_counts(a):
    program = a.measures.programs.iloc[0]
    # 专项到位: PX-01..03 report 40 + 30 + 50 of 40 + 30 + 50.
    assert (program["special_received"], program["special_received_budget"]) == (120, 120)
    assert program["n_special_received"] == 3
    assert program["special_arrival_rate"] == pytest.approx(1.0)
    # 专项执行: all five, 40 + 27 + 55 + 30 + 19 = 171 of 180.
    assert (program["special_actual"], program["n_special_actual"]) == (171, 5)
    assert program["special_execution_rate"] == pytest.approx(171 / 180)
    # 自筹: PX-01 and PX-03 only, 80 + 110 received and 80 + 120 spent of 80 + 100.
    assert program["self_raised_received_budget"] == 180
    assert program["self_raised_arrival_rate"] == pytest.approx(190 / 180)
    assert program["self_raised_execution_rate"] == pytest.approx(200 / 180)
    assert (program["n_self_raised_received"], program["n_self_raised_actual"]) == (2, 2)
    assert program["n_scored"] == 4


def test_people_read_a_program_rate_with_its_count(a):
    shown = repr(a.evaluation_table("program"))
    assert "95.0%（5/5 个项目报告）" in shown
    assert "111.1%（2/5 个项目报告）" in shown
    english = repr(fa.open(a.data.source, lang="en").evaluation_table("program"))
    assert "95.0% (5/5 projects reporting)" in english


def test_rates_take_any_grouping_such_as_region(a):
    # The loader of this release leaves the region column aside; the rates take any key.
    projects = a.measures.projects
    regions = projects.assign(region=evaluation_tables()["projects"]["region"].to_numpy())
    by_region = evaluation.rates(regions, ["region"]).set_index("region")
    # 东区: PX-01 and PX-02 spent 40 + 27 of 40 + 30; 西区: 55 + 30 + 19 of 50 + 40 + 20.
    assert by_region.loc["东区", "special_execution_rate"] == pytest.approx(67 / 70)
    assert by_region.loc["西区", "special_execution_rate"] == pytest.approx(104 / 110)
    assert by_region["n_special_actual"].to_dict() == {"东区": 2, "西区": 3}


def test_a_reported_actual_is_never_set_against_an_unreported_or_zero_budget(tmp_path):
    tables = evaluation_tables()
    projects = tables["projects"].copy()
    # PX-02 reports self-raised spending against a self-raised budget of 0 (rule R21).
    projects.loc[1, ["self_raised", "self_raised_actual"]] = ["0", "5"]
    a = fa.open(write_evaluation_data(tmp_path, {**tables, "projects": projects}))
    program = a.measures.programs.iloc[0]
    assert program["n_self_raised_actual"] == 2  # still PX-01 and PX-03
    assert program["self_raised_execution_rate"] == pytest.approx(200 / 180)
    assert "R21" in set(a.findings["rule"])


# --- the score --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("project_id", "parts", "score", "grade"),
    [
        ("PX-01", (10, 50, 30, 10), 100.0, "excellent"),
        ("PX-03", (10, 50, 16, 9.44), 85.44, "good"),
        ("PX-05", (9.5, 35, 24, 8), 76.5, "fair"),
        ("PX-04", (7.5, 27, 17.5, 6), 58.0, "poor"),
    ],
)
def test_score_is_execution_plus_indicators_and_its_grade(a, project_id, parts, score, grade):
    row = project(a, project_id)
    got = tuple(row[c] for c in evaluation_charts.PART_SCORES)
    assert got == pytest.approx(parts)
    assert row["score"] == pytest.approx(score)
    assert (row["grade"], row["score_status"]) == (grade, "scored")


def test_a_project_without_indicators_has_no_score_not_zero(a):
    row = project(a, "PX-02")
    assert row["execution_score"] == pytest.approx(9.0)  # its 27 / 30 still earns 9 points
    assert np.isnan(row["score"]) and pd.isna(row["grade"])
    assert row["score_status"] == "no_indicators"
    shown = a.table("projects").set_index("项目编号").loc["PX-02"]
    assert shown["评分情况"] == "无绩效指标" and np.isnan(shown["总分"])


def earned(a, project_id: str, name: str) -> float:
    ind = a.measures.indicators
    return ind[(ind["project_id"] == project_id) & (ind["indicator"] == name)]["earned"].iloc[0]


def test_indicators_score_by_their_direction(a):
    assert earned(a, "PX-03", "按期完工率") == 10  # ≥100%, 50% done: 0.5 × 20
    assert earned(a, "PX-03", "用户满意度") == pytest.approx(9.44)  # 85 / 90 × 10, rounded
    assert earned(a, "PX-03", "新建生产线") == 40  # =2, 2 built
    assert earned(a, "PX-05", "单位服务成本") == 15  # ≤5 万元, 10 spent: 5 / 10 × 30
    assert earned(a, "PX-05", "安全事故") == 20  # ≤2, actual 0: full marks
    assert earned(a, "PX-05", "技术推广") == 24  # qualitative: the evaluator's 24 of 30
    assert earned(a, "PX-04", "用户评价") == 6


def test_equal_within_the_targets_precision():
    def score(target: float, actual: float, tolerance: float) -> float:
        return scoring.indicator_scores(
            np.array(["="], dtype=object), [target], [actual], [10.0], [np.nan], [tolerance]
        )[0]

    assert score(95.5, 95.54, 0.05) == 10  # "=95.5": 95.45 to 95.55 is equal
    assert score(95.5, 95.6, 0.05) == pytest.approx(9.99)  # 95.5 / 95.6 × 10
    assert score(2, 3, 0.5) == pytest.approx(6.67)  # min(3/2, 2/3) × 10


def test_grades_at_their_bounds():
    grades = scoring.grade_of(np.array([90, 89.99, 80, 79.99, 60, 59.99, np.nan]))
    assert list(grades) == ["excellent", "good", "good", "fair", "fair", "poor", None]


def test_the_scoring_table_is_one_table_people_can_read(a):
    rules = a.scoring_rules()
    assert rules["评分项目"].tolist()[0] == "预算执行率"
    assert rules["分值"].iloc[0] == scoring.EXECUTION.points
    assert scoring.INDICATOR_POINTS == 90
    assert "min(实际完成值 ÷ 年度指标值, 1) × 分值" in rules["评分规则"].tolist()


def test_an_indicator_that_cannot_be_scored_leaves_the_total_empty_and_says_why(tmp_path):
    tables = evaluation_tables()
    indicators = tables["indicators"].copy()
    indicators.loc[0, "actual"] = ""  # PX-01's 开展技术培训 without its actual
    a = fa.open(write_evaluation_data(tmp_path, {**tables, "indicators": indicators}))
    row = project(a, "PX-01")
    assert np.isnan(row["score"]) and row["score_status"] == "not_scored"
    assert "R27" in set(a.findings["rule"])


# --- budget against actual, per category ---------------------------------------------------


def test_budget_against_actual_per_category(a):
    program = a.measures.by_category_variance.set_index("category")
    # 设备费: PX-01 60 → 58 and PX-03 100 → 110; 材料费: 60 → 62 and 50 → 65.
    assert program.loc["equipment", ["budget", "actual", "variance"]].tolist() == [160, 168, 8]
    assert program.loc["equipment", "variance_share"] == pytest.approx(8 / 160)
    assert program.loc["materials", "variance_share"] == pytest.approx(17 / 110)
    assert program.loc["equipment", "special_variance"] == 5  # 45 spent of a special 40
    lines = a.measures.variance
    assert set(lines["project_id"]) == {"PX-01", "PX-03"}  # only lines that report


# --- the seed ---------------------------------------------------------------------------------


def test_seed_hongcheng_received_its_self_raised_money_in_full():
    seed = fa.open()
    hongcheng = project(seed, "XYCX-2021-03")
    assert (hongcheng["self_raised_received"], hongcheng["self_raised_actual"]) == (20, 22)
    assert hongcheng["self_raised_arrival_rate"] == 1.0
    assert hongcheng["self_raised_execution_rate"] == pytest.approx(1.1)
    program = seed.measures.programs.iloc[0]
    assert program["n_self_raised_actual"] == 1 and program["n_special_actual"] == 0
    assert set(seed.measures.projects["score_status"]) == {"no_indicators"}


def test_seed_says_which_projects_have_no_execution_figures_or_indicators():
    gaps = fa.open().evaluation_gaps()
    assert gaps["项目编号"].tolist() == [f"XYCX-2021-0{n}" for n in (1, 2, 3, 4)]
    assert gaps["评分情况"].eq("无绩效指标").all()
    assert gaps.set_index("项目编号").loc["XYCX-2021-03", "未报告的数字"] == (
        "专项资金到位数、专项资金实际支出"
    )


# --- the command line ----------------------------------------------------------------------


def test_metrics_by_indicator_lists_every_scored_indicator(data):
    result = run_cli("metrics", "--data", str(data), "--by", "indicator", "--format", "csv")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(pd.io.common.StringIO(result.stdout))
    assert len(table) == 15
    assert {"level1", "level2", "indicator", "weight", "earned", "reason"} <= set(table.columns)
    # PX-01 90, PX-03 40 + 10 + 16 + 9.44, PX-04 27 + 17.5 + 6, PX-05 15 + 20 + 24 + 8.
    assert table["earned"].sum() == pytest.approx(90 + 75.44 + 50.5 + 67)


def test_metrics_by_project_and_program_gain_the_new_columns(data):
    projects = run_cli("metrics", "--data", str(data), "--format", "csv")
    header = projects.stdout.splitlines()[0].split(",")
    assert {"special_arrival_rate", "special_execution_rate", "self_raised_arrival_rate",
            "self_raised_execution_rate", "execution_rate", "execution_score", "score",
            "grade"} <= set(header)  # fmt: skip
    programs = run_cli("metrics", "--data", str(data), "--by", "program")
    assert "95.0%（5/5 个项目报告）" in programs.stdout


# --- charts -------------------------------------------------------------------------------------


def test_arrival_and_execution_bars_are_the_rates(a):
    ax = draw.arrival_execution(a.measures.projects)
    drawn = {
        container.get_label(): [bar.get_width() for bar in container] for container in ax.containers
    }
    table = evaluation_charts.arrival_execution(a.measures.projects)
    assert table["project_id"].tolist() == ["PX-03", "PX-01", "PX-04", "PX-02", "PX-05"]
    np.testing.assert_allclose(
        drawn["专项执行率"], table["special_execution_rate"].to_numpy(), rtol=1e-12
    )
    assert any(line.get_gid() == "reference" and line.get_xdata()[0] == 1.0 for line in ax.lines)
    plt.close("all")


def test_scores_stack_their_parts_and_leave_out_the_unscored(a):
    ax = draw.scores(a.measures.projects)
    parts = [[bar.get_width() for bar in c] for c in ax.containers]
    totals = np.sum(parts, axis=0)
    np.testing.assert_allclose(totals, [100, 85.44, 76.5, 58])
    notes = "\n".join(t.get_text() for t in ax.texts if t.get_gid() == "note")
    assert "1 个项目无绩效指标，未评分" in notes
    plt.close("all")


def test_leverage_below_the_minimum_is_marked_with_its_shortfall(a):
    table = a.chart("leverage_minimum", show=False)
    low = table.set_index("项目编号").loc["PX-04"]
    assert low["自筹缺口"] == 40 and low["最低撬动比"] == 1.5
    plt.close("all")


def test_grades_count_each_grade_and_the_unscored(a):
    counts = a.chart("grades", show=False)
    assert counts["项目数"].tolist() == [1, 1, 1, 1, 1]
    assert counts["等级"].tolist() == ["优", "良", "中", "差", "未评分"]
    ax = plt.gcf().axes[0]
    assert [bar.get_height() for bar in ax.patches] == [1, 1, 1, 1]
    plt.close("all")


def test_charts_with_nothing_to_draw_say_so():
    seed = fa.open().measures
    for chart, words in (
        (draw.scores, "没有可评分的项目"),
        (draw.grades, "没有可评分的项目"),
        (draw.category_variance, "没有预算明细报告实际支出"),
    ):
        table = seed.by_category_variance if chart is draw.category_variance else seed.projects
        ax = chart(table)
        assert any(words in t.get_text() for t in ax.texts)
    plt.close("all")


def test_labels_never_hide_a_columns_header():
    assert not set(LABELS) & set(COLUMNS)


# --- the 自评表 workbook, read back cell by cell --------------------------------------------


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    tables = evaluation_tables()
    projects = tables["projects"].copy()
    projects.loc[4, "organization"] = "=HYPERLINK(1)"  # text, never a live formula
    folder = write_evaluation_data(tmp_path_factory.mktemp("book") / "data",
                                   {**tables, "projects": projects})  # fmt: skip
    a = fa.open(folder)
    path = write_self_evaluation(a.measures, a.data, folder.parent / "自评表.xlsx", "zh")
    return load_workbook(path)


def values(sheet, row: int, first: int, last: int) -> list:
    return [sheet.cell(row=row, column=c).value for c in range(first, last + 1)]


def test_the_programs_sheet_comes_first_then_one_per_project(workbook):
    # 说明 first (what the data are, the files' sha256), then the program's summary, every
    # project's score as one table, and a form per project.
    names = ["说明", "汇总", "各项目得分", "PX-01", "PX-02", "PX-03", "PX-04", "PX-05"]
    assert workbook.sheetnames == names
    about = [c.value for c in workbook["说明"]["A"]]
    assert "数据范围" in about and "源文件" in about and "projects.csv" in about
    scores = workbook["各项目得分"]
    assert scores.freeze_panes == "A2" and scores.auto_filter.ref.startswith("A1:")
    assert scores.max_row == 6  # the header and five projects
    assert scores.print_title_rows == "$1:$1"


def test_the_summary_gives_money_by_source_with_counts(workbook):
    sheet = workbook["汇总"]
    assert sheet["A1"].value == "绩效测试计划项目支出绩效自评汇总表"
    assert sheet["A2"].value == "（2023 年度）"
    headers = ["资金来源", "年初预算数", "全年预算数", "到位数", "到位率"]
    assert values(sheet, 5, 1, 8)[:5] == headers
    special = values(sheet, 6, 1, 8)
    assert special[:4] == ["专项资金", 150, 180, 120]
    assert special[4] == pytest.approx(1.0) and special[6] == 171
    assert special[7] == pytest.approx(0.95)
    assert sheet["E6"].number_format == '0.0%"（3/5 个项目报告）"'
    assert sheet["H6"].number_format == '0.0%"（5/5 个项目报告）"'
    raised = values(sheet, 7, 1, 8)
    assert raised[:4] == ["自筹资金", None, 300, 190]
    assert raised[7] == pytest.approx(200 / 180)


def test_the_summary_lists_each_projects_score_and_grade(workbook):
    sheet = workbook["汇总"]
    assert values(sheet, 10, 1, 10) == ["项目编号", "承担单位", "项目名称", "专项资金",
                                        "专项资金实际支出", "专项执行率", "预算执行率得分",
                                        "绩效指标得分", "总分", "等级"]  # fmt: skip
    assert values(sheet, 11, 1, 10) == ["PX-01", "满分科技", "智能传感器研发", 40, 40, 1, 10,
                                        90, 100, "优"]  # fmt: skip
    assert values(sheet, 12, 9, 10) == ["无绩效指标", None]
    assert values(sheet, 13, 9, 10) == [85.44, "良"]
    assert values(sheet, 18, 1, 5) == ["优", "良", "中", "差", "未评分"]
    assert values(sheet, 19, 1, 5) == [1, 1, 1, 1, 1]


def test_a_project_sheet_in_the_forms_layout(workbook):
    sheet = workbook["PX-03"]
    assert sheet["A1"].value == "项目支出绩效自评表"
    assert values(sheet, 3, 1, 2) == ["项目名称", "新型复合材料"]
    assert [sheet["A4"].value, sheet["E4"].value, sheet["G4"].value] == [
        "主管部门", "实施单位", "超支材料"
    ]  # fmt: skip
    assert sheet["A5"].value == "项目资金\n（万元）"
    assert values(sheet, 5, 4, 9) == ["年初预算数", "全年预算数", "全年执行数", "分值", "执行率",
                                      "得分"]  # fmt: skip
    assert values(sheet, 6, 2, 2) + values(sheet, 6, 4, 9) == ["年度资金总额", 50, 50, 55, 10,
                                                               1.1, 10]  # fmt: skip
    assert values(sheet, 7, 2, 2) + values(sheet, 7, 4, 7) == ["其中：本年财政拨款", 50, 50, 55,
                                                               "—"]  # fmt: skip
    assert [sheet["B8"].value, sheet["B9"].value] == ["上年结转资金", "其他资金"]
    assert sheet["A10"].value == (
        "企业自筹资金 100.00 万元，到位 110.00，实际使用 120.00（执行率 120.0%），"
        "不计入年度资金总额。"
    )
    assert [sheet["A11"].value, sheet["B11"].value, sheet["F11"].value] == [
        "年度总体目标", "预期目标", "实际完成情况"
    ]  # fmt: skip
    assert values(sheet, 13, 1, 9) == ["绩效指标", "一级指标", "二级指标", "三级指标",
                                       "年度指标值", "实际完成值", "分值", "得分",
                                       "偏差原因分析及改进措施"]  # fmt: skip
    assert values(sheet, 14, 2, 8) == ["产出指标", "数量指标", "新建生产线", "=2条", "2条", 40, 40]
    assert values(sheet, 15, 4, 9) == ["按期完工率", "≥100%", "50%", 20, 10,
                                       "设备到货延迟；已调整供货商"]  # fmt: skip
    assert values(sheet, 17, 3, 8) == ["服务对象满意度指标", "用户满意度", "≥90%", "85%", 10, 9.44]
    assert values(sheet, 18, 1, 1) + values(sheet, 18, 7, 9) == ["总分", 100, 85.44, "自评等级：良"]


def test_a_project_without_indicators_says_so_instead_of_zero(workbook):
    sheet = workbook["PX-02"]  # no self-raised figures: no note under its money
    assert sheet["A12"].value == "绩效指标" and sheet["B13"].value == "无绩效指标"
    assert values(sheet, 14, 1, 1) + values(sheet, 14, 7, 8) == ["总分", 100, "无绩效指标"]
    assert values(sheet, 6, 4, 9) == [30, 30, 27, 10, 0.9, 9]


def test_text_that_looks_like_a_formula_is_stored_as_text(workbook):
    cell = workbook["PX-05"]["G4"]
    assert cell.value == "=HYPERLINK(1)" and cell.data_type == "s"
    assert workbook["PX-03"]["E14"].data_type == "s"  # "=2条"


def test_the_workbook_is_set_up_for_printing(workbook):
    sheet = workbook["PX-03"]
    assert int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.page_setup.orientation == "portrait"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    assert sheet.print_area == "'PX-03'!$A$1:$I$19"
    assert sheet.column_dimensions["I"].width == 22
    assert workbook["汇总"].page_setup.orientation == "landscape"


def test_run_writes_the_workbook_in_the_runs_language(data, tmp_path):
    manifest = run_module.run(
        str(data), tmp_path / "en", lang="en", jobs=2, project_notebooks=2
    ).as_dict()
    statuses = {n["name"]: n["status"] for n in manifest["notebooks"]}
    assert statuses["evaluation"] == "ok"
    book = load_workbook(tmp_path / "en" / "tables" / "self_evaluation.xlsx")
    # A form for each project with a notebook: the two largest special funds, 50 and 40.
    assert book.sheetnames == ["About", "Summary", "Scores", "PX-01", "PX-03"]
    assert "(of 5)" in book["Summary"]["A21"].value
    assert book["Summary"]["A15"].value == "PX-05"  # the summary lists every project
    assert book["PX-01"]["A1"].value == "Project expenditure performance self-evaluation"
    assert book["PX-01"]["I18"].value == "Excellent"
    assert "tables/self_evaluation.xlsx" in manifest["tables"]


def test_leverage_without_a_programs_minimum_says_there_is_none():
    ax = draw.leverage_minimum(fa.open().measures.projects)  # no programs table given
    notes = "\n".join(t.get_text() for t in ax.texts if t.get_gid() == "note")
    assert "计划未规定最低撬动比" in notes
    assert not [line for line in ax.collections if line.get_gid() == "minimum"]
    plt.close("all")
