"""Each rule fires where the tables are wrong and stays quiet where they are right."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.check.rules import RULES, check, rules_table, summary
from analysis.read.load import load
from tests.conftest import write_tables


def findings_for(tmp_path, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return check(load(write_tables(tmp_path, tables)))


def fired(findings: pd.DataFrame, rule: str) -> pd.DataFrame:
    return findings[findings["rule"] == rule]


def edit(tables, name: str, row: int, **values: str) -> dict[str, pd.DataFrame]:
    """Return the tables with some cells of one row replaced."""
    table = tables[name].copy()
    for column, value in values.items():
        table.loc[row, column] = value
    return {**tables, name: table}


@pytest.fixture(scope="module")
def seed_findings():
    return check(load())


def test_seed_passes_with_exactly_the_three_known_warnings(seed_findings):
    assert summary(seed_findings) == {"errors": 0, "warnings": 3}
    got = set(zip(seed_findings["rule"], seed_findings["organization"], strict=True))
    assert got == {("R15", "鸿城节能"), ("R16", "鸿城节能"), ("R17", "天成科技")}


def test_rule_table_has_ids_severities_files_and_both_languages():
    table = rules_table()
    assert table["rule"].is_unique
    assert set(table["severity"]) == {"error", "warning"}
    assert table["files"].str.contains(".csv").all()
    assert table["message_zh"].str.contains(r"[\u4e00-\u9fff]").all()
    assert not table["message_en"].str.contains(r"[\u4e00-\u9fff]").any()


def test_rules_are_listed_in_words_not_templates():
    table = rules_table("zh")
    for column in ("message_zh", "message_en", "title"):
        assert not table[column].str.contains("{", regex=False).any(), column
    r01 = table.set_index("rule").loc["R01"]
    assert r01["title"] == "金额为负数"
    assert r01["message_zh"].startswith("〈项目编号〉（〈承担单位〉）")
    assert r01["template_zh"].startswith("{project_id}（{organization}）")  # for programs
    assert rules_table("en").set_index("rule").loc["R01", "title"] == "Negative amount"
    # Every rule has a name in both languages, not its code.
    assert not set(table["title"]) & set(table["name"])


INDICATOR_COLUMNS = ["project_id", "level1", "level2", "name", "target", "actual", "unit",
                     "direction", "weight", "score", "reason"]  # fmt: skip
# Indicators of 北塑管业 that are right: weights 40 + 30 + 20 = 90.
GOOD_INDICATORS = [
    ["XYCX-2021-01", "产出指标", "数量指标", "新产品", "≥2", "2", "项", "", "40", "", ""],
    ["XYCX-2021-01", "效益指标", "经济效益指标", "新增产值", "≥100", "120", "万元", "", "30", "",
     ""],
    ["XYCX-2021-01", "满意度指标", "服务对象满意度指标", "客户评价", "满意", "满意", "", "定性",
     "20", "20", ""],
]  # fmt: skip


def with_indicators(tables, *changes: tuple[int, dict[str, str]], extra=()):
    """Return the tables with 北塑管业's indicators, some cells changed, some rows added."""
    rows = [list(row) for row in GOOD_INDICATORS]
    for row, values in changes:
        for column, value in values.items():
            rows[row][INDICATOR_COLUMNS.index(column)] = value
    indicators = pd.DataFrame([*rows, *extra], columns=INDICATOR_COLUMNS)
    return {**tables, "indicators": indicators}


