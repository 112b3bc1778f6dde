"""`fund-analysis run`: execute every notebook on one data set and leave a complete record.

The run checks the data first (unusable input stops it with exit 2 before any notebook
starts), then executes the notebooks through papermill, `jobs` at a time, each on a
kernel of this very Python, into a folder built beside `--out`. Each finished notebook
is exported to HTML without its code. A manifest records parameters, status, timing,
outputs and errors, with the sha256 of every input file, package versions and the git
commit. Only a run in which every notebook succeeded replaces `--out`; a failed run is
kept beside it as `<out>.failed` and an interrupted one is removed, so earlier good
output is never lost.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path

from analysis import __version__
from analysis.config import (
    FONT_WARNED_ENV,
    NOTEBOOKS_DIR,
    PROJECT_ROOT,
    SESSION_CACHE_ENV,
    safe_name,
)
from analysis.errors import InputError

# The notebooks a run executes once each, in this order; `project` runs once per project.
PROGRAM_NOTEBOOKS = ("overview", "categories", "leverage", "data_quality")
PROJECT_NOTEBOOK = "project"
MANIFEST = "manifest.json"
DEFAULT_PROJECT_NOTEBOOKS = 20


@dataclass
class Job:
    """One notebook to execute: its template, output name and parameters."""

    name: str
    template: str
    parameters: dict[str, object]


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


# --- planning ------------------------------------------------------------------------


def plan(ds, data: str, lang: str, project_notebooks: int | None) -> list[Job]:
    """Return the jobs of a run: every program notebook, then one per chosen project.

    With more projects than `project_notebooks`, the projects with the largest special
    fund get a notebook of their own (None: every project).
    """
    # Kernels start in the report folder being built, so "." is where figures go.
    common = {"data": data, "lang": lang, "output_dir": "."}
    jobs = [Job(name, name, dict(common)) for name in PROGRAM_NOTEBOOKS]
    projects = ds.projects.drop_duplicates("project_id")
    if project_notebooks is not None and len(projects) > project_notebooks:
        projects = projects.sort_values("special", ascending=False, kind="stable")
        projects = projects.head(project_notebooks)
    for project_id in projects["project_id"]:
        name = safe_name(f"{PROJECT_NOTEBOOK}-{project_id}")
        jobs.append(Job(name, PROJECT_NOTEBOOK, {**common, "project_id": project_id}))
    return jobs


# --- executing -----------------------------------------------------------------------


def _papermill():
    """Import papermill without jsonschema's optional IRI checker.

    jsonschema imports rfc3987_syntax when it is installed, which builds a parser at
    import time (about a second here). Notebooks never use the "iri" format, so the run
    hides that module; nothing else changes.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    import papermill

    return papermill


def _kernel_manager_class():
    """Return a kernel manager that starts ipykernel on this interpreter, whatever kernels
    are registered on the machine: the notebooks run in the environment that runs us."""
    from jupyter_client import AsyncKernelManager
    from jupyter_client.kernelspec import KernelSpec

    class ThisPythonKernelManager(AsyncKernelManager):
        @property
        def kernel_spec(self) -> KernelSpec:
            if self._kernel_spec is None:
                self._kernel_spec = KernelSpec(
                    # Kernels talk over loopback TCP; their start-up warning about it, and the
                    # interrupt that precedes their shutdown, would be logged once per notebook.
                    # A notebook's own errors are in its outputs, not in this log.
                    argv=[
                        sys.executable,
                        "-m",
                        "ipykernel_launcher",
                        "-f",
                        "{connection_file}",
                        "--IPKernelApp.log_level=CRITICAL",
                    ],
                    display_name="Python 3 (ipykernel)",
                    language="python",
                    resource_dir=str(NOTEBOOKS_DIR),
                )
            return self._kernel_spec

    return ThisPythonKernelManager


def execute(job: Job, build: Path, timeout: int | None = None) -> Outcome:
    """Execute one notebook into build/notebooks and return its Outcome."""
    papermill = _papermill()
    outcome = Outcome(job.name, job.template, job.parameters)
    notebook = build / "notebooks" / f"{job.name}.ipynb"
    started = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(NOTEBOOKS_DIR / f"{job.template}.ipynb"),
            str(notebook),
            parameters=job.parameters,
            kernel_name="python3",
            kernel_manager_class=_kernel_manager_class(),
            progress_bar=False,
            # Saving the whole notebook (pictures and all) after every cell costs more than
            # the cells of a short notebook; it is written once, when it ends or fails.
            request_save_on_cell_execute=False,
            # Every output is in once the last cell reports idle; a graceful shutdown would
            # then wait up to a second per notebook for the kernel to exit by itself.
            shutdown_kernel="immediate",
            # The kernel starts in the report folder being built. Not papermill's cwd=,
            # which changes this whole process's directory while notebooks run in threads.
            resources={"metadata": {"path": str(build)}},
            execution_timeout=timeout,
        )
        outcome.status = "ok"
    except papermill.PapermillExecutionError as exc:
        outcome.status = "failed"
        outcome.error = {
            "cell": exc.exec_count,
            "cell_index": exc.cell_index,
            "source": exc.source,
            "ename": exc.ename,
            "evalue": exc.evalue,
        }
    except Exception as exc:  # a kernel that died or never started: still one notebook's failure
        outcome.status = "failed"
        outcome.error = {"cell": None, "ename": type(exc).__name__, "evalue": str(exc)}
    outcome.duration_s = round(time.perf_counter() - started, 3)
    return outcome


