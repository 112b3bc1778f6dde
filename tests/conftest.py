"""Shared fixtures: the bundled seed data, and a way to write variants of it."""

from __future__ import annotations

import shutil
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from analysis.config import bundled_data_dir

matplotlib.use("Agg")

SEED = bundled_data_dir()
TABLES = ("projects", "budget_lines", "programs", "categories")


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