# Each case: rule id, how to break the seed, the project (or program) the finding names.
CASES = {
    "R01": (lambda t: edit(t, "budget_lines", 3, total="-5.5"), "XYCX-2021-01"),
    "R02": (lambda t: edit(t, "projects", 1, project_id="XYCX-2021-01"), "XYCX-2021-01"),
    "R03": (lambda t: edit(t, "budget_lines", 0, project_id="XYCX-2021-99"), "XYCX-2021-99"),
    "R04": (lambda t: edit(t, "budget_lines", 1, category="打印费"), "XYCX-2021-01"),
    "R05": (lambda t: edit(t, "budget_lines", 4, special="0.6"), "XYCX-2021-01"),
    "R06": (lambda t: edit(t, "projects", 3, special="126", total="100"), "XYCX-2021-04"),
    "R07": (lambda t: edit(t, "projects", 0, self_raised="180"), "XYCX-2021-01"),
    "R08": (lambda t: edit(t, "projects", 2, self_raised=""), "XYCX-2021-03"),
    "R09": (lambda t: edit(t, "budget_lines", 0, total="171"), "XYCX-2021-01"),
    "R10": (lambda t: edit(t, "budget_lines", 14, special="24"), "XYCX-2021-04"),
    "R11": (lambda t: edit(t, "programs", 0, special_total="210"), "县域创新跃升计划"),
    "R12": (
        lambda t: {**t, "programs": pd.concat([t["programs"], t["programs"]], ignore_index=True)},
        "县域创新跃升计划",
    ),
    "R13": (lambda t: edit(t, "projects", 3, program="另一计划"), "另一计划"),
    "R14": (lambda t: edit(t, "programs", 0, year="2022"), "县域创新跃升计划"),
    "R15": (lambda t: edit(t, "projects", 0, self_raised_actual="190"), "XYCX-2021-01"),
    "R16": (
        lambda t: {**t, "budget_lines": t["budget_lines"].iloc[7:].reset_index(drop=True)},
        "XYCX-2021-01",
    ),
    "R17": (lambda t: edit(t, "budget_lines", 0, note="更正：原文印作 17 万元"), "XYCX-2021-01"),
    "R18": (lambda t: edit(t, "budget_lines", 1, category="设备费", total="42"), "XYCX-2021-01"),
    "R19": (lambda t: edit(t, "projects", 2, self_raised_received="25"), "XYCX-2021-03"),
    "R20": (lambda t: edit(t, "projects", 0, special_actual="60"), "XYCX-2021-01"),
    "R21": (lambda t: edit(t, "budget_lines", 4, special_actual="0.2"), "XYCX-2021-01"),
    "R22": (
        lambda t: edit(
            edit(
                edit(t, "projects", 3, special_actual="26"), "budget_lines", 14, special_actual="20"
            ),
            "budget_lines",
            15,
            special_actual="1",
        ),
        "XYCX-2021-04",
    ),
    "R23": (lambda t: edit(t, "programs", 0, min_leverage="1:1"), "XYCX-2021-03"),
    "R24": (lambda t: with_indicators(t, (0, {"weight": "30"})), "XYCX-2021-01"),
    "R25": (lambda t: with_indicators(t, (0, {"level1": "产品指标"})), "XYCX-2021-01"),
    "R26": (lambda t: with_indicators(t, (2, {"score": "25"})), "XYCX-2021-01"),
    "R27": (lambda t: with_indicators(t, (1, {"actual": ""})), "XYCX-2021-01"),
    "R28": (lambda t: with_indicators(t, (1, {"score": "25"})), "XYCX-2021-01"),
    "R29": (
        lambda t: with_indicators(
            t,
            (0, {"weight": "30"}),
            extra=[
                ["XYCX-2021-99", "产出指标", "数量指标", "专利", "≥1", "1", "件", "", "10", "", ""]
            ],
        ),
        "XYCX-2021-99",
    ),
}


def test_every_rule_has_a_case():
    assert set(CASES) == {rule.id for rule in RULES}


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_fires_and_names_who(tmp_path, seed_tables, seed_findings, rule):
    breaking, who = CASES[rule]
    assert fired(seed_findings, rule).empty or rule in ("R15", "R16", "R17")
    before = len(fired(seed_findings, rule))
    found = fired(findings_for(tmp_path, breaking(seed_tables)), rule)
    assert len(found) == before + 1
    new = found[~found["project_id"].isin(fired(seed_findings, rule)["project_id"])]
    shown = new if len(new) else found
    assert shown["message_zh"].str.contains(who, regex=False).any()
    assert shown["message_en"].str.contains(who, regex=False).any()
    assert shown["file"].str.contains(".csv").all()


def test_errors_and_warnings_have_the_declared_severity(tmp_path, seed_tables):
    findings = findings_for(tmp_path, CASES["R09"][0](seed_tables))
    assert summary(findings)["errors"] == 1
    assert findings.iloc[0]["severity"] == "error"  # errors come first


def test_negative_amount_names_file_row_and_column(tmp_path, seed_tables):
    found = fired(findings_for(tmp_path, CASES["R01"][0](seed_tables)), "R01")
    negative = found.iloc[0]
    assert (negative["file"], negative["source_row"], negative["column"]) == (
        "budget_lines.csv",
        5,
        "total",
    )
    assert "-5.50 万元" in negative["message_zh"]


