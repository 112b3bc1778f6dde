"""Hostile files and the checks around them, for tests/test_hostile.py.

Everything here works through files and the command line, not through the library's
modules, so that the reorganisation of `analysis/` into subpackages leaves it alone (only
the fallback report comes from tests/test_extract.py).
"""

from __future__ import annotations

import contextlib
import csv
import os
import resource
import shutil
import stat
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from openpyxl import Workbook

REPO = Path(__file__).resolve().parents[1]
SEED_DATA = REPO / "data"
NOTEBOOKS = REPO / "notebooks"
SEED_PROGRAM = "县域创新跃升计划"
SEED_YEAR = 2021

# The seed report, in the shared folder beside the checkout (or beside the folder of its
# worktrees); in a clone on its own, a report in the seed's style that tests/test_extract.py
# keeps, so that nothing skips.
SEED_REPORTS = (
    REPO.parent / "shared" / "seeds" / "000_6cdd9bb89a889b45.txt",
    REPO.parents[1] / "shared" / "seeds" / "000_6cdd9bb89a889b45.txt",
)

# Seconds a command may take before the test calls it hung. Generous: CI machines are
# noisy, and these bound hangs (a FIFO, /dev/zero, a quadratic parser), not speed.
QUICK = 60
RUN = 300

# The address space a command other than `run` may use: far above what the bundled data or
# any test table needs (about 1 GiB), far below what a workbook bomb or /dev/zero asks for,
# so that reading without a bound fails in the command instead of exhausting the machine.
MEMORY_LIMIT = 4 << 30

# A file larger than this is recorded by size and time instead of its bytes (a sparse
# report of many gigabytes must not be read by the test either).
SNAPSHOT_READ_LIMIT = 64 << 20


# --- running the command ---------------------------------------------------------------


