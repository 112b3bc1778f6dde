"""The committed notebooks are nbval's baseline: complete, clean, and able to catch a change."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from analysis.config import NOTEBOOKS_DIR, PROJECT_ROOT

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
SANITIZE = PROJECT_ROOT / "tests" / "nbval_sanitize.cfg"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_code_cell_carries_the_outputs_of_a_real_run(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(code) + 1)), "run top to bottom, once"
    for cell in code:
        pictures = sum("image/png" in o.get("data", {}) for o in cell.outputs)
        # Each chart's picture: the library's, and the analyst's own in explore.ipynb.
        charts = sum(cell.source.count(call) for call in ("a.chart(", ".plot.", "sns.barplot("))
        assert pictures == charts, cell.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_outputs_hold_nothing_of_the_machine(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        assert "execution" not in cell.metadata and "papermill" not in cell.metadata
        for output in cell.get("outputs", []):
            assert output.output_type != "error"
            assert not (output.output_type == "stream" and output.name == "stderr"), output.text
            text = json.dumps({k: v for k, v in output.get("data", {}).items() if "image" not in k})
            text += output.get("text", "")
            assert "/work/" not in text and "/home/" not in text and "/tmp/" not in text
            assert not re.search(r"\b20\d\d-\d\d-\d\d[ T]\d\d:\d\d", text), "a timestamp"
    assert set(nb.metadata.get("language_info", {})) <= {"name"}


def run_nbval(folder: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env",
               "--nbval-sanitize-with", str(SANITIZE), "-p", "no:cacheprovider", "-q",
               "-o", "addopts=", "--rootdir", str(folder), str(folder)]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, cwd=folder, timeout=900)


def test_nbval_fails_when_one_figure_changes(tmp_path):
    """北塑管业's 设备费 170 → 171 in a copy of the data: nbval on the committed notebooks
    (their default data path pointed at the copy) must fail and name notebook and cell."""
    data = Path(shutil.copytree(PROJECT_ROOT / "data", tmp_path / "data"))
    lines = pd.read_csv(data / "budget_lines.csv", dtype=str, keep_default_na=False)
    row = (lines["project_id"] == "XYCX-2021-01") & (lines["category"] == "设备费")
    assert lines.loc[row, "total"].tolist() == ["170"]
    lines.loc[row, "total"] = "171"
    lines.to_csv(data / "budget_lines.csv", index=False)

    copies = tmp_path / "notebooks"
    copies.mkdir()
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        (params,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert 'data: str = ""' in params.source
        params.source = params.source.replace('data: str = ""', f"data: str = {str(data)!r}")
        nbformat.write(nb, copies / path.name)

    result = run_nbval(copies)
    report = result.stdout
    assert result.returncode == 1, report[-3000:]
    failed = set(re.findall(r"FAILED \S*?(\w+)\.ipynb::Cell (\d+)", report))
    failed_notebooks = {name for name, _ in failed}
    # The category tables show 171, the data-quality notebook the broken sum (R09).
    assert {"categories", "data_quality", "project"} <= failed_notebooks, report[-3000:]
    # Project totals come from projects.csv, so the leverage notebook rightly still passes.
    assert "leverage" not in failed_notebooks
    assert "171.00" in report
