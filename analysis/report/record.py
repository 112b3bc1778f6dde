"""The record of a run: what became of each notebook, and the manifest that says so."""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass, field
from pathlib import Path

from analysis.config import (
    PROJECT_ROOT,
)
from analysis.report.html import export_html

MANIFEST = "manifest.json"


@dataclass
class Outcome:
    """What became of one notebook (one entry of the manifest)."""

    name: str
    template: str
    parameters: dict[str, object]
    status: str = "pending"
    duration_s: float = 0.0
    outputs: list[str] = field(default_factory=list)
    error: dict[str, object] | None = None

    def line(self) -> str:
        """Return the one line a person reads about this notebook."""
        if self.status == "ok":
            return f"ok      {self.name}.ipynb  {self.duration_s:.1f} s"
        error = self.error or {}
        where = f"cell {error.get('cell')}: " if error.get("cell") is not None else ""
        return (
            f"FAILED  {self.name}.ipynb  {where}{error.get('ename', '')}: {error.get('evalue', '')}"
        )


def record_outputs(outcome: Outcome, build: Path) -> Outcome:
    """Export the executed notebook to HTML and list every file it left, in the Outcome.

    The figures a notebook saved are named in its outputs' metadata (Analysis.chart puts
    them there), so each notebook's record lists exactly the files it wrote.
    """
    import nbformat

    notebook = build / "notebooks" / f"{outcome.name}.ipynb"
    if not notebook.exists():
        return outcome
    executed = nbformat.read(notebook, as_version=4)
    outcome.outputs.append(notebook.relative_to(build).as_posix())
    html = export_html(executed, build / "html" / f"{outcome.name}.html")
    outcome.outputs.append(html.relative_to(build).as_posix())
    outcome.outputs += [f for f in saved_files(executed) if (build / f).is_file()]
    return outcome


def saved_files(notebook) -> list[str]:
    """Return the files an executed notebook's charts were saved as (relative paths)."""
    files = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            files += output.get("metadata", {}).get("fund-analysis", {}).get("files", [])
    return files


# --- the record ----------------------------------------------------------------------


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def input_files(source: Path) -> list[Path]:
    """Return the files a data set was read from."""
    if source.is_dir():
        return sorted(p for p in source.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
    return [source]


def package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    names = ["fund-analysis", "pandas", "numpy", "pyarrow", "matplotlib", "seaborn", "papermill",
             "nbconvert", "nbformat", "ipykernel", "openpyxl", "python-calamine"]  # fmt: skip
    found = {"python": sys.version.split()[0]}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def git_commit(root: Path = PROJECT_ROOT) -> str | None:
    """Return the commit the package's checkout is at (None outside a git checkout)."""
    git = root / ".git"
    try:
        head = (git / "HEAD").read_text(encoding="utf-8").strip()
        if not head.startswith("ref: "):
            return head
        ref = head[5:]
        loose = git / ref
        if loose.exists():
            return loose.read_text(encoding="utf-8").strip()
        for line in (git / "packed-refs").read_text(encoding="utf-8").splitlines():
            if line.endswith(" " + ref):
                return line.split()[0]
    except OSError:
        return None
    return None
