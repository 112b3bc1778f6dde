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
