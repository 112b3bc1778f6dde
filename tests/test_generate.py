"""The benchmark's synthetic data: validate finds exactly the faults planted, no more, no fewer."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest

from analysis import _parallel as parallel
from analysis.check._facts import Facts
from analysis.check.rules import check
from analysis.measure.measures import measure
from analysis.read.load import load
from tests.conftest import benchmark_generator

generator = benchmark_generator()


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("generated")
    return out, generator.generate(2_000, out, seed=7, violations=30)


def counts(findings, severity: str) -> dict[str, int]:
    return findings[findings["severity"] == severity].groupby("rule").size().to_dict()


def test_validate_finds_exactly_the_planted_errors_and_expected_warnings(generated):
    out, manifest = generated
    assert json.loads((out / "expected.json").read_text(encoding="utf-8")) == manifest
    findings = check(load(out))
    assert counts(findings, "error") == {r: k for r, k in manifest["errors"].items() if k}
    assert counts(findings, "warning") == {r: k for r, k in manifest["warnings"].items() if k}
    assert sum(manifest["errors"].values()) == 30
    # Several kinds of fault, and a realistic share of projects without lines (~3%).
    assert sum(k > 0 for k in manifest["errors"].values()) >= 10
    assert 20 <= manifest["warnings"]["R16"] <= 100


def test_each_planted_error_is_found_where_it_was_planted(generated):
    out, manifest = generated
    findings = check(load(out))
    errors = findings[findings["severity"] == "error"]
    for fault in manifest["planted"]:
        found = errors[errors["rule"] == fault["rule"]]
        # Program faults name the program and year; every other fault names a project.
        named = found["project_id"].eq(fault["where"]) | found["message_en"].str.contains(
            fault["where"], regex=False
        )
        assert named.sum() == 1, fault


def test_generated_tables_reconcile_in_yuan_and_wan(generated):
    out, _ = generated
    ds = load(out)
    assert set(ds.lines["unit"]) == {"元", "万元"}
    assert set(ds.projects["unit"]) == {"元", "万元"}
    assert 8 <= len(ds.lines) / len(ds.projects) <= 10
    ms = measure(ds)
    assert len(ms.projects) == len(ds.projects)


def test_same_seed_writes_the_same_bytes(tmp_path):
    for name in ("a", "b"):
        generator.generate(300, tmp_path / name, seed=3, violations=12)
    for file in ("projects.csv", "budget_lines.csv", "programs.csv", "expected.json"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()
    generator.generate(300, tmp_path / "c", seed=4, violations=12)
    assert (tmp_path / "c" / "budget_lines.csv").read_bytes() != (
        tmp_path / "a" / "budget_lines.csv"
    ).read_bytes()


def test_amounts_are_written_as_exact_decimals(generated):
    out, _ = generated
    text = (out / "budget_lines.csv").read_text(encoding="utf-8")
    # No float noise such as 0.30000000000000004: at most two decimals (0.01 万元).
    amounts = [
        cell
        for row in text.splitlines()[1:]
        for cell in row.split(",")[2:4]
        if cell.replace(".", "").lstrip("-").isdigit()
    ]
    assert amounts
    assert all(len(cell.partition(".")[2]) <= 2 for cell in amounts)


def test_threads_change_nothing(generated, monkeypatch):
    # Columns, rules and tables are worked out side by side; one thread must give the
    # same data set, findings and measures to the last bit, in the same order.
    out, _ = generated

    def everything():
        ds = Facts.of(load(out))
        return ds, check(ds), measure(ds)

    monkeypatch.setattr(parallel, "WORKERS", 1)
    alone = everything()
    monkeypatch.setattr(parallel, "WORKERS", 2)
    monkeypatch.setattr(parallel, "SIDE_BY_SIDE_FROM", 0)  # 2,000 projects: side by side too
    together = everything()
    for table in ("projects", "lines", "programs", "categories"):
        pd.testing.assert_frame_equal(getattr(alone[0], table), getattr(together[0], table))
    pd.testing.assert_frame_equal(alone[1], together[1])
    for field in dataclasses.fields(alone[2]):
        pd.testing.assert_frame_equal(
            getattr(alone[2], field.name), getattr(together[2], field.name)
        )
