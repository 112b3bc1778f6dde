"""The record of a run: what became of each notebook, and the manifest that says so.

notebooker keeps a typed result record per run; ours is RunRecord, written as
manifest.json in the folder the run leaves. Its `format` and `files` are also what lets a
later run replace that folder (see analysis.report.folder).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from analysis.config import PROJECT_ROOT
from analysis.report.html import PageContext, export_html

MANIFEST = "manifest.json"
FORMAT = "fund-analysis-report"
FORMAT_VERSION = 1


@dataclass
class Outcome:
    """What became of one notebook (one entry of the manifest's `notebooks`).

    name: the notebook's file name without .ipynb; template: the notebook it was made from;
    parameters: what papermill injected; status: "ok" or "failed"; duration_s: seconds;
    outputs: the files it left, relative to the report (the executed notebook, its HTML
    page, the charts it saved); error: for a failed notebook, the cell (execution count
    and index), its source, and the exception's name and value.
    """

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


@dataclass
class RunRecord:
    """What a run did: written as manifest.json in the folder it leaves.

    format, format_version: "fund-analysis-report", 1. A later run replaces a folder only
        when its manifest carries these and lists every file in it (see `files`).
    status: "ok" when every notebook ran, "failed" when one did not.
    started: local time the run started (ISO 8601); duration_s: seconds it took in all;
        timings: seconds spent loading the data (load_s) and running the notebooks
        (notebooks_s, the data checked, measured and written meanwhile).
    command: what was asked: data (as given; null is the bundled data), out (resolved),
        lang, jobs (notebooks at a time), project_notebooks (null: every project).
    data: source (the resolved path read), files (sha256 of each input file), findings
        (the checks' counts of errors and warnings).
    version: fund-analysis's version; packages: python's and the libraries' versions;
        git_commit: the commit of the package's checkout, or null.
    tables: the files the run wrote from the measures, relative to the report.
    notebooks: one Outcome per notebook, in the order planned.
    files: every file in the report, relative to it, with its sha256 (manifest.json itself
        with null).
    kept_at: the folder holding this run: --out, or where a failed run was kept.
    index: the report's index page (index.html); documents: the Word report, when every
        program notebook ran; slices: with `run --by`, one entry per slice (its value,
        folder and headline figures), empty otherwise.
    """

    command: dict[str, object]
    format: str = FORMAT
    format_version: int = FORMAT_VERSION
    status: str = "running"
    started: str = ""
    duration_s: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    data: dict[str, object] = field(default_factory=dict)
    version: str = ""
    packages: dict[str, str] = field(default_factory=dict)
    git_commit: str | None = None
    tables: list[str] = field(default_factory=list)
    notebooks: list[Outcome] = field(default_factory=list)
    files: dict[str, str | None] = field(default_factory=dict)
    kept_at: str | None = None
    index: str | None = None
    documents: list[str] = field(default_factory=list)
    slices: list[dict] = field(default_factory=list)
    _clock: float = field(default_factory=time.perf_counter, repr=False)

    def __post_init__(self) -> None:
        self.started = self.started or time.strftime("%Y-%m-%dT%H:%M:%S%z")

    def lap(self, name: str) -> None:
        """Record the seconds since the last lap (or the start) as timings[name]."""
        now = time.perf_counter()
        self.timings[name] = round(now - self._clock - sum(self.timings.values()), 3)

    @property
    def failed(self) -> list[Outcome]:
        """Return the notebooks that did not run through."""
        return [o for o in self.notebooks if o.status != "ok"]

    def as_dict(self) -> dict[str, object]:
        """Return the record as manifest.json holds it."""
        record = asdict(self)
        del record["_clock"]
        return record

    def write(self, folder: Path) -> Path:
        """Write the record as folder/manifest.json, listing every file in folder."""
        self.duration_s = round(time.perf_counter() - self._clock, 3)
        self.files = {**inventory(folder), MANIFEST: None}
        path = folder / MANIFEST
        path.write_text(json.dumps(self.as_dict(), ensure_ascii=False, indent=2) + "\n", "utf-8")
        return path


def read_manifest(folder: Path) -> dict | None:
    """Return the manifest of a report this program wrote, or None for any other folder."""
    path = folder / MANIFEST
    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            return None
        manifest = json.loads(path.read_bytes())
    except (OSError, ValueError):  # absent, unreadable, not UTF-8, not JSON
        return None
    if not (
        isinstance(manifest, dict)
        and manifest.get("format") == FORMAT
        and manifest.get("format_version") == FORMAT_VERSION
        and isinstance(manifest.get("files"), dict)
    ):
        return None
    return manifest


# --- a notebook's files ----------------------------------------------------------------


def record_outputs(outcome: Outcome, build: Path, context: PageContext | None = None) -> Outcome:
    """Export the executed notebook to HTML (a page as `context` says: analysis.report.html)
    and list every file it left, in the Outcome.

    The figures a notebook saved are named in its outputs' metadata (Analysis.chart puts
    them there), so each notebook's record lists exactly the files it wrote.
    """
    import nbformat

    notebook = build / "notebooks" / f"{outcome.name}.ipynb"
    if not notebook.exists():
        return outcome
    executed = nbformat.read(notebook, as_version=4)
    outcome.outputs.append(notebook.relative_to(build).as_posix())
    if context is not None and "project_id" in outcome.parameters:  # a project's page
        context = replace(context, scope=f"{outcome.parameters['project_id']} · {context.scope}")
    html = export_html(executed, build / "html" / f"{outcome.name}.html", context)
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


def inventory(folder: Path) -> dict[str, str]:
    """Return every file under folder, by path relative to it, with its sha256."""
    found = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = Path(root, name)
            found[path.relative_to(folder).as_posix()] = sha256(path)
    return dict(sorted(found.items()))


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
    """Return the commit the package's checkout is at (None outside a git checkout).

    In a worktree (or a submodule) .git is a file naming the folder git keeps it in, and
    branches live in the folder shared by every worktree (its `commondir`).
    """
    git = root / ".git"
    try:
        if git.is_file():
            named = git.read_text(encoding="utf-8").strip().removeprefix("gitdir: ")
            git = (root / named).resolve()
        common = git
        if (git / "commondir").is_file():
            common = (git / (git / "commondir").read_text(encoding="utf-8").strip()).resolve()
        head = (git / "HEAD").read_text(encoding="utf-8").strip()
        if not head.startswith("ref: "):
            return head
        ref = head[5:]
        loose = common / ref
        if loose.exists():
            return loose.read_text(encoding="utf-8").strip()
        for line in (common / "packed-refs").read_text(encoding="utf-8").splitlines():
            if line.endswith(" " + ref):
                return line.split()[0]
    except OSError:
        return None
    return None
