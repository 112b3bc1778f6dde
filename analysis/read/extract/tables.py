"""The tables read from a whole report, and writing them as CSV files."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.config import safe_name
from analysis.errors import InputError
from analysis.read.extract.execution import EvaluationReader
from analysis.read.extract.form import INDICATOR_OUT, Form, enter_form, parse_form, split_forms
from analysis.read.extract.ids import id_prefix
from analysis.read.extract.prose import (
    MISSING_KINDS,
    TITLE,
    YEAR,
    Amount,
    Issue,
    Paragraph,
    Project,
    _key,
    _Text,
    plain_digits,
    read_report,
)
from analysis.read.extract.units import about, reconcile_units
from analysis.words.labels import pair
from analysis.words.vocabulary import (
    CATEGORIES,
    DEFAULT_UNIT,
)

PROJECT_COLUMNS = ["project_id", "year", "program", "organization", "title", "special",
                   "self_raised", "total", "special_received", "special_actual",
                   "self_raised_received", "self_raised_actual", "unit", "goal", "goal_result",
                   "source"]  # fmt: skip
LINE_COLUMNS = ["project_id", "category", "total", "special", "unit", "note", "source"]
PROGRAM_COLUMNS = ["program", "year", "special_total", "unit", "source"]
UNREAD_COLUMNS = ["kind", "project_id", "field", "where", "text", "reason", "source"]
OUTPUT_FILES = {"projects": "projects.csv", "lines": "budget_lines.csv",
                "programs": "programs.csv", "indicators": "indicators.csv",
                "unread": "unread.csv"}  # fmt: skip


@dataclass(frozen=True)
class Extraction:
    """The tables read from one report (text cells, amounts in 万元) and the issues met."""

    projects: pd.DataFrame
    lines: pd.DataFrame
    programs: pd.DataFrame
    unread: pd.DataFrame
    issues: tuple[Issue, ...]
    report: str
    indicators: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=INDICATOR_OUT))

    def complete(self) -> bool:
        """Return whether every figure of the report is in the tables."""
        return self.unread.empty


# --- the whole report ---------------------------------------------------------------


def extract(
    path: str | Path, *, categories: pd.DataFrame | None = None, prefix: str | None = None
) -> Extraction:
    """Return the tables read from the report at path, with every issue met on the way."""
    paragraphs = read_report(path)
    prose, form_lines = split_forms(paragraphs)
    reader = EvaluationReader(CATEGORIES if categories is None else categories)
    for paragraph in prose:
        reader.read(paragraph)
    forms: list[tuple[Project, Form]] = []
    form_issues = []
    for lines in form_lines:
        form = parse_form(lines)
        project, found = enter_form(reader, form)
        form_issues.extend(found)
        if project is not None:
            forms.append((project, form))
    projects = [p for p in reader.projects.values() if p.figures or p.lines]
    if not projects:
        raise InputError(
            "bad_value",
            path,
            expected="a self-evaluation report naming projects as 单位的“项目名称” with figures",
            found=paragraphs[0].printed.strip(),
        )
    program, year = _program_and_year(paragraphs, path)
    prefix = prefix or id_prefix(program)
    issues = [*reader.issues, *form_issues]
    for n, project in enumerate(projects, 1):
        project.project_id = f"{prefix}-{year}-{n:02d}"
        issues.extend(reconcile_units(project))
        issues.extend(reader.finish(project))
        if "special" not in project.figures:
            source = " | ".join(project.sources)
            reason = pair("reason.no_special")
            issues.append(Issue("missing", project, "special", "", project.title, reason, source))
    total = reader.program_total
    if total is None:
        reason = pair("reason.no_program_total")
        issues.append(Issue("absent", None, "special_total", "", program, reason, ""))
    elif not program:
        issues.append(about(total, "missing", None, "program", pair("reason.no_program_name")))
    return Extraction(
        projects=_projects_table(projects, program, year, forms),
        lines=_lines_table(projects),
        programs=_programs_table(reader, program, year),
        unread=_unread_table(issues),
        issues=tuple(issues),
        report=str(path),
        indicators=_indicators_table(forms),
    )


def _program_and_year(paragraphs: list[Paragraph], path: str | Path) -> tuple[str, int]:
    """Return the program's name and year from the title ("2021 年度…计划项目…报告").

    Without such a title the name is empty and the year is the one the text names most.
    """
    for paragraph in paragraphs[:3]:
        m = TITLE.search(_Text.of(paragraph.printed).norm)
        if m:
            return _key(m["program"]), int(m["year"])
    years = Counter(m["year"] for p in paragraphs for m in YEAR.finditer(_Text.of(p.printed).norm))
    if not years:
        raise InputError(
            "missing_value", path, column="year", expected="the year, e.g. '2021 年度' in the title"
        )
    return "", int(years.most_common(1)[0][0])


def _wan(amount: Amount | None) -> str:
    return "" if amount is None else plain_digits(amount.wan)


def _projects_table(
    projects: list[Project], program: str, year: int, forms: list[tuple[Project, Form]]
) -> pd.DataFrame:
    goals = {id(project): (form.goal, form.goal_result) for project, form in forms}
    amounts = ("special", "self_raised", "total", "special_received", "special_actual",
               "self_raised_received", "self_raised_actual")  # fmt: skip
    rows = [
        {
            "project_id": p.project_id,
            "year": str(year),
            "program": program,
            "organization": p.organization,
            "title": p.title,
            **{name: _wan(p.figures[name].amount) if name in p.figures else "" for name in amounts},
            "unit": DEFAULT_UNIT,
            "goal": goals.get(id(p), ("", ""))[0],
            "goal_result": goals.get(id(p), ("", ""))[1],
            "source": " | ".join(p.sources),
        }
        for p in projects
    ]
    return pd.DataFrame(rows, columns=PROJECT_COLUMNS)


def _indicators_table(forms: list[tuple[Project, Form]]) -> pd.DataFrame:
    """Return the indicator rows of the forms, as printed (the loader reads ≥3次)."""
    rows = [
        {
            "project_id": project.project_id,
            **{c: row[c] for c in ("level1", "level2", "name", "target", "actual")},
            "unit": "",
            "direction": "",
            **{c: row[c] for c in ("weight", "score", "reason", "source")},
        }
        for project, form in forms
        if project.project_id
        for row in form.indicators
    ]
    return pd.DataFrame(rows, columns=INDICATOR_OUT)


def _lines_table(projects: list[Project]) -> pd.DataFrame:
    rows = [
        {
            "project_id": p.project_id,
            "category": line.category,
            "total": _wan(line.total),
            "special": _wan(line.special) or "0",
            "unit": DEFAULT_UNIT,
            "note": _note(line.notes),
            "source": line.source,
        }
        for p in projects
        for line in p.lines
    ]
    return pd.DataFrame(rows, columns=LINE_COLUMNS)


def _note(notes: list[tuple[str, str]]) -> str:
    """Return notes as one "中文 / English" text, the form the rules module splits."""
    if not notes:
        return ""
    return "；".join(zh for zh, _ in notes) + " / " + " ".join(en for _, en in notes)


def _programs_table(reader: EvaluationReader, program: str, year: int) -> pd.DataFrame:
    rows = []
    if reader.program_total is not None and program:
        rows.append(
            {
                "program": program,
                "year": str(year),
                "special_total": _wan(reader.program_total.amount),
                "unit": DEFAULT_UNIT,
                "source": " | ".join(reader.program_sources),
            }
        )
    return pd.DataFrame(rows, columns=PROGRAM_COLUMNS)


def _unread_table(issues: list[Issue]) -> pd.DataFrame:
    rows = [
        {
            "kind": issue.kind,
            "project_id": issue.project.project_id if issue.project else "",
            "field": issue.field,
            "where": issue.where,
            "text": issue.text,
            "reason": " / ".join(issue.reason),
            "source": issue.source,
        }
        for issue in issues
        if issue.kind in MISSING_KINDS
    ]
    return pd.DataFrame(rows, columns=UNREAD_COLUMNS)


# --- writing and the command --------------------------------------------------------


def write(extraction: Extraction, out: str | Path, *, force: bool = False) -> list[Path]:
    """Write the tables as plain UTF-8 CSV files into the folder out; return them.

    A folder that holds any of the files is refused unless force: nothing of the user's is
    replaced unasked. The files are written into a new folder beside and moved in only once
    all are written, so that a failure (a full disk, an interruption) leaves no half set.
    """
    folder = Path(out)
    exists = check_out(folder, force=force)
    made: list[Path] = []
    building: Path | None = None
    done = False
    try:
        if not exists:
            made = _make_parents(folder.parent)
        building = Path(
            tempfile.mkdtemp(prefix=".extract-", dir=folder if exists else folder.parent)
        )
        for attribute, name in OUTPUT_FILES.items():
            table: pd.DataFrame = getattr(extraction, attribute)
            table.to_csv(building / name, index=False, encoding="utf-8", lineterminator="\n")
        if exists:
            for name in OUTPUT_FILES.values():
                os.replace(building / name, folder / name)
            building.rmdir()
        else:
            os.rename(building, folder)
        done = True
    except OSError as exc:
        raise InputError(
            "unwritable", folder, expected="a folder it can write", found=exc.strerror
        ) from None
    finally:
        if not done:  # failed or interrupted: take away what was made
            if building is not None:
                shutil.rmtree(building, ignore_errors=True)
            for parent in reversed(made):
                with contextlib.suppress(OSError):
                    parent.rmdir()
    return [folder / name for name in OUTPUT_FILES.values()]


def check_out(folder: str | Path, *, force: bool = False) -> bool:
    """Return whether the output folder exists, raising where write would refuse it: a file,
    a path it cannot make, a folder holding any of the tables (unless force)."""
    folder = Path(folder)
    try:
        info = os.stat(folder)
    except FileNotFoundError:
        return False
    except OSError as exc:  # under a file, a name too long
        raise InputError(
            "unwritable", folder, expected="a folder it can write", found=exc.strerror
        ) from None
    if not stat.S_ISDIR(info.st_mode):
        raise InputError("bad_value", folder, expected="an output folder", found="a file")
    there = [name for name in OUTPUT_FILES.values() if os.path.lexists(folder / name)]
    if there and not force:
        raise InputError(
            "would_overwrite", folder, expected="a new folder (or --force)", found=", ".join(there)
        )
    return True


def _make_parents(folder: Path) -> list[Path]:
    """Create the folder and the folders above it that are missing; return those made."""
    missing = []
    while not os.path.lexists(folder) and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir()
    return list(reversed(missing))


def default_out(report: str | Path) -> Path:
    """Return the folder extract writes to without --out: named after the report, here."""
    return Path(f"{safe_name(Path(report).stem)[:100]}-tables")


def issue_text(issue: Issue, report: str) -> str:
    """Return the one line a person reads about an issue: where, what, why, which sentence."""
    zh, en = pair(f"issue.{issue.kind}")
    where = f"{report}, {issue.where}" if issue.where else report
    who = f" {issue.project.project_id}（{issue.project.organization}）" if issue.project else ""
    text = f"{where}: {zh} / {en}{who}: “{issue.text}”: {' / '.join(issue.reason)}"
    if issue.source:
        text += f"; 原句 / sentence: “{issue.source}”"
    return text.replace("\n", " ")
