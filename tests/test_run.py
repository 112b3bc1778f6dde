"""Notebook templates and `fund-analysis run`: outputs, manifest, failures, the safe swap."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from openpyxl import load_workbook

import analysis
from analysis.config import NOTEBOOKS_DIR, safe_name
from analysis.errors import InputError
from analysis.measure.measures import measure
from analysis.read.load import load
from analysis.report import execute as execute_module
from analysis.report import plan as plan_module
from analysis.report import record as record_module
from analysis.report import run as run_module
from tests.conftest import tiny_notebook, write_tables

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
# The notebooks a run executes; explore.ipynb is for learning, and runs only under nbval.
TEMPLATES = [p for p in NOTEBOOKS if p.stem != "explore"]


def second_dataset(folder: Path) -> Path:
    """Write a data set unlike the seed: 9 projects in two programs, amounts in 元,
    one project without lines, Chinese and code category names mixed."""
    projects, lines = [], []
    mixes = [
        ("设备费", 0.5, 0.4),
        ("materials", 0.3, 0.2),
        ("差旅费", 0.1, 0.0),
        ("labor", 0.1, 0.1),
    ]
    for i in range(9):
        program = "科技型中小企业创新基金" if i < 5 else "产学研合作专项"
        special_yuan = 100_000 * (i + 1)
        total_yuan = special_yuan * (2 + i % 3)
        pid = f"T2022-{i + 1:02d}"
        if i == 4:  # no breakdown: special and self-raised only
            projects.append([pid, 2022, program, f"测试企业{i + 1}", f"项目{i + 1}",
                             special_yuan, total_yuan - special_yuan, "", "", "元"])  # fmt: skip
            continue
        projects.append([pid, 2022, program, f"测试企业{i + 1}", f"项目{i + 1}",
                         special_yuan, "", total_yuan, "", "元"])  # fmt: skip
        remaining_total, remaining_special = total_yuan, special_yuan
        for j, (category, share, special_share) in enumerate(mixes):
            last = j == len(mixes) - 1
            line_total = remaining_total if last else round(total_yuan * share)
            line_special = remaining_special if last else round(special_yuan * special_share)
            remaining_total -= line_total
            remaining_special -= line_special
            lines.append([pid, category, line_total, line_special, "元", ""])
    projects_df = pd.DataFrame(projects, columns=["project_id", "year", "program", "organization",
                               "title", "special", "self_raised", "total", "self_raised_actual",
                               "unit"])  # fmt: skip
    projects_df.loc[2, "self_raised_actual"] = str(100_000 * 3 * 3)  # 90% of its self-raised
    lines_df = pd.DataFrame(lines, columns=["project_id", "category", "total", "special", "unit",
                                            "note"])  # fmt: skip
    declared = projects_df.groupby("program", sort=False)["special"].sum().reset_index()
    programs_df = declared.assign(year=2022, unit="元").rename(columns={"special": "special_total"})
    return write_tables(
        folder,
        {
            "projects": projects_df,
            "budget_lines": lines_df,
            "programs": programs_df[["program", "year", "special_total", "unit"]],
        },
    )


# --- the templates -------------------------------------------------------------------


def test_there_are_the_five_templates_and_the_notebook_to_learn_from():
    names = {p.stem for p in TEMPLATES}
    assert names == {*plan_module.PROGRAM_NOTEBOOKS, plan_module.PROJECT_NOTEBOOK}
    assert {p.stem for p in NOTEBOOKS} == {*names, "explore"}


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.stem)
def test_template_has_a_documented_parameters_cell(path):
    import papermill

    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    parameters = papermill.inspect_notebook(str(path))
    assert {"data", "lang", "program", "year", "region", "output_dir"} <= set(parameters)
    # A template keeps only the parameters it uses.
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code" and c is not tagged[0])
    for name in parameters:
        assert re.search(rf"\b{name}\b", code), f"{name} is declared but never used"
    for name, spec in parameters.items():
        assert spec["inferred_type_name"] not in ("None", ""), name
        assert spec["help"].strip(), f"{name} has no trailing comment"
        assert spec["default"] not in (None, ""), name
    source = tagged[0].source
    assert "/work" not in source and "~" not in source  # never a path of a machine


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_template_opens_with_chinese_then_english(path):
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "markdown"
    text = first.source
    chinese = text.index("阅读方法")
    english = text.index("How to read it")
    assert chinese < english


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_template_cells_are_thin(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not any(
                line.lstrip().startswith(("for ", "while ", "if ", "def ", "class "))
                for line in cell.source.splitlines()
            ), cell.source


# --- a run on another data set, in English ---------------------------------------------


@pytest.fixture(scope="module")
def english_run(tmp_path_factory):
    data = second_dataset(tmp_path_factory.mktemp("second") / "data")
    out = tmp_path_factory.mktemp("reports") / "out"
    record = run_module.run(str(data), out, lang="en", jobs=2, project_notebooks=3)
    return data, out, record.as_dict()


def test_every_notebook_runs_on_the_second_data_set(english_run):
    manifest = english_run[2]
    statuses = {n["name"]: n["status"] for n in manifest["notebooks"]}
    assert set(statuses.values()) == {"ok"}, statuses
    # The three largest projects by special fund get a notebook of their own, named after
    # the id and a hash of it (the ids hold capitals, which a case-blind disk would merge).
    assert {k for k in statuses if k.startswith("project-")} == {
        safe_name("project-T2022-09"),
        safe_name("project-T2022-08"),
        safe_name("project-T2022-07"),
    }
    assert safe_name("project-T2022-09").startswith("project-T2022-09~")
    assert manifest["status"] == "ok"


def test_run_writes_every_kind_of_output(english_run):
    _, out, manifest = english_run
    for entry in manifest["notebooks"]:
        assert (out / "notebooks" / f"{entry['name']}.ipynb").is_file()
        html = (out / "html" / f"{entry['name']}.html").read_text(encoding="utf-8")
        assert "<html" in html
        for output in entry["outputs"]:
            assert (out / output).is_file(), output
    figures = {p.name for p in (out / "figures").iterdir()}
    assert "funding_split.png" in figures and "funding_split.svg" in figures
    assert safe_name("T2022-09-program_by_category") + ".png" in figures
    # Each notebook's record names the figures it saved, and every figure is named once.
    recorded = [o for e in manifest["notebooks"] for o in e["outputs"] if "figures/" in o]
    overview = next(e for e in manifest["notebooks"] if e["name"] == "overview")
    assert "figures/funding_split.png" in overview["outputs"]
    assert sorted(recorded) == sorted(f"figures/{name}" for name in figures)
    for table in ("projects.csv", "by_category.csv", "programs.csv", "findings.csv",
                  "reconciliation.csv", "organizations.csv", "regions.csv",
                  "summary.xlsx"):  # fmt: skip
        assert (out / "tables" / table).is_file()
    assert not list(out.parent.glob(".out.building-*"))


def test_html_has_no_code(english_run):
    _, out, _ = english_run
    html = (out / "html" / "overview.html").read_text(encoding="utf-8")
    assert "fa.open(" not in html and "a.chart(" not in html
    assert "Program totals" in html
    # An English page: the notebooks' Chinese half is left out.
    assert "计划合计" not in html and "本笔记本" not in html


def test_executed_notebook_uses_the_data_and_language(english_run):
    data, out, _ = english_run
    nb = nbformat.read(out / "notebooks" / "overview.ipynb", as_version=4)
    text = json.dumps([c.get("outputs", []) for c in nb.cells], ensure_ascii=False)
    assert "Special fund" in text and "专项资金" not in text
    expected = measure(load(data)).programs
    assert f"{expected['total'].iloc[0]:,.2f}" in text


def test_manifest_records_inputs_packages_and_notebooks(english_run):
    data, out, manifest = english_run
    on_disk = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk["notebooks"] == manifest["notebooks"]
    files = on_disk["data"]["files"]
    assert set(files) == {"projects.csv", "budget_lines.csv", "programs.csv"}
    assert files["projects.csv"] == record_module.sha256(data / "projects.csv")
    assert on_disk["packages"]["pandas"] == pd.__version__
    assert on_disk["version"] == analysis.__version__
    assert on_disk["command"]["lang"] == "en" and on_disk["command"]["jobs"] == 2
    assert on_disk["git_commit"] is None or len(on_disk["git_commit"]) == 40
    entry = next(n for n in on_disk["notebooks"] if n["name"] == safe_name("project-T2022-08"))
    assert entry["parameters"]["project_id"] == "T2022-08"
    assert entry["parameters"]["lang"] == "en"
    assert entry["duration_s"] > 0
    assert entry["error"] is None


def test_summary_workbook_is_for_people(english_run):
    _, out, _ = english_run
    book = load_workbook(out / "tables" / "summary.xlsx")
    assert book.sheetnames[0] == "About"
    about = {r[0].value: r[1].value for r in book["About"].iter_rows(min_row=2) if r[0].value}
    # The files read, with the sha256 the manifest gives them.
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for name, digest in manifest["data"]["files"].items():
        assert about[name] == digest
    assert about["Written"] == manifest["started"]
    sheet = book["Projects"]
    headers = [c.value for c in sheet[1]]  # the header in row 1, frozen under it
    assert sheet.freeze_panes == "A2"
    assert "Special fund (万元)" in headers and "Leverage" in headers
    special = sheet.cell(row=2, column=headers.index("Special fund (万元)") + 1)
    assert special.number_format == "#,##0.00"
    assert isinstance(special.value, int | float)  # a number, not text


def test_chinese_summary_headers(tmp_path):
    from analysis.check.reconcile import reconciliation
    from analysis.check.rules import check
    from analysis.report.tables import measure_tables, write_workbook

    ds = load()
    tables = measure_tables(measure(ds), check(ds), reconciliation(ds))
    book = load_workbook(write_workbook(tables, tmp_path / "s.xlsx", "zh", ds.categories))
    sheet = book["项目"]
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["项目编号", "承担单位", "专项资金（万元）"]
    leverage = sheet.cell(row=2, column=headers.index("撬动比") + 1)
    assert leverage.number_format == '"1 : "#,##0.00'
    assert leverage.value == pytest.approx(188 / 52)


# --- failures and the swap -------------------------------------------------------------


@pytest.fixture
def fake_templates(tmp_path, monkeypatch):
    """Point the run at three tiny notebooks, one of which fails in its second cell."""
    folder = tmp_path / "templates"
    folder.mkdir()
    tiny_notebook(folder / "good.ipynb", "print('fine')")
    tiny_notebook(folder / "bad.ipynb", "raise ValueError('made to fail')")
    tiny_notebook(folder / "also_good.ipynb", "print('fine too')")
    monkeypatch.setattr(execute_module, "NOTEBOOKS_DIR", folder)
    monkeypatch.setattr(plan_module, "PROGRAM_NOTEBOOKS", ("good", "also_good"))
    return folder


def args(out: Path, data: str | None = None) -> argparse.Namespace:
    return argparse.Namespace(data=data, out=str(out), lang="zh", jobs=2, project_notebooks=0)


def test_good_run_then_failing_run_keeps_the_good_output(
    tmp_path, fake_templates, monkeypatch, capsys
):
    out = tmp_path / "out"
    assert run_module.command(args(out)) == 0
    before = (out / "manifest.json").read_bytes()
    monkeypatch.setattr(plan_module, "PROGRAM_NOTEBOOKS", ("good", "bad", "also_good"))
    assert run_module.command(args(out)) == 1
    err = capsys.readouterr().err
    assert "FAILED  bad.ipynb  cell 3: ValueError: made to fail" in err
    assert (out / "manifest.json").read_bytes() == before  # earlier good output intact
    failed = json.loads((tmp_path / "out.failed" / "manifest.json").read_text(encoding="utf-8"))
    statuses = {n["name"]: n["status"] for n in failed["notebooks"]}
    assert statuses == {"good": "ok", "bad": "failed", "also_good": "ok"}
    bad = next(n for n in failed["notebooks"] if n["name"] == "bad")
    assert bad["error"]["ename"] == "ValueError" and bad["error"]["cell_index"] == 2
    executed = nbformat.read(tmp_path / "out.failed" / "notebooks" / "bad.ipynb", as_version=4)
    shown = json.dumps(executed.cells[-1].outputs)
    assert "made to fail" in shown  # the executed copy shows the failing cell


def test_interrupted_run_leaves_earlier_output_and_no_debris(tmp_path, fake_templates, monkeypatch):
    out = tmp_path / "out"
    assert run_module.command(args(out)) == 0
    before = sorted(p.relative_to(out) for p in out.rglob("*"))

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(run_module, "execute_all", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_module.command(args(out))
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    assert not list(tmp_path.glob(".out.*"))


def test_bad_data_stops_before_any_notebook(tmp_path, fake_templates, seed_tables, monkeypatch):
    lines = seed_tables["budget_lines"].copy()
    lines.loc[0, "total"] = "一百七十"
    data = write_tables(tmp_path / "bad", {**seed_tables, "budget_lines": lines})
    started = []
    monkeypatch.setattr(run_module, "execute_all", lambda *a, **k: started.append(1) or [])
    with pytest.raises(InputError) as caught:
        run_module.command(args(tmp_path / "out", data=str(data)))
    assert caught.value.kind == "not_a_number"
    assert not started
    assert not (tmp_path / "out").exists()
    assert not list(tmp_path.glob(".out.*"))


def test_bad_data_exits_2_through_the_cli(tmp_path, seed_tables):
    lines = seed_tables["budget_lines"].copy()
    lines.loc[0, "unit"] = "千元"
    data = write_tables(tmp_path / "bad", {**seed_tables, "budget_lines": lines})
    command = [sys.executable, "-m", "analysis", "run", "--data", str(data), "--out"]
    result = subprocess.run(
        [*command, str(tmp_path / "o")], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "budget_lines.csv, row 2, column unit" in result.stderr
    assert not (tmp_path / "o").exists()


def test_run_refuses_to_replace_a_folder_it_did_not_write(tmp_path, fake_templates):
    precious = tmp_path / "thesis"
    precious.mkdir()
    (precious / "chapter1.docx").write_text("years of work")
    with pytest.raises(InputError):
        run_module.command(args(precious))
    assert (precious / "chapter1.docx").read_text() == "years of work"


def test_plain_progress_lines_when_not_a_terminal(tmp_path, fake_templates, capsys):
    assert run_module.command(args(tmp_path / "out")) == 0
    err = capsys.readouterr().err.splitlines()
    assert any(line.startswith("[1/2] ok      ") for line in err)
    assert any(line.startswith("[2/2] ok      ") for line in err)


# --- other ways in ---------------------------------------------------------------------


def test_papermill_cli_from_any_working_directory(tmp_path):
    papermill = Path(sys.executable).with_name("papermill")
    out = tmp_path / "leverage.ipynb"
    result = subprocess.run(
        [str(papermill), str(NOTEBOOKS_DIR / "leverage.ipynb"), str(out), "-p", "lang", "en",
         "--cwd", str(tmp_path), "-k", "python3"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    executed = nbformat.read(out, as_version=4)
    text = json.dumps([c.get("outputs", []) for c in executed.cells], ensure_ascii=False)
    assert "1 : 3.62" in text and "Leverage" in text


def test_the_session_cache_serves_only_the_same_data(tmp_path, seed_copy):
    import analysis as fa
    from analysis._cache import fingerprint, read_cache, write_cache
    from analysis.check.rules import check

    ds = load(seed_copy)
    write_cache(tmp_path, fingerprint(str(seed_copy), ds.files), ds, measure(ds), check(ds))
    assert read_cache(tmp_path, str(seed_copy)) is not None
    assert read_cache(tmp_path, "") is None  # other data: the bundled tables
    assert read_cache(tmp_path / "elsewhere", str(seed_copy)) is None
    cached = fa.open(seed_copy, output_dir=tmp_path)
    fresh = fa.open(seed_copy)
    assert "measures" in cached.__dict__ and "measures" not in fresh.__dict__
    pd.testing.assert_frame_equal(cached.measures.projects, fresh.measures.projects)
    pd.testing.assert_frame_equal(cached.findings, fresh.findings)
    # A filtered notebook takes the cached tables and measures its own part of them.
    narrowed = fa.open(seed_copy, year=2021, output_dir=tmp_path)
    pd.testing.assert_frame_equal(narrowed.measures.projects, fresh.measures.projects)
    # A table changed since the run wrote the cache: the cache no longer serves it.
    projects = seed_copy / "projects.csv"
    projects.write_text(projects.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert read_cache(tmp_path, str(seed_copy)) is None


def test_a_run_leaves_no_cache_behind(english_run):
    # Only what this run made is looked at: its report, and the folder made for it alone.
    _, out, manifest = english_run
    assert not list(out.rglob("*.pickle"))
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]  # no build, lock or .old
    assert ".fund-analysis-session.pickle" not in manifest["files"]


def test_a_run_leaves_the_working_directory_alone(tmp_path, fake_templates, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run_module.command(args(tmp_path / "out")) == 0
    assert Path.cwd() == tmp_path


def test_a_missing_cjk_font_is_said_once(tmp_path, fake_templates, monkeypatch, capsys):
    from analysis.draw import theme as fonts

    monkeypatch.setattr(fonts, "installed_families", lambda: {"DejaVu Sans"})
    assert run_module.command(args(tmp_path / "out")) == 0
    err = capsys.readouterr().err.splitlines()
    said = [line for line in err if "fonts-noto-cjk" in line]
    assert len(said) == 1 and said[0].startswith("fund-analysis: ")


def test_a_kernel_that_died_before_its_first_cell_is_started_again():
    from analysis.report.execute import KERNEL_STARTS, _with_a_second_start

    starts = []

    def flaky():
        starts.append(1)
        if len(starts) < KERNEL_STARTS:
            raise RuntimeError("Kernel died before replying to kernel_info")
        return "ran"

    assert _with_a_second_start(flaky, None) == "ran" and len(starts) == KERNEL_STARTS
    starts.clear()

    def broken():  # any other failure is the notebook's: not run again
        starts.append(1)
        raise RuntimeError("something else")

    with pytest.raises(RuntimeError, match="something else"):
        _with_a_second_start(broken, None)
    assert len(starts) == 1
