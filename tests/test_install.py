"""The package as a user installs it: a wheel built, put in a fresh environment, run elsewhere.

Building: `python -m build` on a copy of what the build reads from the checkout (so the
checkout gets no build/ or egg-info). It builds the sdist, then the wheel from the sdist,
so both are proven to carry the data and the notebooks; its setuptools comes from the
package index, as in any build.

Installing without downloading everything again: the fresh environment is made without
pip (`venv --without-pip`, a fraction of a second) and a .pth file lists this
environment's site-packages after its own, so pandas, jupyter and the rest are found
where they are already installed. A folder named in a .pth file is only put on sys.path;
the .pth files inside it are not read, so the editable install's import hook never runs
there and the checkout cannot be imported. The wheel is installed by this environment's
pip (reached the same way) with --no-deps --ignore-installed, so pip neither resolves
against nor touches the editable install; `pip check` then proves the wheel's
requirements are met. The dependencies' data files under share/jupyter (nbconvert's HTML
templates) are reached through a link, as site-packages is through the .pth file.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pandas as pd
import pytest

import analysis
from analysis.config import safe_name
from tests.conftest import write_tables
from tests.test_extract import CLEAN_REPORT

ROOT = Path(__file__).resolve().parents[1]
# What the build reads: pyproject.toml names the rest of the checkout nowhere.
BUILD_INPUTS = ("pyproject.toml", "README.md", "analysis", "data", "notebooks")
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
DATA_FILES = sorted(p.name for p in (ROOT / "data").iterdir() if p.is_file())


@dataclass(frozen=True)
class Installed:
    """A fresh environment with the wheel installed, and a folder outside everything."""

    wheel: Path
    sdist: Path
    venv: Path
    site: Path
    elsewhere: Path

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        return {**env, **extra}

    def run(self, *command: str | Path, cwd: Path | None = None, **env: str):
        """Run a command of the fresh environment (`fund-analysis`, `python`) elsewhere."""
        program, *rest = command
        if program in ("fund-analysis", "python"):
            program = self.venv / "bin" / program
        return subprocess.run(
            [str(program), *map(str, rest)],
            capture_output=True,
            text=True,
            encoding="utf-8",
            cwd=cwd or self.elsewhere,
            env=self.env(**env),
            timeout=600,
        )


def _checked(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    root = tmp_path_factory.mktemp("install")
    source = root / "source"
    for name in BUILD_INPUTS:
        if (ROOT / name).is_dir():
            shutil.copytree(
                ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            source.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    dist = root / "dist"
    _checked(
        subprocess.run(
            [sys.executable, "-m", "build", "--outdir", str(dist), str(source)],
            capture_output=True,
            text=True,
            timeout=600,
        )
    )
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")

    venv = root / "venv"
    _checked(subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)]))
    python = venv / "bin" / "python"
    site = Path(
        _checked(
            subprocess.run(
                [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                capture_output=True,
                text=True,
            )
        ).stdout.strip()
    )
    ours = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    (site / "_fund_analysis_dependencies.pth").write_text("\n".join(ours) + "\n", encoding="utf-8")
    # The dependencies' data files (nbconvert's templates among them) are installed under
    # this environment's prefix, not in site-packages: link them in the same way.
    (venv / "share").mkdir()
    (venv / "share" / "jupyter").symlink_to(Path(sys.prefix) / "share" / "jupyter")
    elsewhere = root / "elsewhere"
    elsewhere.mkdir()
    box = Installed(wheel, sdist, venv, site, elsewhere)
    pip = ("python", "-m", "pip", "--disable-pip-version-check")
    _checked(box.run(*pip, "install", "--no-index", "--no-deps", "--ignore-installed", wheel))
    _checked(box.run(*pip, "check"))
    return box


def test_the_wheel_and_the_sdist_carry_the_notebooks_and_the_data(installed):
    names = zipfile.ZipFile(installed.wheel).namelist()
    assert sorted(n.split("/")[-1] for n in names if n.startswith("analysis/notebooks/")) == (
        NOTEBOOKS
    )
    assert sorted(n.split("/")[-1] for n in names if n.startswith("analysis/data/")) == DATA_FILES
    assert {"projects.csv", "datapackage.json", "README.md"} <= set(DATA_FILES)
    with tarfile.open(installed.sdist) as sdist:
        inside = {Path(*Path(n).parts[1:]).as_posix() for n in sdist.getnames()}
    assert {f"notebooks/{n}" for n in NOTEBOOKS} | {f"data/{n}" for n in DATA_FILES} <= inside


def test_the_installed_package_finds_its_files_inside_itself(installed):
    code = (
        "import analysis, analysis.config as c; "
        "print(analysis.__file__, c.DATA_DIR, c.NOTEBOOKS_DIR, sep='\\n')"
    )
    module, data, notebooks = _checked(installed.run("python", "-c", code)).stdout.split("\n")[:3]
    package = installed.site / "analysis"
    assert Path(module) == package / "__init__.py"  # not the checkout
    assert Path(data) == package / "data"
    assert Path(notebooks) == package / "notebooks"
    printed = _checked(installed.run("fund-analysis", "notebooks")).stdout
    assert printed == f"{package / 'notebooks'}\n"


def test_version_from_the_one_place(installed):
    result = _checked(installed.run("fund-analysis", "--version"))
    assert result.stdout == f"fund-analysis {analysis.__version__}\n"
    assert f"-{analysis.__version__}-" in installed.wheel.name


def test_validate_and_metrics_on_the_bundled_data_and_a_users_folder(installed, seed_tables):
    bundled = _checked(installed.run("fund-analysis", "validate", "--lang", "en"))
    assert bundled.stdout.startswith(f"data: {installed.site / 'analysis' / 'data'}\n")
    assert "0 errors, 3 warnings" in bundled.stdout
    lines = seed_tables["budget_lines"].copy()
    lines.loc[0, "total"] = "171"  # 北塑管业 设备费 170 → 171: its lines no longer sum to 240
    write_tables(installed.elsewhere / "mine", {**seed_tables, "budget_lines": lines})
    own = installed.run("fund-analysis", "validate", "--data", "mine", "--lang", "en")
    assert own.returncode == 1 and own.stdout.startswith("data: mine\n")
    assert "R09 lines_total_mismatch" in own.stdout
    metrics = _checked(installed.run("fund-analysis", "metrics", "--format", "csv"))
    beisu = pd.read_csv(io.StringIO(metrics.stdout)).set_index("organization").loc["北塑管业"]
    assert beisu["leverage"] == 188 / 52


def test_extract_writes_tables_that_validate(installed):
    report = installed.elsewhere / "report.txt"
    report.write_text(CLEAN_REPORT, encoding="utf-8")
    _checked(installed.run("fund-analysis", "extract", "report.txt", "--out", "extracted"))
    _checked(installed.run("fund-analysis", "validate", "--data", "extracted"))


def test_a_full_run_from_another_directory(installed):
    result = installed.run("fund-analysis", "run", "--out", "reports", "--jobs", "2")
    _checked(result)
    out = installed.elsewhere / "reports"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "ok"
    assert manifest["version"] == analysis.__version__
    assert manifest["packages"]["fund-analysis"] == analysis.__version__
    assert manifest["data"]["source"] == str(installed.site / "analysis" / "data")
    names = {n["name"] for n in manifest["notebooks"] if n["status"] == "ok"}
    assert names == {
        "overview",
        "categories",
        "leverage",
        "trends",
        "data_quality",
        "evaluation",
    } | {safe_name(f"project-XYCX-2021-0{i}") for i in range(1, 5)}
    assert (out / "tables" / "summary.xlsx").is_file()
    assert (out / "tables" / "自评表.xlsx").is_file()
    assert (out / "html" / "leverage.html").is_file()


def test_papermill_runs_an_installed_notebook_on_the_registered_kernel(installed, tmp_path):
    jupyter = {"JUPYTER_DATA_DIR": str(tmp_path / "jupyter")}  # not the user's own
    registered = _checked(installed.run("fund-analysis", "kernel", "install", "--user", **jupyter))
    assert "registered kernel fund-analysis" in registered.stdout
    spec = json.loads((tmp_path / "jupyter/kernels/fund-analysis/kernel.json").read_text())
    assert spec["argv"][0] == str(installed.python)
    notebooks = Path(_checked(installed.run("fund-analysis", "notebooks")).stdout.strip())
    out = tmp_path / "leverage.ipynb"
    papermill = ("python", "-m", "papermill", notebooks / "leverage.ipynb", out)
    _checked(installed.run(*papermill, "-k", "fund-analysis", "-p", "lang", "en", **jupyter))
    executed = nbformat.read(out, as_version=4)
    text = json.dumps([c.get("outputs", []) for c in executed.cells], ensure_ascii=False)
    assert "1 : 3.62" in text and "Leverage" in text