# --- tolerance: 0.005 万元 per figure summed, no looser --------------------------------


def test_line_sums_within_tolerance_pass(tmp_path, seed_tables):
    # 北塑管业 has 7 lines: they may be off by up to 7 × 0.005 = 0.035 万元 in all.
    tables = edit(seed_tables, "budget_lines", 0, total="170.03")
    assert fired(findings_for(tmp_path, tables), "R09").empty


def test_line_sums_beyond_tolerance_fail(tmp_path, seed_tables):
    tables = edit(seed_tables, "budget_lines", 0, total="170.04")
    found = fired(findings_for(tmp_path, tables), "R09")
    assert len(found) == 1
    row = found.iloc[0]
    assert row["value"] == pytest.approx(240.04)
    assert row["expected"] == 240
    assert "0.04 万元" in row["message_zh"] and "0.04 万元" in row["message_en"]


def test_program_tolerance_counts_projects(tmp_path, seed_tables):
    # Four projects summed: 4 × 0.005 = 0.02 万元.
    within = edit(seed_tables, "programs", 0, special_total="200.02")
    assert fired(findings_for(tmp_path / "a", within), "R11").empty
    beyond = edit(seed_tables, "programs", 0, special_total="200.03")
    assert len(fired(findings_for(tmp_path / "b", beyond), "R11")) == 1


def test_tolerance_is_exact_in_other_units(tmp_path, seed_tables):
    # 0.035 万元 = 350 元 is within tolerance; 350.01 元 is not.
    lines = seed_tables["budget_lines"].copy()
    lines.loc[0, ["total", "unit"]] = ["1700350", "元"]
    tables = {**seed_tables, "budget_lines": lines}
    assert fired(findings_for(tmp_path / "a", tables), "R09").empty
    lines.loc[0, "total"] = "1700350.01"
    assert len(fired(findings_for(tmp_path / "b", tables), "R09")) == 1


def test_execution_exactly_at_budget_is_not_flagged(tmp_path, seed_tables):
    tables = edit(seed_tables, "projects", 2, self_raised_actual="20")
    assert fired(findings_for(tmp_path, tables), "R15").empty


def test_provenance_notes_are_not_corrections(tmp_path, seed_tables):
    tables = edit(seed_tables, "budget_lines", 0, note="来源：绩效自评报告第二部分")
    found = fired(findings_for(tmp_path, tables), "R17")
    assert found["project_id"].tolist() == ["XYCX-2021-02"]


def test_tables_without_any_note(tmp_path, seed_tables):
    lines = seed_tables["budget_lines"].assign(note="")
    findings = findings_for(tmp_path, {**seed_tables, "budget_lines": lines})
    assert fired(findings, "R17").empty
    assert summary(findings) == {"errors": 0, "warnings": 2}


def test_a_workbooks_findings_name_its_sheets(tmp_path, seed_tables):
    book = tmp_path / "book.xlsx"
    with pd.ExcelWriter(book) as writer:
        for name in ("projects", "budget_lines", "programs"):
            seed_tables[name].to_excel(writer, sheet_name=name, index=False)
    files = check(load(book))["file"].tolist()
    assert files == [
        "book.xlsx [sheet projects]",
        "book.xlsx [sheet projects × budget_lines]",
        "book.xlsx [sheet budget_lines]",
    ]
    assert check(load())["file"].tolist() == [
        "projects.csv",
        "projects.csv × budget_lines.csv",
        "budget_lines.csv",
    ]


# --- the performance self-evaluation's rules --------------------------------------------


def test_right_indicators_raise_nothing(tmp_path, seed_tables, seed_findings):
    found = findings_for(tmp_path, with_indicators(seed_tables))
    assert len(found) == len(seed_findings)


def test_seed_self_raised_received_in_full_is_not_above_budget(seed_findings):
    assert fired(seed_findings, "R19").empty  # 鸿城节能: 20 received of a 20 budget


def test_received_above_budget_says_how_much_and_the_rate(tmp_path, seed_tables):
    found = fired(findings_for(tmp_path, CASES["R19"][0](seed_tables)), "R19").iloc[0]
    assert found["column"] == "self_raised_received"
    assert "自筹资金到位 25.00 万元，超过预算 20.00 万元（125%）" in found["message_zh"]


