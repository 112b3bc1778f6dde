"""`fund-analysis extract` reads what a self-evaluation adds: money received and spent, rates,
and the 项目支出绩效自评表 published as text, every figure entered or listed, none invented.

The reports are written here in the manner of a county bureau's; the seed report's 鸿城节能
(自筹预算 20 万元已全部到位，实际资金使用 22 万元) is tested with the other seed tests in
tests/test_extract.py, which compare its extraction with the bundled tables.
"""

from __future__ import annotations

from pathlib import Path

import docx
import pandas as pd
import pytest

import analysis as fa
from analysis.read.extract import extract, write
from tests.conftest import run_cli

# Money received and spent in the prose, by source, with rates that agree or do not.
EXECUTION_REPORT = """\
2022 年度乡村振兴科技专项项目 绩效自评工作报告
一、项目情况
山田农机的《丘陵山地小型收获机研制》项目，企业预算投入 100 万元（专项经费 40 万元），专项资金到位 \
40 万元，实际支出 38 万元，执行率 95%。自筹资金 60 万元已全部到位，实际使用 66 万元，\
占自筹预算的 120%。
绿源果业的《柑橘保鲜技术示范》项目，总投资 80 万元（专项资金 30 万元），专项资金已全部到位，\
实际支出 25 万元，执行率 83.3%。项目实际支出 70 万元。
蓝海光电的“微型激光测距模组研发”项目，专项资金 45 万元，执行率 90%。
"""

FORM = """\
项目支出绩效自评表
（2021年度）
项目名称 被动式超低能耗建筑与保温结构一体化技术的研究与应用
主管部门 县科技局 实施单位 鸿城节能
项目资金（万元） 年初预算数 全年预算数 全年执行数 分值 执行率 得分
年度资金总额 42 42 40 10 95.24% 9.52
其中：本年财政拨款 42 42 40 — — —
上年结转资金 0 0 0 — — —
其他资金 0 0 0 — — —
年度总体目标 预期目标 实际完成情况
完成被动式建筑技术研究并建成示范工程 已完成研究，示范工程竣工验收
绩效指标 一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分 偏差原因分析及改进措施
产出指标 数量指标 开展技术培训 ≥3次 4次 30 30
质量指标 示范工程验收合格率 ≥95% 100% 20 20
效益指标 经济效益指标 新增销售收入 ≥100万元 80万元 30 24 市场推广滞后 下年加强推广
满意度指标 服务对象满意度指标 用户满意度 良好 良好 10 9
总分 100 92.52
"""

FORM_REPORT = f"""\
2021 年度县域创新跃升计划项目 绩效自评工作报告
一、项目情况
专项资金累计 62 万元，分别是：鸿城节能的“被动式超低能耗建筑与保温结构一体化技术的研究与应用”项目，\
专项资金 42 万元；东岭电子的“车载传感器封装工艺”项目，专项资金 20 万元。
二、项目支出绩效自评表
{FORM}项目支出绩效自评表
（2021年度）
项目名称 车载传感器封装工艺
主管部门 县科技局 实施单位 东岭电子
项目资金（万元） 年初预算数 全年预算数 全年执行数 分值 执行率 得分
年度资金总额 20 20 20 10 90% 10
项目支出绩效自评表
（2021年度）
项目名称 智能温控阀门研发
三、结论
以上项目均已完成。
"""