def record_outputs(outcome: Outcome, build: Path) -> Outcome:
    """Export the executed notebook to HTML and list every file it left, in the Outcome."""
    notebook = build / "notebooks" / f"{outcome.name}.ipynb"
    if notebook.exists():
        outcome.outputs.append(notebook.relative_to(build).as_posix())
        html = export_html(notebook, build / "html" / f"{outcome.name}.html")
        outcome.outputs.append(html.relative_to(build).as_posix())
    figures = sorted((build / "figures").glob(f"{outcome.name}-*"))
    outcome.outputs += [f.relative_to(build).as_posix() for f in figures]
    return outcome


@functools.cache
def _html_exporter():
    # Building an exporter compiles its Jinja templates: once per run, not per notebook.
    from nbconvert import HTMLExporter

    return HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)


def export_html(notebook: Path, html: Path) -> Path:
    """Write the executed notebook as HTML without input cells (for officials)."""
    import nbformat

    body, _ = _html_exporter().from_notebook_node(nbformat.read(notebook, as_version=4))
    html.parent.mkdir(parents=True, exist_ok=True)
    html.write_text(body, encoding="utf-8")
    return html


class Progress:
    """A progress bar on a terminal; otherwise one plain line per finished notebook."""

    def __init__(self, total: int, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.total = total
        self.done = 0
        self.bar = None
        if self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="notebook", file=self.stream, dynamic_ncols=True)

    def finished(self, outcome: Outcome) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.set_postfix_str(outcome.name, refresh=False)
            self.bar.update(1)
            if outcome.status != "ok":
                self.bar.write(outcome.line())
        else:
            print(f"[{self.done}/{self.total}] {outcome.line()}", file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def execute_all(
    jobs: list[Job], build: Path, workers: int, progress: Progress, meanwhile=None
) -> list[Outcome]:
    """Execute the jobs, `workers` at a time; a failing notebook does not stop the others.

    `meanwhile`, if given, runs on this thread once the first kernels are starting. This
    thread also exports each finished notebook, so a worker goes straight to the next one.
    """
    outcomes: dict[str, Outcome] = {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        running: dict[Future, Job] = {pool.submit(execute, job, build): job for job in jobs}
        try:
            if meanwhile is not None:
                meanwhile()
            while running:
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    outcome = record_outputs(future.result(), build)
                    running.pop(future)
                    outcomes[outcome.name] = outcome
                    progress.finished(outcome)
        except BaseException:
            for future in running:
                future.cancel()
            raise
    return [outcomes[job.name] for job in jobs]


def refresh_baseline(paths: list[Path] | None = None) -> list[Path]:
    """Execute the committed notebooks in place with their defaults (nbval's baseline).

    Outputs and execution counts stay; timings and the interpreter's version do not, so
    the next diff shows only what the notebooks say.
    """
    import nbformat
    from nbclient import NotebookClient

    paths = paths or sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(
            nb,
            kernel_name="python3",
            kernel_manager_class=_kernel_manager_class(),
            record_timing=False,
            resources={"metadata": {"path": str(path.parent)}},
        )
        client.execute()
        nb.metadata["language_info"] = {"name": "python"}
        nbformat.write(nb, path)
    return paths


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


# --- the command ---------------------------------------------------------------------


def _check_out_folder(out: Path) -> None:
    """Refuse to replace a folder that is not the output of an earlier run."""
    if out.exists() and (
        not out.is_dir() or (any(out.iterdir()) and not (out / MANIFEST).exists())
    ):
        raise InputError(
            "bad_value",
            out,
            expected="a new folder or the output of an earlier run (it would be replaced)",
            found="an existing folder without manifest.json",
        )


def _swap_in(build: Path, out: Path) -> None:
    """Replace out with build in two renames, so out is never half-written."""
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    if out.exists():
        out.rename(old)
    build.rename(out)
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def _environment(values: dict[str, str]):
    """Set environment variables (inherited by the kernels started meanwhile), then restore."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _warn_once_about_fonts(lang: str, stream) -> None:
    """Say a missing CJK font here, once, in one line; the kernels were told not to."""
    from analysis.fonts import INSTALL_HINT, find_cjk_font

    if lang == "zh" and find_cjk_font() is None:
        print(f"fund-analysis: {INSTALL_HINT}", file=stream, flush=True)


def run(
    data: str | None,
    out: Path,
    lang: str = "zh",
    jobs: int | None = None,
    project_notebooks: int | None = DEFAULT_PROJECT_NOTEBOOKS,
    stream=None,
) -> dict[str, object]:
    """Run every notebook and return the manifest; raise InputError for unusable data."""
    from analysis.cache import write_cache
    from analysis.export import measure_tables, write_csv, write_workbook
    from analysis.facts import Facts
    from analysis.load import load
    from analysis.measures import measure
    from analysis.reconcile import reconciliation
    from analysis.rules import check, summary

    stream = stream or sys.stderr
    started = time.time()
    out = out.resolve()
    _check_out_folder(out)
    ds = load(data)  # unusable input stops here, before any notebook starts
    source = Path(ds.source).resolve()
    workers = max(1, jobs or len(os.sched_getaffinity(0)))
    build = out.with_name(f".{out.name}.building-{os.getpid()}")
    shutil.rmtree(build, ignore_errors=True)
    for folder in ("notebooks", "html", "figures", "tables"):
        (build / folder).mkdir(parents=True)
    try:
        written: list[Path] = []
        findings = []
        cache = Path(tempfile.mkdtemp(prefix="fund-analysis-")) / "session.pickle"

        def meanwhile() -> None:  # while the kernels start, on the otherwise idle thread
            _warn_once_about_fonts(lang, stream)
            facts = Facts.of(ds)  # what check works out, measure and reconciliation reuse
            findings.append(check(facts))
            measures = measure(facts)
            write_cache(cache, data_parameter, ds, measures, findings[0])
            tables = measure_tables(measures, findings[0], reconciliation(facts))
            written.extend(write_csv(tables, build / "tables"))
            summary_xlsx = build / "tables" / "summary.xlsx"
            written.append(write_workbook(tables, summary_xlsx, lang, ds.categories))

        data_parameter = "" if data is None else str(source)
        job_list = plan(ds, data_parameter, lang, project_notebooks)
        progress = Progress(len(job_list), stream)
        try:
            # The driver says a missing CJK font itself (in `meanwhile`), once; and leaves
            # the data it measured for the kernels it starts.
            kernel_env = {FONT_WARNED_ENV: "1", SESSION_CACHE_ENV: str(cache)}
            with _environment(kernel_env):
                outcomes = execute_all(job_list, build, workers, progress, meanwhile=meanwhile)
        finally:
            progress.close()
            shutil.rmtree(cache.parent, ignore_errors=True)
        failed = [o for o in outcomes if o.status != "ok"]
        manifest = {
            "status": "failed" if failed else "ok",
            "fund_analysis_version": __version__,
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
            "duration_s": round(time.time() - started, 3),
            "command": {"data": data, "out": str(out), "lang": lang, "jobs": workers},
            "data": {
                "source": str(source),
                "files": {p.name: sha256(p) for p in input_files(source)},
                "findings": summary(findings[0]),
            },
            "packages": package_versions(),
            "git_commit": git_commit(),
            "tables": [p.relative_to(build).as_posix() for p in written],
            "notebooks": [asdict(o) for o in outcomes],
        }
        (build / MANIFEST).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    if failed:
        kept = out.with_name(f"{out.name}.failed")
        shutil.rmtree(kept, ignore_errors=True)
        build.rename(kept)
        manifest["kept_at"] = str(kept)
    else:
        _swap_in(build, out)
    return manifest


def command(args: argparse.Namespace) -> int:
    """Run the `fund-analysis run` command line; return its exit code."""
    if args.jobs is not None and args.jobs < 1:
        raise InputError("usage", "fund-analysis run", expected="--jobs must be 1 or more")
    manifest = run(args.data, Path(args.out), args.lang, args.jobs, args.project_notebooks)
    failed = [n for n in manifest["notebooks"] if n["status"] != "ok"]
    if failed:
        for entry in failed:
            print(Outcome(**entry).line(), file=sys.stderr)
        print(
            f"fund-analysis: {len(failed)} of {len(manifest['notebooks'])} notebooks failed; "
            f"{args.out} was left as it was, this run is in {manifest['kept_at']}",
            file=sys.stderr,
        )
        return 1
    print(
        f"fund-analysis: {len(manifest['notebooks'])} notebooks written to {args.out}",
        file=sys.stderr,
    )
    return 0