def test_spending_without_a_budget_is_not_also_spending_above_it(tmp_path, seed_tables):
    found = findings_for(tmp_path, CASES["R21"][0](seed_tables))
    assert fired(found, "R20").empty
    message = fired(found, "R21").iloc[0]["message_zh"]
    assert "差旅费专项经费没有预算，却报告实际支出 0.20 万元" in message


def test_line_actuals_are_compared_within_tolerance(tmp_path, seed_tables):
    # 可得电子: special spent 26 against lines 25 + 1.005 (two figures: 0.01 allowed).
    tables = edit(
        edit(edit(seed_tables, "projects", 3, special_actual="26"), "budget_lines", 14,
             special_actual="25"),
        "budget_lines", 15, special_actual="1.005",
    )  # fmt: skip
    assert fired(findings_for(tmp_path / "a", tables), "R22").empty
    off = edit(tables, "budget_lines", 15, special_actual="1.011")
    found = fired(findings_for(tmp_path / "b", off), "R22")
    assert found["column"].tolist() == ["special_actual"]
    assert "相差 0.01 万元，超出容差 0.010 万元" in found.iloc[0]["message_zh"]


def test_leverage_below_the_programs_minimum_names_the_shortfall_in_wan(tmp_path, seed_tables):
    # 鸿城节能: 42 万元 of special fund at 1 : 1.5 needs 63 万元 of its own; it raised 20.
    tables = edit(seed_tables, "programs", 0, min_leverage="1.5")
    found = fired(findings_for(tmp_path, tables), "R23")
    assert found["project_id"].tolist() == ["XYCX-2021-03"]
    row = found.iloc[0]
    assert (row["value"], row["expected"]) == (20.0, 63.0)
    assert "撬动比 1 : 0.48 低于计划要求的 1 : 1.50" in row["message_zh"]
    assert "差 43.00 万元" in row["message_zh"]
    assert "43.00 万元 short" in row["message_en"]


def test_indicator_weights_must_add_up_to_90(tmp_path, seed_tables):
    found = fired(findings_for(tmp_path, CASES["R24"][0](seed_tables)), "R24").iloc[0]
    assert "绩效指标分值合计 80，应为 90（另有预算执行率 10 分，共 100 分）" in found["message_zh"]


@pytest.mark.parametrize(
    ("change", "column", "words"),
    [
        ({"level2": "数字指标"}, "level2", "二级指标“数字指标”不在指标体系中"),
        ({"level2": "社会效益指标"}, "level2", "二级指标“社会效益指标”不属于一级指标“产出指标”"),
        ({"direction": "越多越好"}, "direction", "指标方向“越多越好”无法识别"),
        ({"target": "2", "direction": ""}, "direction", "指标方向“”无法识别"),
        ({"direction": "<="}, "direction", "年度指标值“≥2”与指标方向“<=”不一致"),
    ],
)
def test_unknown_or_crossed_indicator_terms(tmp_path, seed_tables, change, column, words):
    found = fired(findings_for(tmp_path, with_indicators(seed_tables, (0, change))), "R25")
    assert found["column"].tolist() == [column]
    assert words in found.iloc[0]["message_zh"]


def test_levels_and_directions_in_english_or_signs_are_known(tmp_path, seed_tables):
    tables = with_indicators(
        seed_tables, (0, {"level1": "Output", "level2": "数量", "direction": "≥"})
    )
    assert fired(findings_for(tmp_path, tables), "R25").empty


def test_a_printed_score_agrees_within_its_last_digit(tmp_path, seed_tables):
    # 新增产值 120 of ≥100: 30 points. Printed "30" agrees; "29.9" does not (30 ± 0.05).
    agrees = with_indicators(seed_tables, (1, {"score": "30"}))
    assert fired(findings_for(tmp_path / "a", agrees), "R28").empty
    off = with_indicators(seed_tables, (1, {"score": "29.9"}))
    found = fired(findings_for(tmp_path / "b", off), "R28").iloc[0]
    assert "给出的得分 29.9，与按评分规则计算的 30 不符" in found["message_zh"]


def test_a_qualitative_indicator_without_its_score_is_not_scored(tmp_path, seed_tables):
    tables = with_indicators(seed_tables, (2, {"score": ""}))
    found = fired(findings_for(tmp_path, tables), "R27").iloc[0]
    assert "缺少评价人给出的得分，无法评分，项目总分暂缺" in found["message_zh"]