def read_out(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def execution(tmp_path_factory):
    folder = tmp_path_factory.mktemp("execution")
    report = folder / "report.txt"
    report.write_text(EXECUTION_REPORT, encoding="utf-8")
    result = run_cli("extract", str(report), "--out", str(folder / "out"), cwd=folder)
    return folder / "out", result


def test_money_received_and_spent_is_read_by_source(execution):
    out, _ = execution
    projects = read_out(out, "projects.csv").set_index("organization")
    columns = ["special_received", "special_actual", "self_raised_received", "self_raised_actual"]
    assert projects.loc["山田农机", columns].tolist() == ["40", "38", "60", "66"]
    # 专项资金已全部到位 names no amount: the special fund of 30 万元 arrived.
    assert projects.loc["绿源果业", columns].tolist() == ["30", "25", "", ""]


def test_a_rate_that_disagrees_with_its_amounts_is_listed(execution):
    out, result = execution
    assert result.returncode == 1
    unread = read_out(out, "unread.csv")
    disagree = unread[unread["kind"] == "disagree"]
    # 66 / 60 = 110%, not 120%; 95% (38 / 40) and 83.3% (25 / 30) agree.
    assert disagree["text"].tolist() == ["占自筹预算的 120%"]
    assert "110.0%" in disagree["reason"].iloc[0]
    assert "前后数字不符" in result.stderr


def test_spending_whose_source_is_not_said_or_a_rate_without_amount_is_listed(execution):
    out, _ = execution
    unread = read_out(out, "unread.csv").set_index("text")
    assert "未指明是专项资金还是自筹资金" in unread.loc["实际支出 70 万元", "reason"]
    assert "只给出比率" in unread.loc["执行率 90%", "reason"]
    assert unread.loc["执行率 90%", "project_id"] == "XCZX-2022-03"


@pytest.fixture(scope="module")
def form(tmp_path_factory):
    folder = tmp_path_factory.mktemp("form")
    report = folder / "report.txt"
    report.write_text(FORM_REPORT, encoding="utf-8")
    out = folder / "out"
    result = run_cli("extract", str(report), "--out", str(out), cwd=folder)
    return out, result


def test_a_forms_money_rows_fill_the_special_fund_and_its_spending(form):
    out, _ = form
    projects = read_out(out, "projects.csv").set_index("organization")
    assert projects.loc["鸿城节能", ["special", "special_actual"]].tolist() == ["42", "40"]
    assert projects.loc["鸿城节能", "goal"] == "完成被动式建筑技术研究并建成示范工程"
    assert projects.loc["鸿城节能", "goal_result"] == "已完成研究，示范工程竣工验收"
    assert projects.loc["东岭电子", ["special", "special_actual"]].tolist() == ["20", "20"]


def test_a_forms_indicator_rows_go_to_indicators_csv_as_printed(form):
    out, _ = form
    indicators = read_out(out, "indicators.csv")
    assert indicators["project_id"].unique().tolist() == ["XYCX-2021-01"]
    # A level left out of a row is the one above it (a merged cell, flattened).
    assert indicators["level1"].tolist() == ["产出指标", "产出指标", "效益指标", "满意度指标"]
    assert indicators["level2"].tolist()[:2] == ["数量指标", "质量指标"]
    assert indicators.iloc[0][["name", "target", "actual", "weight", "score"]].tolist() == [
        "开展技术培训", "≥3次", "4次", "30", "30"
    ]  # fmt: skip
    assert indicators.iloc[2]["reason"] == "市场推广滞后 下年加强推广"


def test_a_forms_printed_scores_agree_with_the_scoring_rules(form):
    out, _ = form
    a = fa.open(out)
    assert a.findings[a.findings["rule"].isin(["R24", "R25", "R28"])].empty
    # 40 / 42 spent: 9.52; 30 + 20 + 80 / 100 × 30 + 9 = 83: 92.52 as printed.
    hongcheng = a.measures.projects.set_index("organization").loc["鸿城节能"]
    assert hongcheng["score"] == pytest.approx(92.52)
    assert hongcheng["grade"] == "excellent"


def test_a_form_whose_figures_disagree_or_stop_short_is_listed_never_invented(form):
    out, result = form
    assert result.returncode == 1
    unread = read_out(out, "unread.csv")
    rows = unread[["kind", "project_id", "field"]].values.tolist()
    assert ["disagree", "XYCX-2021-02", "执行率"] in rows  # 20 of 20 is 100%, not 90%
    assert ["missing", "XYCX-2021-02", "indicators"] in rows
    # The third form stops after its project's name: nothing of it is entered.
    cut = unread[unread["text"] == "智能温控阀门研发"]
    assert cut["kind"].tolist() == ["missing"]
    assert "智能温控阀门研发" not in read_out(out, "projects.csv")["title"].tolist()


def test_a_heading_that_names_the_form_is_not_a_form(form):
    out, _ = form
    unread = read_out(out, "unread.csv")
    assert not unread["where"].eq("line 4").any()  # "二、项目支出绩效自评表"


def test_a_form_in_a_docx_table_keeps_equal_neighbouring_cells(tmp_path):
    document = docx.Document()
    document.add_paragraph("2021 年度县域创新跃升计划项目 绩效自评工作报告")
    document.add_paragraph(
        "鸿城节能的“被动式超低能耗建筑与保温结构一体化技术的研究与应用”项目，专项资金 42 万元。"
    )
    lines = FORM.splitlines()
    document.add_paragraph(lines[0])
    table = document.add_table(rows=0, cols=9)
    for line in lines[1:]:
        cells = table.add_row().cells
        for i, text in enumerate(line.split()[:9]):
            cells[i].text = text
    path = tmp_path / "report.docx"
    document.save(str(path))
    ex = extract(path)
    write(ex, tmp_path / "out")
    projects = ex.projects.set_index("organization")
    assert projects.loc["鸿城节能", ["special", "special_actual"]].tolist() == ["42", "40"]
    assert len(ex.indicators) == 4
    assert ex.unread.empty, ex.unread