def child_env(tmp: Path | None = None, **extra: str) -> dict[str, str]:
    """Return the environment for a command: its own TMPDIR where given, UTF-8 output, and
    none of the variables a run sets for its kernels."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FUND_ANALYSIS_")}
    if tmp is not None:
        tmp.mkdir(parents=True, exist_ok=True)
        env["TMPDIR"] = str(tmp)
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(extra)
    return env


def _limit_memory() -> None:  # runs in the child, before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def cli(
    *args: str,
    cwd: Path,
    timeout: float | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `python -m analysis ARGS` in cwd and return what it did; a hang fails the test.

    Commands other than `run` get MEMORY_LIMIT of address space (`run` starts kernels that
    reserve more, and is not fed unbounded input here).
    """
    is_run = bool(args) and args[0] == "run"
    timeout = timeout or (RUN if is_run else QUICK)
    try:
        return subprocess.run(
            [sys.executable, "-m", "analysis", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            env=env or child_env(),
            preexec_fn=None if is_run else _limit_memory,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"`fund-analysis {' '.join(args)}` did not end within {timeout} s")


def start(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start `python -m analysis ARGS` in a session of its own and return it, running."""
    return subprocess.Popen(
        [sys.executable, "-m", "analysis", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=env or child_env(),
        start_new_session=True,
    )


def finish(process: subprocess.Popen[str], timeout: float = RUN) -> tuple[int, str, str]:
    """Wait for a started command; return its exit code, stdout and stderr."""
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        end_group(process)
        pytest.fail(f"a started command did not end within {timeout} s")
    return process.returncode, out, err


def end_group(process: subprocess.Popen[str]) -> None:
    """Kill what is left of a command this test started (its own process group)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, 9)
    process.wait()


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> object:
    """Poll until condition() is true and return it; fail the test after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    pytest.fail(f"waited {timeout} s for {what}")


# --- what a command must say -----------------------------------------------------------


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert result.returncode >= 0, f"killed by signal {-result.returncode}: {result.stderr[-2000:]}"


def assert_refused(result: subprocess.CompletedProcess[str], *culprits: str) -> str:
    """Assert exit 2 with one line on stderr, no traceback, naming every culprit; return it."""
    assert_no_traceback(result)
    assert result.returncode == 2, (result.returncode, result.stderr[-3000:])
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr[-3000:]
    for culprit in culprits:
        assert culprit in lines[0], f"{culprit!r} not named in: {lines[0]}"
    return lines[0]


def assert_ok(result: subprocess.CompletedProcess[str], *codes: int) -> None:
    """Assert one of the exit codes (default 0) and no traceback."""
    assert_no_traceback(result)
    assert result.returncode in (codes or (0,)), (result.returncode, result.stderr[-3000:])


# --- what the user had -----------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, bytes]:
    """Return {relative path: bytes} of everything under folder, not following links.

    Folders appear as "path/" (b""), links as "path@" (their target), other special files
    (a FIFO) as "path|" without being opened, files over SNAPSHOT_READ_LIMIT by size and
    modification time: a file deleted, added, changed, or turned into a folder shows.
    """
    found: dict[str, bytes] = {}
    if not folder.exists() and not folder.is_symlink():
        return found
    for root, dirs, files in os.walk(folder):
        base = Path(root)
        for name in [*dirs, *files]:
            path = base / name
            key = path.relative_to(folder).as_posix()
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                found[key + "@"] = os.readlink(path).encode()
            elif stat.S_ISDIR(info.st_mode):
                found[key + "/"] = b""
            elif not stat.S_ISREG(info.st_mode):
                found[key + "|"] = b""
            elif info.st_size > SNAPSHOT_READ_LIMIT:
                found[key] = f"<{info.st_size} bytes, mtime {info.st_mtime_ns}>".encode()
            else:
                found[key] = path.read_bytes()
        dirs[:] = [d for d in dirs if not (base / d).is_symlink()]
    return found


def assert_unchanged(before: dict[str, bytes], folder: Path) -> None:
    """Assert the folder holds exactly what it held: nothing lost, changed or added."""
    after = snapshot(folder)
    assert_kept(before, folder, after)
    added = sorted(set(after) - set(before))
    assert not added, f"added in {folder}: {added[:10]}"


def assert_kept(before: dict[str, bytes], folder: Path, after: dict | None = None) -> None:
    """Assert everything the folder held is still there, byte for byte (additions allowed)."""
    after = snapshot(folder) if after is None else after
    lost = sorted(k for k in before if k not in after)
    changed = sorted(k for k in before if k in after and after[k] != before[k])
    assert not lost and not changed, f"in {folder}: lost {lost[:10]}, changed {changed[:10]}"


def debris(parent: Path) -> list[str]:
    """Return the hidden entries beside a run's --out: a half-built .NAME.building-PID, a
    swapped-out .NAME.old-PID, or whatever a later version calls them (users' working
    folders in these tests hold no hidden entries of their own)."""
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


# --- tables ----------------------------------------------------------------------------


def read_table(name: str) -> list[list[str]]:
    """Return a bundled table as rows of text, header first, exactly as the file holds it."""
    with (SEED_DATA / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return [list(row) for row in csv.reader(handle)]


def seed_tables() -> dict[str, list[list[str]]]:
    return {name: read_table(name) for name in ("projects", "budget_lines", "programs")}


def csv_bytes(rows: Iterable[Iterable[str]], encoding: str = "utf-8", end: str = "\n") -> bytes:
    """Return the rows as CSV, a cell quoted where it holds a comma, a quote, CR or LF.

    (The csv module quotes only the characters of its own line terminator: with "\n" it
    would write a lone CR bare, and the file would end the row there.)
    """
    return "".join(",".join(_quoted(cell) for cell in row) + end for row in rows).encode(encoding)


def _quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',"\r\n') else cell


def write_data(folder: Path, tables: dict[str, list[list[str]]] | None = None, **raw) -> Path:
    """Write a data folder: the bundled tables, with the given ones (rows or bytes) replacing
    theirs; a table given as None is left out."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = {**seed_tables(), **(tables or {})}
    for name, rows in {**tables, **raw}.items():
        path = folder / (name if name.endswith(".csv") else f"{name}.csv")
        if rows is None:
            path.unlink(missing_ok=True)
        elif isinstance(rows, bytes):
            path.write_bytes(rows)
        else:
            path.write_bytes(csv_bytes(rows))
    return folder


def column(rows: list[list[str]], name: str) -> int:
    return rows[0].index(name)


def set_cell(rows: list[list[str]], row: int, name: str, value: str) -> list[list[str]]:
    """Return a copy of the rows with the cell at spreadsheet row `row` (header = 1) set."""
    rows = [list(r) for r in rows]
    rows[row - 1][column(rows, name)] = value
    return rows


def projects_with_ids(ids: list[str]) -> dict[str, list[list[str]]]:
    """Return tables of one program with a project per id (10 万元 special of 30) and one
    equipment line each, reconciling exactly."""
    header = read_table("projects")[0]
    projects = [header]
    lines = [["project_id", "category", "total", "special", "unit", "note"]]
    for n, project_id in enumerate(ids, 1):
        row = dict.fromkeys(header, "")
        row.update(project_id=project_id, year=str(SEED_YEAR), program=SEED_PROGRAM,
                   organization=f"企业{n}", title=f"项目{n}", special="10", total="30",
                   unit="万元")  # fmt: skip
        projects.append([row[c] for c in header])
        lines.append([project_id, "设备费", "30", "10", "万元", ""])
    programs = [["program", "year", "special_total", "unit"],
                [SEED_PROGRAM, str(SEED_YEAR), str(10 * len(ids)), "万元"]]  # fmt: skip
    return {"projects": projects, "budget_lines": lines, "programs": programs}


# --- workbooks -------------------------------------------------------------------------


def write_workbook(
    path: Path, tables: dict[str, list[list[str]]] | None = None, numbers: bool = True
) -> Path:
    """Write the tables (default: the bundled ones) as an .xlsx workbook, a sheet per table,
    amounts as Excel numbers where they read as numbers."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in (tables or seed_tables()).items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append([as_number(v) if numbers else (v or None) for v in row])
    book.save(path)
    return path


def as_number(text: str) -> object:
    """Return the cell as Excel would hold it typed in: a number where it reads as one."""
    if text == "":
        return None
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() and "e" not in text.lower() else number


def rewrite_part(book: Path, part: str, change: Callable[[bytes], bytes]) -> Path:
    """Rewrite one part of a workbook (a zip member) in place."""
    with zipfile.ZipFile(book) as old:
        members = [(info, old.read(info)) for info in old.infolist()]
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as new:
        for info, data in members:
            new.writestr(info.filename, change(data) if info.filename == part else data)
    return book


def sheet_part(book: Path, sheet: str) -> str:
    """Return the zip member holding the named sheet (openpyxl numbers them in order)."""
    from openpyxl import load_workbook

    names = load_workbook(book, read_only=True).sheetnames
    return f"xl/worksheets/sheet{names.index(sheet) + 1}.xml"


def pad_part(book: Path, part: str, pad: int, after: bytes = b"<sheetData>") -> Path:
    """Rewrite a workbook with `pad` bytes of spaces inside one XML part (after `after`),
    streamed, so that gigabytes of padding cost a few megabytes on disk."""
    with zipfile.ZipFile(book) as old:
        members = [(info, old.read(info)) for info in old.infolist()]
    tmp = book.with_name(book.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as new:
        for info, data in members:
            if info.filename != part:
                new.writestr(info.filename, data)
                continue
            head, sep, tail = data.partition(after)
            assert sep, f"{after!r} not in {part}"
            with new.open(info.filename, "w", force_zip64=True) as member:
                member.write(head + sep)
                block = b" " * (16 << 20)
                left = pad
                while left:
                    member.write(block[: min(left, len(block))])
                    left -= min(left, len(block))
                member.write(tail)
    tmp.replace(book)
    return book


def unpacked_sizes(book: Path) -> dict[str, int]:
    with zipfile.ZipFile(book) as z:
        return {info.filename: info.file_size for info in z.infolist()}


# --- reports ---------------------------------------------------------------------------


def seed_report_text() -> str:
    """Return the seed report's text (or, without the shared folder, one in its style)."""
    for path in SEED_REPORTS:
        if path.is_file():
            return path.read_text(encoding="utf-8")
    from tests.test_extract import CLEAN_REPORT

    return CLEAN_REPORT


def copy_report(folder: Path, name: str = "report2021.txt") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(seed_report_text(), encoding="utf-8")
    return path


def one_paragraph_report(path: Path, size: int) -> Path:
    """Write the seed report's title, then its body as one line repeated to `size` bytes."""
    text = seed_report_text().strip()
    title, _, body = text.partition("\n")
    paragraph = "".join(line.strip() for line in body.splitlines())
    repeats = size // len(paragraph.encode("utf-8")) + 1
    path.write_text(title + "\n" + paragraph * repeats + "\n", encoding="utf-8")
    return path


def copy_seed(folder: Path) -> Path:
    return Path(shutil.copytree(SEED_DATA, folder))
