"""`fund-analysis run`: execute every notebook on one data set and leave a complete record.

The run is notebooker's split of a scheduled report: the output folder is claimed
(analysis.report.folder: lock, checks, a folder built beside `--out`), the data loaded
(unusable input stops it with exit 2 before any notebook starts), the notebooks planned
(plan), executed through papermill `jobs` at a time on kernels of this very Python while
this thread checks, measures and writes the tables (execute, tables), and the run
recorded (record: RunRecord, written as manifest.json). Only a run in which every
notebook succeeded replaces `--out`; a failed run is kept beside it as `<out>.failed` and
an interrupted one is removed, so earlier good output is never lost.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from pathlib import Path

from analysis import __version__
from analysis.config import DATA_DIR
from analysis.errors import InputError
from analysis.report.execute import Progress, execute_all
from analysis.report.folder import Interrupted, OutputFolder
from analysis.report.html import PageContext
from analysis.report.plan import DEFAULT_PROJECT_NOTEBOOKS, plan
from analysis.report.record import (
    RunRecord,
    git_commit,
    package_versions,
)
from analysis.report.slices import Slices
from analysis.report.xlsx import About


def run(
    data: str | None,
    out: Path | str,
    lang: str = "zh",
    jobs: int | None = None,
    project_notebooks: int | None = DEFAULT_PROJECT_NOTEBOOKS,
    stream=None,
    by: str | None = None,
) -> RunRecord:
    """Run every notebook into `out` and return the run's record.

    by ("year", "program" or "region"): also run the program notebooks once per slice,
    each into a folder of its own, with index.html (analysis.report.slices). Raise
    InputError for unusable data or an `out` that may not be written (see
    analysis.report.folder), and Interrupted when a signal stopped the run.
    """
    import analysis as fa
    from analysis._cache import NAME as CACHE_NAME

    stream = stream or sys.stderr
    workers = max(1, jobs or len(os.sched_getaffinity(0)))
    command = {"data": data, "out": str(out), "lang": lang, "jobs": workers,
               "project_notebooks": project_notebooks, "by": by}  # fmt: skip
    record = RunRecord(command)
    with OutputFolder.claim(out, DATA_DIR if data is None else Path(data)) as folder:
        record.command["out"] = str(folder.out)
        a = fa.open(data, lang=lang)  # unusable input stops here, before any notebook starts
        record.lap("load_s")
        given = "" if data is None else str(Path(a.data.source).resolve())  # as notebooks take it
        jobs_planned = plan(a.data, given, lang, project_notebooks)
        sliced = Slices.plan(a, by, given)  # a --by the data cannot be sliced by stops here
        check = folder.signals.check
        # What the workbooks' 说明 sheets, the pages and the index say about the data.
        about = About.of(a.data, lang, written=record.started)
        context = PageContext(lang, about.scope)
        prepare = functools.partial(
            _prepare, a, folder.build, given, project_notebooks, stream, check, about
        )
        with Progress(len(jobs_planned) + sliced.size, stream) as progress:
            outcomes, (findings, tables) = execute_all(
                jobs_planned, folder.build, workers, progress, prepare, check, context
            )
            outcomes += sliced.execute(folder.build, workers, progress, check, context)
        (folder.build / CACHE_NAME).unlink(missing_ok=True)
        record.lap("notebooks_s")
        _describe(record, a.data, about, findings, tables, outcomes, folder.build)
        _documents(record, a, about, sliced, folder.build)
        record.lap("documents_s")
        folder.keep(record)
    return record


def _prepare(
    a, build: Path, data: str, project_notebooks: int | None, stream, check, about: About
) -> tuple[dict, list[Path]]:
    """Check and measure the data (an Analysis), leave it for the notebooks, write the
    tables; return the findings' counts and the tables written. Runs while the first
    kernels start; `check` raises between steps if the run was interrupted."""
    from analysis._cache import fingerprint, write_cache
    from analysis.check.rules import summary
    from analysis.report.self_evaluation import FILE_NAMES as SELF_EVALUATION_FILES
    from analysis.report.self_evaluation import write_self_evaluation
    from analysis.report.tables import measure_tables, write_csv, write_workbook

    _warn_once_about_fonts(a.lang, stream)
    findings, measures = a.findings, a.measures  # worked out once, sharing what they need
    check()
    # Left for the notebooks, whose output folder is the build (see analysis._cache).
    write_cache(build, fingerprint(data, a.data.files), a.data, measures, findings)
    tables = measure_tables(measures, findings, a.reconciliation)
    check()
    written = write_csv(tables, build / "tables")
    summary_xlsx = build / "tables" / "summary.xlsx"
    written.append(write_workbook(tables, summary_xlsx, a.lang, a.data.categories, check, about))
    check()
    # The 项目支出绩效自评表 of each program, and of the projects with a notebook.
    evaluation_xlsx = build / "tables" / SELF_EVALUATION_FILES[a.lang]
    written.append(
        write_self_evaluation(measures, a.data, evaluation_xlsx, a.lang, project_notebooks, about)
    )
    return summary(findings), written


def _documents(record: RunRecord, a, about: About, sliced: Slices, build: Path) -> None:
    """Write what people open first: the Word report and the index of every page and file
    (index.html). The Word report is made from the report's own program notebooks, when
    every one of them ran."""
    from analysis.measure.evaluation import evaluated
    from analysis.measure.measures import headline
    from analysis.report.document import FILE_NAMES as DOCX_NAMES
    from analysis.report.document import write_docx
    from analysis.report.index import Document, write_index
    from analysis.report.plan import PROGRAM_NOTEBOOKS
    from analysis.report.self_evaluation import FILE_NAMES as SELF_EVALUATION_FILES

    figures = headline(a.measures.projects)
    ran = {o.name for o in record.notebooks if o.status == "ok"}
    if set(PROGRAM_NOTEBOOKS) <= ran:
        ms = a.measures
        docx = write_docx(build, a.lang, list(PROGRAM_NOTEBOOKS), about, figures,
                          evaluated=evaluated(ms.projects, ms.indicators))  # fmt: skip
        record.documents.append(docx.relative_to(build).as_posix())

    documents = [
        Document(DOCX_NAMES[a.lang], "file_docx"),
        Document("tables/summary.xlsx", "file_summary"),
        Document(f"tables/{SELF_EVALUATION_FILES[a.lang]}", "file_self_evaluation"),
        Document("manifest.json", "file_manifest"),
    ]
    index = write_index(
        build,
        a.lang,
        scope=about.scope,
        headline=figures,
        written=about.written,
        outcomes=record.notebooks,
        documents=documents,
        projects=a.measures.projects,
        slices_html=sliced.section(record, record.notebooks),
    )
    record.index = index.relative_to(build).as_posix()


def _describe(
    record: RunRecord, ds, about: About, findings: dict, tables: list[Path], outcomes, build
) -> None:
    """Fill in the record: the data read, the versions that ran, the files written."""
    record.data = {"source": about.source, "files": about.files, "findings": findings}
    record.packages = package_versions()
    record.version = __version__
    record.git_commit = git_commit()
    record.tables = [p.relative_to(build).as_posix() for p in tables]
    record.notebooks = outcomes
    record.status = "failed" if record.failed else "ok"


def _warn_once_about_fonts(lang: str, stream) -> None:
    """Say a missing CJK font here, once, in one line; the kernels were told not to."""
    from analysis.draw.theme import INSTALL_HINT, find_cjk_font

    if lang == "zh" and find_cjk_font() is None:
        print(f"fund-analysis: {INSTALL_HINT}", file=stream, flush=True)


def command(args: argparse.Namespace) -> int:
    """Run the `fund-analysis run` command line; return its exit code."""
    if args.jobs is not None and args.jobs < 1:
        raise InputError("usage", "fund-analysis run", expected="--jobs must be 1 or more")
    try:
        record = run(
            args.data,
            args.out,
            args.lang,
            args.jobs,
            args.project_notebooks,
            by=getattr(args, "by", None),
        )
    except Interrupted as stopped:
        print(f"fund-analysis: interrupted ({stopped}); {args.out} left as it was", file=sys.stderr)
        return 128 + stopped.signum
    if record.failed:
        for outcome in record.failed:
            print(outcome.line(), file=sys.stderr)
        print(
            f"fund-analysis: {len(record.failed)} of {len(record.notebooks)} notebooks failed; "
            f"{args.out} was left as it was, this run is in {record.kept_at}",
            file=sys.stderr,
        )
        return 1
    written = f"{len(record.notebooks)} notebooks written to {args.out}"
    print(f"fund-analysis: {written}", file=sys.stderr)
    return 0
