"""The `fund-analysis` command (also `python -m analysis`).

Exit codes: 0 fine; 1 data-quality errors (validate) or a failed notebook (run);
2 unusable input or usage, with one line on stderr and no traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from analysis import __version__
from analysis.errors import InputError
from analysis.words.formats import PEOPLE_COLUMNS

PROG = "fund-analysis"


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr and exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise InputError("usage", self.prog, expected=f"{message}; see {self.prog} --help")


def _data_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        metavar="PATH",
        help="folder of CSV files or .xlsx workbook (default: the bundled seed data)",
    )


def _lang_option(parser: argparse.ArgumentParser, default: str) -> None:
    parser.add_argument(
        "--lang",
        choices=["zh", "en", "both"] if default == "both" else ["zh", "en"],
        default=default,
    )


def _folder(text: str) -> str:
    if not text:
        raise argparse.ArgumentTypeError("expected a folder, not an empty name")
    return text


def _count_or_all(text: str) -> int | None:
    if text == "all":
        return None
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number or 'all', not {text!r}")
    return int(text)


def _folder_name(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a folder name, not an empty one")
    return text


def build_parser() -> argparse.ArgumentParser:
    """Return the parser for every subcommand."""
    parser = _Parser(prog=PROG, description="专项资金项目预算分析 / special-fund budget analysis")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    validate = commands.add_parser("validate", help="check the tables against the rules")
    _data_option(validate)
    validate.add_argument("--format", choices=["text", "json"], default="text")
    _lang_option(validate, "both")
    validate.set_defaults(handler=_validate)

    metrics = commands.add_parser("metrics", help="print the measures")
    _data_option(metrics)
    metrics.add_argument("--by", choices=list(METRIC_VIEWS), default="project")
    metrics.add_argument("--format", choices=["table", "csv", "json"], default="table")
    metrics.add_argument("--program", help="only this program")
    metrics.add_argument("--year", type=int, help="only this year")
    metrics.add_argument("--region", help="only this region (the region column of projects.csv)")
    _lang_option(metrics, "zh")
    metrics.set_defaults(handler=_metrics)

    run = commands.add_parser("run", help="execute every notebook and write the reports")
    _data_option(run)
    run.add_argument(
        "--out",
        type=_folder,
        metavar="DIR",
        default="reports",
        help="output folder, replaced only if an earlier run wrote it (default: reports)",
    )
    run.add_argument("--lang", choices=["zh", "en"], default="zh")
    run.add_argument("--jobs", type=int, metavar="N", help="notebooks at a time (default: cores)")
    run.add_argument(
        "--project-notebooks",
        type=_count_or_all,
        default=20,
        metavar="N|all",
        help="projects with a notebook of their own: the N largest by special fund (default 20)",
    )
    run.add_argument(
        "--by",
        choices=["year", "program", "region"],
        help="also run the program notebooks once per year, program or region, with an index",
    )
    run.set_defaults(handler=_run)

    extract = commands.add_parser("extract", help="read a self-evaluation report into tables")
    extract.add_argument(
        "report", metavar="REPORT", help="the report as .txt (UTF-8 or GBK) or .docx"
    )
    extract.add_argument(
        "--out",
        metavar="DIR",
        type=_folder_name,
        help="output folder (default: REPORT's name with -tables, in the working directory)",
    )
    extract.add_argument(
        "--force", action="store_true", help="replace tables the output folder already holds"
    )
    extract.set_defaults(handler=_extract)

    rules = commands.add_parser("rules", help="list the data-quality rules")
    rules.add_argument("--format", choices=["table", "csv", "json"], default="table")
    _lang_option(rules, "zh")
    rules.set_defaults(handler=_rules)

    notebooks = commands.add_parser(
        "notebooks", help="print where the notebooks are, or copy them to edit"
    )
    notebooks.add_argument("--copy", metavar="DIR", help="copy the notebooks into this folder")
    notebooks.add_argument("--force", action="store_true", help="overwrite notebooks in DIR")
    notebooks.set_defaults(handler=_notebooks)

    kernel = commands.add_parser("kernel", help="register a Jupyter kernel on this environment")
    kernel_actions = kernel.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    kernel_actions.required = True
    install = kernel_actions.add_parser(
        "install", help="register the kernel (system-wide, or for you alone with --user)"
    )
    install.add_argument("--user", action="store_true", help="for the current user only")
    install.add_argument("--name", default="fund-analysis", help="default: fund-analysis")
    install.add_argument("--display-name", help="what JupyterLab shows (default: from --name)")
    install.add_argument(
        "--force", action="store_true", help="replace a kernel of that name from elsewhere"
    )
    install.set_defaults(handler=_kernel_install)
    return parser


# --- validate ------------------------------------------------------------------------


def _validate(args: argparse.Namespace) -> int:
    import analysis as fa
    from analysis.check.rules import summary

    a = fa.open(args.data)
    counts = summary(a.findings)
    if args.format == "json":
        _write_json({"data": a.data.source, **counts, "findings": _records(a.findings)})
    else:
        _write_text(_findings_text(a.findings, counts, a.data.source, args.lang))
    return 1 if counts["errors"] else 0


def _findings_text(findings, counts: dict[str, int], source: str, lang: str) -> str:
    from analysis.words.labels import label

    langs = ["zh", "en"] if lang == "both" else [lang]
    lines = [f"{' / '.join(label('data', x) for x in langs)}: {source}"]
    for f in findings.itertuples(index=False):
        severity = " ".join(label(f.severity, x) for x in langs)
        lines.append(f"{severity} {f.rule} {f.name} ({f.file}, row {f.source_row})")
        lines.extend(f"  {getattr(f, 'message_' + x)}" for x in langs)
    lines.append(" / ".join(label("validate_counts", x, **counts) for x in langs))
    return "\n".join(lines) + "\n"


# --- metrics -------------------------------------------------------------------------

# view -> (table in Measures, the columns people see)
METRIC_VIEWS: dict[str, tuple[str, list[str]]] = {
    "project": ("projects", PEOPLE_COLUMNS["projects"]),
    "category": ("by_category", PEOPLE_COLUMNS["by_category"]),
    "group": ("by_group", PEOPLE_COLUMNS["by_group"]),
    "project-category": ("categories", PEOPLE_COLUMNS["categories"]),
    "program": ("programs", PEOPLE_COLUMNS["programs"]),
    "year": ("years", PEOPLE_COLUMNS["years"]),
    "organization": ("organizations", PEOPLE_COLUMNS["organizations"]),
    "region": ("regions", PEOPLE_COLUMNS["regions"]),
    "indicator": ("indicators", PEOPLE_COLUMNS["indicators"]),
}


def _metrics(args: argparse.Namespace) -> int:
    import analysis as fa
    from analysis.report.tables import csv_text
    from analysis.words.formats import people_text

    a = fa.open(args.data, program=args.program, year=args.year, region=args.region, lang=args.lang)
    name, people_columns = METRIC_VIEWS[args.by]
    table = getattr(a.measures, name)
    if args.format == "csv":
        _write_text(csv_text(table))
    elif args.format == "json":
        scope = {"programs": list(a.scope.programs), "years": list(a.scope.years)}
        _write_json({"by": args.by, "unit": "万元", "scope": scope, "rows": _records(table)})
    else:
        text = people_text(table[people_columns], args.lang, a.data.categories)
        scope = a.scope.text(args.lang)  # said where the data hold several programs or years
        _write_text((f"{scope}\n" if scope else "") + text + "\n")
    return 0


def _run(args: argparse.Namespace) -> int:
    from analysis.report.run import command

    return command(args)


def _extract(args: argparse.Namespace) -> int:
    """Run `extract`: 0 when every figure was read, 1 when some were not (tables still written)."""
    from analysis.read.extract import extract, issue_text, write
    from analysis.read.extract.tables import check_out, default_out

    out = args.out or default_out(args.report)
    check_out(out, force=args.force)  # before the report is read: a refusal is quick
    extraction = extract(args.report, prefix=getattr(args, "id_prefix", None))
    write(extraction, out, force=args.force)
    lines = [issue_text(issue, extraction.report) for issue in extraction.issues]
    sys.stderr.buffer.write("".join(line + "\n" for line in lines).encode("utf-8"))
    sys.stderr.flush()
    counts = (
        len(extraction.projects),
        len(extraction.lines),
        len(extraction.programs),
        len(extraction.indicators),
        sum(issue.kind == "corrected" for issue in extraction.issues),
        len(extraction.unread),
    )
    summary = (
        "{}: 项目 {} 个，预算明细 {} 行，计划 {} 个，绩效指标 {} 项，更正 {} 处，未能录入 {} 处 / "
        "{} projects, {} budget lines, {} programs, {} indicators, {} corrected, {} not entered\n"
    ).format(out, *counts, *counts)
    sys.stdout.buffer.write(summary.encode("utf-8"))
    sys.stdout.flush()
    return 0 if extraction.complete() else 1


def _rules(args: argparse.Namespace) -> int:
    from analysis.check.rules import rules_table
    from analysis.report.tables import csv_text
    from analysis.words.formats import column_header, text_table
    from analysis.words.labels import label

    table = rules_table(args.lang)
    if args.format == "csv":
        _write_text(csv_text(table))
    elif args.format == "json":
        _write_json(_records(table))
    else:  # for people: names and severities in words, fields named
        columns = ["rule", "title", "severity", "files", f"message_{args.lang}"]
        shown = table[columns].assign(severity=[label(s, args.lang) for s in table["severity"]])
        shown.columns = [
            column_header(c if c != "title" else "name", args.lang) for c in columns[:4]
        ] + [column_header("message", args.lang)]
        _write_text(text_table(shown) + "\n")
    return 0


def _notebooks(args: argparse.Namespace) -> int:
    import shutil

    from analysis.config import NOTEBOOKS_DIR

    if args.copy is None:
        if args.force:
            raise InputError("usage", f"{PROG} notebooks", expected="--force goes with --copy")
        _write_text(f"{NOTEBOOKS_DIR}\n")
        return 0
    folder = Path(args.copy)
    if folder.exists() and not folder.is_dir():
        raise InputError("bad_value", folder, expected="a folder", found="a file")
    sources = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
    targets = [folder / source.name for source in sources]
    existing = [target for target in targets if target.exists()]
    if existing and not args.force:  # nothing is copied unless everything can be
        raise InputError(
            "bad_value",
            existing[0],
            expected="a name not taken (--force overwrites)",
            found=f"{len(existing)} of the {len(targets)} notebooks already there",
        )
    folder.mkdir(parents=True, exist_ok=True)
    for source, target in zip(sources, targets, strict=True):
        shutil.copyfile(source, target)
    _write_text("".join(f"{target}\n" for target in targets))
    return 0


def _kernel_install(args: argparse.Namespace) -> int:
    from analysis.kernel import install

    kernel = install(args.name, user=args.user, display_name=args.display_name, force=args.force)
    _write_text(
        f"registered kernel {kernel.name} in {kernel.folder}; JupyterLab shows it as "
        f'"{kernel.display_name}"; it runs {kernel.python}\n'
    )
    return 0


# --- output --------------------------------------------------------------------------


def _records(table) -> list[dict[str, object]]:
    """Return the rows as JSON-ready dicts: NaN as null, numpy numbers as Python numbers."""
    records = table.to_dict("records")
    return [{k: _json_value(v) for k, v in row.items()} for row in records]


def _json_value(value: object) -> object:
    if hasattr(value, "item"):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if not isinstance(value, str | int | float | bool):
        return None if str(value) in ("<NA>", "nan") else str(value)
    return value


def _write_text(text: str) -> None:
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.flush()


def _write_json(data: object) -> None:
    _write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


HUGE_PAGES_ENV = "NUMPY_MADVISE_HUGEPAGE"


def prefer_small_pages() -> None:
    """Have numpy back large arrays with ordinary 4 KiB pages, here and in the kernels a run
    starts (unless NUMPY_MADVISE_HUGEPAGE says otherwise).

    A command is one fresh process, and every array it makes lands on memory it has not
    touched before. numpy asks Linux for 2 MiB huge pages for large arrays; on a virtual
    machine that hands freed memory back to its host, each new huge page is slow to get.
    Measured on the 2-core VM of the benchmarks, the first load + check + measure of
    150,000 projects in a fresh process took 1.9-2.4 s with huge pages, 1.2-1.3 s without.
    """
    if os.environ.get(HUGE_PAGES_ENV) is not None:
        return
    os.environ[HUGE_PAGES_ENV] = "0"  # read by numpy as it is imported in a notebook kernel
    try:
        from numpy._core.multiarray import _set_madvise_hugepage  # numpy 2
    except ImportError:
        try:
            from numpy.core.multiarray import _set_madvise_hugepage  # numpy 1.26
        except ImportError:  # another numpy: it keeps its own choice
            return
    _set_madvise_hugepage(False)


def skip_slow_optional_imports() -> None:
    """Keep jsonschema from importing rfc3987_syntax in this process.

    nbformat (through papermill) imports jsonschema, which imports rfc3987_syntax when it is
    installed (JupyterLab's jupyter-events brings it): that module builds a parser as it is
    imported, 1.5-2.4 s here, for the "iri" format no notebook uses. A command owns its
    process, so it is hidden here, at the entry point; the library never does this.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code."""
    prefer_small_pages()
    skip_slow_optional_imports()
    try:
        args = build_parser().parse_args(argv)
        handler: Callable[[argparse.Namespace], int] = args.handler
        return handler(args)
    except InputError as exc:
        prefix = "" if exc.kind == "usage" else f"{PROG}: "
        print(prefix + exc.message(), file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into `head`
        return 0
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
