"""Shared fixtures: the bundled seed data, and a way to write variants of it."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from analysis.config import bundled_data_dir

matplotlib.use("Agg")

SEED = bundled_data_dir()
TABLES = ("projects", "budget_lines", "programs", "categories")


CONSOLE_SCRIPT = Path(sys.executable).with_name("fund-analysis")


def run_cli(
    *args: str, cwd: Path | None = None, module: bool = True, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run `python -m analysis ARGS` (module=False: the fund-analysis console script) in a
    process of its own, and return what it printed and its exit code. A command that would
    hang (a FIFO or /dev/zero read) fails after two minutes rather than wait."""
    command = [sys.executable, "-m", "analysis"] if module else [str(CONSOLE_SCRIPT)]
    return subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env={**os.environ, **env},
        timeout=120,
    )


GENERATOR = Path(__file__).resolve().parents[1] / "benchmarks" / "generate.py"


def benchmark_generator():
    """Return benchmarks/generate.py as a module (a folder of scripts, not a package: the
    file is imported by its path)."""
    spec = importlib.util.spec_from_file_location("benchmarks_generate", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tiny_notebook(path: Path, source: str, *parameters: str) -> None:
    """Write a notebook of two cells, a parameters cell (data, lang, output_dir and any
    `parameters` lines such as 'year: int = 0  # year') and `source`, for a run to execute."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    lines = ['data: str = ""  # data', 'lang: str = "zh"  # language',
             'output_dir: str = ""  # figures', *parameters]  # fmt: skip
    params = nbformat.v4.new_code_cell("\n".join(lines))
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(source)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}  # fmt: skip
    nbformat.write(nb, path)


def read_seed_tables() -> dict[str, pd.DataFrame]:
    """Return the bundled tables as text, exactly as the files hold them."""
    return {
        name: pd.read_csv(SEED / f"{name}.csv", dtype=str, keep_default_na=False) for name in TABLES
    }


def write_tables(folder: Path, tables: dict[str, pd.DataFrame], encoding: str = "utf-8") -> Path:
    """Write the tables as CSV files named like the brief's, and return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        table.to_csv(folder / f"{name}.csv", index=False, encoding=encoding)
    return folder


@pytest.fixture
def seed_tables() -> dict[str, pd.DataFrame]:
    return read_seed_tables()


@pytest.fixture
def seed_copy(tmp_path: Path) -> Path:
    """Return a writable copy of the bundled data folder."""
    return Path(shutil.copytree(SEED, tmp_path / "data"))


@pytest.fixture(scope="session")
def seed_report(tmp_path_factory) -> Path:
    """A report of the bundled data in Chinese, as `fund-analysis run` writes it (every
    notebook, a project notebook each): for the tests that read what people open. Read it,
    never write into it."""
    import io

    from analysis.report.run import run

    out = tmp_path_factory.mktemp("seed-report") / "report"
    record = run(None, out, lang="zh", jobs=2, stream=io.StringIO())
    assert record.status == "ok"
    return out
