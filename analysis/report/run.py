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
import json
import os
import shutil
import sys
import time
from dataclasses import asdict
from pathlib import Path

from analysis import __version__
from analysis.errors import InputError
from analysis.report.execute import Progress, execute_all
from analysis.report.folder import check_out_folder, swap_in
from analysis.report.plan import DEFAULT_PROJECT_NOTEBOOKS, plan
from analysis.report.record import (
    MANIFEST,
    Outcome,
    git_commit,
    input_files,
    package_versions,
    sha256,
)


def _warn_once_about_fonts(lang: str, stream) -> None:
    """Say a missing CJK font here, once, in one line; the kernels were told not to."""
    from analysis.draw.theme import INSTALL_HINT, find_cjk_font

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
    from analysis._cache import NAME as CACHE_NAME
    from analysis._cache import fingerprint, write_cache
    from analysis.check._facts import Facts
    from analysis.check.reconcile import reconciliation
    from analysis.check.rules import check, summary
    from analysis.measure.measures import measure
    from analysis.read.load import load
    from analysis.report.self_evaluation import FILE_NAMES as SELF_EVALUATION_FILES
    from analysis.report.self_evaluation import write_self_evaluation
    from analysis.report.tables import measure_tables, write_csv, write_workbook

    stream = stream or sys.stderr
    started = time.time()
    out = out.resolve()
    check_out_folder(out)
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

        def meanwhile() -> None:  # while the kernels start, on the otherwise idle thread
            _warn_once_about_fonts(lang, stream)
            facts = Facts.of(ds)  # what check works out, measure and reconciliation reuse
            findings.append(check(facts))
            measures = measure(facts)
            # Left for the notebooks, whose output folder is the build (see analysis._cache).
            write_cache(build, fingerprint(data_parameter, ds.files), ds, measures, findings[0])
            tables = measure_tables(measures, findings[0], reconciliation(facts))
            written.extend(write_csv(tables, build / "tables"))
            summary_xlsx = build / "tables" / "summary.xlsx"
            written.append(write_workbook(tables, summary_xlsx, lang, ds.categories))
            # The 项目支出绩效自评表 of each program, and of the projects with a notebook.
            evaluation_xlsx = build / "tables" / SELF_EVALUATION_FILES[lang]
            written.append(
                write_self_evaluation(measures, ds, evaluation_xlsx, lang, project_notebooks)
            )

        data_parameter = "" if data is None else str(source)
        job_list = plan(ds, data_parameter, lang, project_notebooks)
        progress = Progress(len(job_list), stream)
        try:
            outcomes = execute_all(job_list, build, workers, progress, meanwhile=meanwhile)
        finally:
            progress.close()
            (build / CACHE_NAME).unlink(missing_ok=True)
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
        swap_in(build, out)
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
