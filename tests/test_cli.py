"""The command line, run as users run it: in a subprocess, with its exit codes."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import analysis
from analysis.config import NOTEBOOKS_DIR
from analysis.kernel import _same_python
from tests.conftest import CONSOLE_SCRIPT, write_tables
from tests.conftest import run_cli as run


def assert_one_line_error(result: subprocess.CompletedProcess, *parts: str) -> None:
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for part in parts:
        assert part in lines[0]


def test_validate_passes_on_the_seed_with_three_warnings(tmp_path):
    result = run("validate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "R15" in result.stdout and "R16" in result.stdout and "R17" in result.stdout
    assert "110%" in result.stdout
    assert "5 元" in result.stdout
    assert "错误 0 项，警告 3 项" in result.stdout
    assert "0 errors, 3 warnings" in result.stdout


def test_validate_json(tmp_path):
    result = run("validate", "--format", "json")
    data = json.loads(result.stdout)
    assert (data["errors"], data["warnings"]) == (0, 3)
    assert {f["rule"] for f in data["findings"]} == {"R15", "R16", "R17"}


def test_validate_exits_1_and_names_project_and_rule(tmp_path, seed_tables):
    lines = seed_tables["budget_lines"].copy()
    lines.loc[0, "total"] = "171"  # 北塑管业 设备费 170 → 171: its lines no longer sum to 240
    folder = write_tables(tmp_path, {**seed_tables, "budget_lines": lines})
    result = run("validate", "--data", str(folder), "--lang", "en")
    assert result.returncode == 1
    assert "R09 lines_total_mismatch" in result.stdout
    assert "XYCX-2021-01 (北塑管业)" in result.stdout
    assert "241.00 万元" in result.stdout


def test_metrics_csv_by_project_has_the_briefs_columns_at_full_precision():
    result = run("metrics", "--format", "csv", "--by", "project")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout))
    for column in ["project_id", "organization", "special", "self_raised", "total",
                   "special_share", "self_raised_share", "leverage", "multiplier"]:  # fmt: skip
        assert column in table.columns
    beisu = table.set_index("organization").loc["北塑管业"]
    assert beisu["leverage"] == 188 / 52  # exact: printed with every digit
    assert beisu["multiplier"] == 240 / 52


def test_metrics_json_is_plain_numbers(tmp_path):
    result = run("metrics", "--by", "program", "--format", "json")
    data = json.loads(result.stdout)
    assert data["unit"] == "万元"
    program = data["rows"][0]
    assert (program["special"], program["self_raised"], program["total"]) == (200, 472, 672)
    assert program["leverage"] == 472 / 200


def test_metrics_table_is_for_people():
    result = run("metrics")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "单位：万元"
    assert "承担单位" in lines[1] and "撬动比" in lines[1]
    beisu = next(line for line in lines if "北塑管业" in line)
    assert "1 : 3.62" in beisu and "4.62" in beisu and "188.00" in beisu
    english = run("metrics", "--by", "category", "--lang", "en").stdout
    assert "Equipment" in english and "Unallocated" in english and "295.00" in english


def test_thousands_separators_in_the_people_table(tmp_path, seed_tables):
    projects = seed_tables["projects"].copy()
    projects["unit"] = "元"
    for column in ("special", "total", "self_raised", "self_raised_actual"):
        projects[column] = projects[column].map(lambda s: f"{int(s) * 10000}" if s else s)
    folder = write_tables(tmp_path, {**seed_tables, "projects": projects})
    out = run("metrics", "--data", str(folder), "--by", "program").stdout
    assert "672.00" in out
    big = projects.copy()
    big.loc[0, ["special", "total"]] = ["520000000", "2400000000"]
    folder = write_tables(tmp_path / "big", {**seed_tables, "projects": big})
    out = run("metrics", "--data", str(folder)).stdout
    assert "240,000.00" in out


def test_console_script_and_module_are_the_same_program():
    if not CONSOLE_SCRIPT.exists():
        pytest.fail(f"console script not installed at {CONSOLE_SCRIPT}")
    a = run("metrics", "--format", "csv", module=False)
    b = run("metrics", "--format", "csv")
    assert a.returncode == b.returncode == 0
    assert a.stdout == b.stdout


@pytest.mark.parametrize("args", [["metrics", "--by", "nonsense"], ["frobnicate"], []])
def test_usage_errors_exit_2_with_one_line(args):
    assert_one_line_error(run(*args), "usage error")


def test_missing_data_exits_2(tmp_path):
    assert_one_line_error(run("validate", "--data", str(tmp_path / "nowhere")), "nowhere")


def test_text_in_a_number_exits_2_naming_file_row_column(tmp_path, seed_tables):
    lines = seed_tables["budget_lines"].copy()
    lines.loc[2, "total"] = "一点五"
    folder = write_tables(tmp_path, {**seed_tables, "budget_lines": lines})
    for command in ("validate", "metrics"):
        result = run(command, "--data", str(folder))
        assert_one_line_error(result, "budget_lines.csv", "row 4", "column total", "一点五")


def test_broken_encoding_exits_2(tmp_path):
    folder = Path(shutil.copytree(Path(__file__).parents[1] / "data", tmp_path / "d"))
    (folder / "projects.csv").write_bytes(b"project_id,year\n\xff\xfe\xfa\x80,2021\n")
    assert_one_line_error(run("validate", "--data", str(folder)), "projects.csv", "encoding")


def test_rules_listing():
    result = run("rules", "--format", "csv")
    table = pd.read_csv(io.StringIO(result.stdout))
    assert {"rule", "severity", "files", "message_zh", "message_en"} <= set(table.columns)
    shown = run("rules").stdout  # for people: words, not {placeholders} or codes
    assert "{" not in shown and "〈项目编号〉" in shown and "金额为负数" in shown
    assert "negative_amount" not in shown and "错误" in shown


@pytest.mark.parametrize(("given", "shown"), [(None, "False 0"), ("1", "True 1")])
def test_commands_prefer_small_pages_unless_told(given, shown):
    script = (
        "import os; from analysis.cli import prefer_small_pages; prefer_small_pages(); "
        "from numpy._core.multiarray import _get_madvise_hugepage; "
        "print(_get_madvise_hugepage(), os.environ['NUMPY_MADVISE_HUGEPAGE'])"
    )
    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    if given is not None:
        env["NUMPY_MADVISE_HUGEPAGE"] = given
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.split() == shown.split()


def test_version_is_the_one_in_analysis_init():
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout == f"fund-analysis {analysis.__version__}\n"


# --- notebooks and a kernel for JupyterLab ----------------------------------------------


def test_notebooks_prints_the_folder_of_the_notebooks(tmp_path):
    result = run("notebooks", cwd=tmp_path)
    assert result.returncode == 0
    assert Path(result.stdout.strip()) == NOTEBOOKS_DIR
    assert (NOTEBOOKS_DIR / "overview.ipynb").is_file()


def test_notebooks_copy_keeps_a_users_file_unless_forced(tmp_path):
    names = sorted(p.name for p in NOTEBOOKS_DIR.glob("*.ipynb"))
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "overview.ipynb").write_text("my edits", encoding="utf-8")
    refused = run("notebooks", "--copy", str(mine))
    assert_one_line_error(refused, str(mine / "overview.ipynb"), "--force")
    assert [p.name for p in mine.iterdir()] == ["overview.ipynb"]  # nothing copied
    assert (mine / "overview.ipynb").read_text(encoding="utf-8") == "my edits"
    forced = run("notebooks", "--copy", str(mine), "--force")
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout.splitlines() == [str(mine / name) for name in names]
    assert (mine / "overview.ipynb").read_bytes() == (NOTEBOOKS_DIR / "overview.ipynb").read_bytes()


def test_notebooks_copy_into_a_new_folder(tmp_path):
    result = run("notebooks", "--copy", "a/b", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "a" / "b").iterdir()) == sorted(
        p.name for p in NOTEBOOKS_DIR.glob("*.ipynb")
    )


def test_kernel_install_registers_this_python(tmp_path):
    result = run("kernel", "install", "--user", JUPYTER_DATA_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    spec = json.loads((tmp_path / "kernels" / "fund-analysis" / "kernel.json").read_text())
    assert spec["argv"][0] == sys.executable
    assert "ipykernel_launcher" in spec["argv"]
    assert spec["display_name"] == "fund-analysis (Python {}.{})".format(*sys.version_info[:2])
    assert "registered kernel fund-analysis" in result.stdout
    again = run("kernel", "install", "--user", JUPYTER_DATA_DIR=str(tmp_path))
    assert again.returncode == 0, again.stderr  # the same environment: refreshed


def test_kernel_install_keeps_another_environments_kernel_unless_forced(tmp_path):
    folder = tmp_path / "kernels" / "fund-analysis"
    folder.mkdir(parents=True)
    argv = ["/opt/other/bin/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    other = {"argv": argv, "display_name": "other", "language": "python"}
    (folder / "kernel.json").write_text(json.dumps(other), encoding="utf-8")
    refused = run("kernel", "install", "--user", JUPYTER_DATA_DIR=str(tmp_path))
    assert_one_line_error(refused, str(folder), "/opt/other/bin/python", "--force")
    assert json.loads((folder / "kernel.json").read_text()) == other
    forced = run("kernel", "install", "--user", "--force", JUPYTER_DATA_DIR=str(tmp_path))
    assert forced.returncode == 0, forced.stderr
    assert json.loads((folder / "kernel.json").read_text())["argv"][0] == sys.executable


def test_kernel_install_names_another_kernel(tmp_path):
    result = run("kernel", "install", "--user", "--name", "fa-2024", JUPYTER_DATA_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    spec = json.loads((tmp_path / "kernels" / "fa-2024" / "kernel.json").read_text())
    assert spec["display_name"].startswith("fa-2024 (Python")
    assert_one_line_error(run("kernel", "install", "--name", "a b"), "usage error", "--name")


def test_two_names_of_one_environments_python_are_one_environment(tmp_path):
    for name in ("python", "python3"):
        (tmp_path / "env" / "bin").mkdir(parents=True, exist_ok=True)
        (tmp_path / "env" / "bin" / name).symlink_to(sys.executable)
    (tmp_path / "other" / "bin").mkdir(parents=True)
    (tmp_path / "other" / "bin" / "python").symlink_to(sys.executable)
    assert _same_python(str(tmp_path / "env/bin/python"), str(tmp_path / "env/bin/python3"))
    # Another virtual environment's python links to the same interpreter, yet is another.
    assert not _same_python(str(tmp_path / "env/bin/python"), str(tmp_path / "other/bin/python"))


def test_kernel_install_without_rights_says_to_use_user(monkeypatch):
    import ipykernel.kernelspec

    from analysis.errors import InputError
    from analysis.kernel import install, kernel_folder

    def refused(**_):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(ipykernel.kernelspec, "install", refused)
    with pytest.raises(InputError) as caught:
        install("fund-analysis-test-never-written")
    assert "--user" in caught.value.message()
    assert caught.value.file == str(kernel_folder("fund-analysis-test-never-written", False).parent)


# --- filters that keep nothing, and an --out that is no folder (issue 12, item 16) ------

SEED_PROGRAM = "县域创新跃升计划"


@pytest.mark.parametrize(
    ("args", "named"),
    [(["--program", "nope"], ["column program", "'nope'", f"programs: {SEED_PROGRAM}"]),
     (["--year", "2020"], ["column year", "'2020'", "years: 2021"]),
     (["--program", SEED_PROGRAM, "--year", "2020", "--format", "csv"],
      ["column year", "'2020'", f"years of {SEED_PROGRAM}: 2021"]),
     (["--program", "nope", "--by", "program", "--format", "json"], ["'nope'", SEED_PROGRAM])],
    ids=["program", "year", "program-and-year", "json"],
)  # fmt: skip
def test_a_filter_that_keeps_nothing_names_what_there_is(args, named):
    assert_one_line_error(run("metrics", *args), *named)


def test_a_selection_of_nothing_is_the_same_error_for_python(seed_copy):
    import analysis as fa
    from analysis.errors import InputError

    assert len(fa.open(seed_copy, program=SEED_PROGRAM, year=2021).data.projects) == 4
    with pytest.raises(InputError) as caught:
        fa.open(seed_copy, program="nope")
    assert caught.value.column == "program" and SEED_PROGRAM in caught.value.message()


@pytest.mark.parametrize("command", ["run"])
def test_an_empty_out_is_a_usage_error(tmp_path, command):
    assert_one_line_error(run(command, "--out", "", cwd=tmp_path), "--out")
    assert list(tmp_path.iterdir()) == []


def test_metrics_csv_on_stdout_stays_raw_for_programs(tmp_path, seed_tables):
    formula = '=HYPERLINK("http://x","click")'
    projects = seed_tables["projects"].copy()
    projects.loc[0, "organization"] = formula
    data = write_tables(tmp_path / "data", {**seed_tables, "projects": projects})
    result = run("metrics", "--data", str(data), "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = pd.read_csv(io.StringIO(result.stdout), dtype=str)
    assert rows.loc[0, "organization"] == formula  # programs read the name the data holds
