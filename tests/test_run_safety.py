"""What a run may touch (issue 12: items 1-4, 6, 7, 14, 16-18), with the record it leaves.

Each refusal is checked three ways: the exit code, one line on stderr naming the culprit,
and every file the user had byte-identical afterwards. The runs use tiny notebooks (the
templates of tests/test_run.py, and a project notebook that saves a chart file the way a
session names it), so that each run costs a kernel start, not the real notebooks.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from analysis.cli import main
from analysis.config import DATA_DIR, safe_name
from analysis.report import execute as execute_module
from analysis.report import plan as plan_module
from analysis.report import run as run_module
from analysis.report.folder import foreign_content
from analysis.report.record import FORMAT, MANIFEST, inventory, read_manifest
from tests.conftest import tiny_notebook, write_tables

SEED_PROGRAM = "县域创新跃升计划"


# --- tiny notebooks, run in this process ------------------------------------------------


def project_notebook(path: Path) -> None:
    """A project notebook that saves one chart file named as Analysis.chart names it, and
    says so in its output's metadata, where the run's record finds it."""
    chart = textwrap.dedent("""\
        from pathlib import Path
        from IPython.display import display
        from analysis.config import safe_name
        name = safe_name(f"{project_id}-program_by_category")
        Path(output_dir, "figures", name + ".png").write_bytes(project_id.encode())
        display("chart", metadata={"fund-analysis": {"files": [f"figures/{name}.png"]}})""")
    tiny_notebook(path, chart, 'project_id: str = ""  # project')


def write_templates(folder: Path, **more: str) -> Path:
    """Write tiny notebooks: `good`, `bad` (fails), `project`, and any given by source."""
    folder.mkdir(exist_ok=True)
    tiny_notebook(folder / "good.ipynb", "print('fine')")
    tiny_notebook(folder / "bad.ipynb", "raise ValueError('made to fail')")
    for name, source in more.items():
        tiny_notebook(folder / f"{name}.ipynb", source)
    project_notebook(folder / "project.ipynb")
    return folder


def tiny_templates(folder: Path, monkeypatch, program=("good",)) -> Path:
    """Point runs at the tiny notebooks, the program notebooks being `program`."""
    write_templates(folder)
    monkeypatch.setattr(execute_module, "NOTEBOOKS_DIR", folder)
    monkeypatch.setattr(plan_module, "PROGRAM_NOTEBOOKS", program)
    return folder


@pytest.fixture
def work(tmp_path, monkeypatch) -> Path:
    """The user's folder, where commands run, with runs pointed at tiny notebooks."""
    tiny_templates(tmp_path / "templates", monkeypatch)
    monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", "0")  # main() sets it otherwise
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def cli(*argv: str, capsys) -> tuple[int, str]:
    """Run the command in this process; return its exit code and stderr."""
    code = main(list(argv))
    return code, capsys.readouterr().err


def run(out: str, *more: str, capsys) -> tuple[int, str]:
    return cli("run", "--out", out, "--project-notebooks", "0", "--jobs", "2", *more, capsys=capsys)


def files_of(folder: Path) -> dict[str, bytes]:
    """Return {path: bytes} of everything under folder (links and folders marked), unfollowed."""
    found = {}
    for root, dirs, files in os.walk(folder):
        for name in [*dirs, *files]:
            path = Path(root, name)
            key = path.relative_to(folder).as_posix()
            if path.is_symlink():
                found[key + "@"] = os.readlink(path).encode()
            elif path.is_dir():
                found[key + "/"] = b""
            else:
                found[key] = path.read_bytes()
    return found


def assert_refused(code: int, err: str, *named: str) -> str:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for part in named:
        assert part in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def earlier_report(tmp_path_factory) -> Path:
    """A report written by a run of the tiny notebooks, with a project notebook."""
    base = tmp_path_factory.mktemp("earlier")
    with pytest.MonkeyPatch.context() as patch:
        tiny_templates(base / "templates", patch)
        record = run_module.run(None, base / "report", jobs=2, project_notebooks=1)
    assert record.status == "ok"
    return base / "report"


def copy_of(report: Path, where: Path) -> Path:
    return Path(shutil.copytree(report, where, symlinks=True))


# --- 1. a run replaces only a folder it wrote ----------------------------------------------


def test_the_manifest_marks_the_report_and_lists_every_file_in_it(earlier_report):
    manifest = json.loads((earlier_report / MANIFEST).read_text(encoding="utf-8"))
    assert (manifest["format"], manifest["format_version"]) == (FORMAT, 1)
    on_disk = inventory(earlier_report)
    assert manifest["files"] == {
        **{k: v for k, v in on_disk.items() if k != MANIFEST},
        MANIFEST: None,
    }
    assert {"notebooks/good.ipynb", "html/good.html", "tables/summary.xlsx",
            "index.html"} <= set(on_disk)  # fmt: skip
    assert manifest["kept_at"] == str(earlier_report)
    assert manifest["version"] == manifest["packages"]["fund-analysis"]
    assert set(manifest["timings"]) == {"load_s", "notebooks_s", "documents_s"}
    assert manifest["index"] == "index.html"
    assert manifest["documents"] == ["报告.docx"]  # made of whatever notebooks the run ran
    assert foreign_content(earlier_report) is None


FOREIGN = {
    "empty-manifest": {"manifest.json": b"{}", "index.html": b"<p>mine</p>"},
    "look-alike": {"manifest.json": b'{"status": "ok", "files": {}}', "notes.txt": b"notes"},
    "other-version": {
        "manifest.json": json.dumps({"format": FORMAT, "format_version": 99, "files": {}}).encode(),
        "notes.txt": b"notes",
    },
    "not-json": {"manifest.json": b"\x00\xff", "index.html": b"x"},
    "manifest-is-a-folder": {"manifest.json/keep.txt": b"mine", "index.html": b"x"},
    "only-a-file": {"thesis.docx": b"years of work"},
}


@pytest.mark.parametrize("files", FOREIGN.values(), ids=FOREIGN.keys())
def test_run_refuses_a_folder_it_did_not_write(work, capsys, files):
    for name, data in files.items():
        (work / "mine" / name).parent.mkdir(parents=True, exist_ok=True)
        (work / "mine" / name).write_bytes(data)
    before = files_of(work)
    line = assert_refused(*run("mine", capsys=capsys), "--out mine", "manifest.json")
    assert "written by fund-analysis" in line
    assert files_of(work) == before


def mess_up(report: Path, how: str) -> str:
    """Add or change something in a copy of a report; return the path a message must name."""
    if how == "added-file":
        (report / "notes.txt").write_bytes(b"the user's notes")
        return "notes.txt"
    if how == "added-deep":
        (report / "mine" / "deep").mkdir(parents=True)
        (report / "mine" / "deep" / "x.txt").write_bytes(b"x")
        return "mine"
    if how == "added-empty-folder":
        (report / "drafts").mkdir()
        return "drafts"
    if how == "added-figure":
        (report / "figures" / "my_chart.png").write_bytes(b"png")
        return "figures/my_chart.png"
    if how == "changed-table":
        with (report / "tables" / "summary.xlsx").open("ab") as handle:
            handle.write(b"an analyst's edit")
        return "tables/summary.xlsx"
    if how == "linked":
        (report / "tables" / "link.csv").symlink_to("/etc/hostname")
        return "tables/link.csv"
    raise AssertionError(how)


@pytest.mark.parametrize(
    "how",
    ["added-file", "added-deep", "added-empty-folder", "added-figure", "changed-table", "linked"],
)
def test_run_refuses_its_own_report_once_the_user_put_work_in_it(work, capsys, earlier_report, how):
    report = copy_of(earlier_report, work / "report")
    culprit = mess_up(report, how)
    before = files_of(work)
    assert_refused(*run("report", capsys=capsys), "--out report", f"report/{culprit}")
    assert files_of(work) == before


def test_run_replaces_its_own_report_and_an_empty_folder(work, capsys, earlier_report):
    report = copy_of(earlier_report, work / "report")
    old = read_manifest(report)
    (work / "empty").mkdir()
    for out in ("report", "empty"):
        code, err = run(out, capsys=capsys)
        assert code == 0, err
        new = read_manifest(work / out)
        assert new is not None and new["status"] == "ok"
    assert new["started"] != old["started"] or new["files"] != old["files"]
    assert sorted(p.name for p in work.iterdir()) == ["empty", "report"]  # no lock, no debris


# --- 2. the data and the report stay apart -------------------------------------------------


@pytest.mark.parametrize(
    ("data", "out"),
    [("report/input", "report"), ("report/book.xlsx", "report"), ("mydata", "mydata/reports"),
     ("mydata", "mydata"), ("mydata", "link/reports")],
    ids=["data-in-out", "workbook-in-out", "out-in-data", "out-is-data", "out-in-data-via-link"],
)  # fmt: skip
def test_run_keeps_the_data_and_the_report_apart(work, capsys, earlier_report, data, out):
    copy_of(earlier_report, work / "report")
    shutil.copytree(DATA_DIR, work / "report" / "input")
    (work / "report" / "book.xlsx").write_bytes(b"a workbook")
    shutil.copytree(DATA_DIR, work / "mydata")
    (work / "link").symlink_to("mydata")
    before = files_of(work)
    line = assert_refused(*run(out, "--data", data, capsys=capsys), f"--out {out}")
    assert "data" in line
    assert files_of(work) == before


# --- 3. a failed run keeps only what is its own ---------------------------------------------


@pytest.fixture
def failing(work, monkeypatch) -> Path:
    monkeypatch.setattr(plan_module, "PROGRAM_NOTEBOOKS", ("good", "bad"))
    return work


@pytest.mark.parametrize("users", ["folder", "empty-folder", "file", "link", "report-of-an-ok-run"])
def test_a_failed_run_is_kept_beside_a_users_out_failed(failing, capsys, earlier_report, users):
    taken = failing / "reports.failed"
    if users == "folder":
        taken.mkdir()
        (taken / "thesis.docx").write_bytes(b"years of work")
    elif users == "empty-folder":
        taken.mkdir()
    elif users == "file":
        taken.write_bytes(b"a file of the user's")
    elif users == "link":
        (failing / "mine").mkdir()
        taken.symlink_to("mine")
    else:
        copy_of(earlier_report, taken)
    before = files_of(failing)
    code, err = run("reports", capsys=capsys)
    assert code == 1, err
    assert "reports.failed-2" in err.strip().splitlines()[-1]
    after = files_of(failing)
    assert {k: after.get(k) for k in before} == before
    assert read_manifest(failing / "reports.failed-2")["status"] == "failed"
    assert not (failing / "reports").exists()
    assert sorted(p.name for p in failing.iterdir() if p.name.startswith(".")) == []


def test_a_failed_run_replaces_the_failed_run_it_kept(failing, capsys):
    assert run("reports", capsys=capsys)[0] == 1
    first = read_manifest(failing / "reports.failed")
    assert first["status"] == "failed" and first["kept_at"] == str(failing / "reports.failed")
    assert run("reports", capsys=capsys)[0] == 1
    assert read_manifest(failing / "reports.failed")["started"] >= first["started"]
    assert read_manifest(failing / "reports.failed")["files"] != {}
    assert sorted(p.name for p in failing.iterdir()) == ["reports.failed"]


def test_an_edited_failed_run_is_the_users(failing, capsys):
    assert run("reports", capsys=capsys)[0] == 1
    (failing / "reports.failed" / "why.txt").write_bytes(b"my notes on the failure")
    before = files_of(failing)
    assert run("reports", capsys=capsys)[0] == 1
    after = files_of(failing)
    assert {k: after.get(k) for k in before} == before
    assert (failing / "reports.failed-2" / MANIFEST).is_file()


# --- 4. SIGTERM and SIGHUP as SIGINT ----------------------------------------------------------

CHILD = """\
import sys
from pathlib import Path
from analysis.report import execute, plan
from analysis.cli import main
execute.NOTEBOOKS_DIR = Path(sys.argv[1])
plan.PROGRAM_NOTEBOOKS = ("slow", "good")
sys.exit(main(["run", "--out", "reports", "--project-notebooks", "0", "--jobs", "1"]))
"""


@pytest.mark.parametrize(
    "sent", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name
)
def test_a_run_stopped_by_a_signal_leaves_nothing_behind(tmp_path, earlier_report, sent):
    """Sent to the run alone (as a scheduler or a closed terminal sends it), not its group."""
    templates = write_templates(tmp_path / "templates", slow="import time\ntime.sleep(120)")
    work = tmp_path / "work"
    copy_of(earlier_report, work / "reports")
    before = files_of(work)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(templates)],
        cwd=work, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not list(work.glob(".reports.building-*/.fund-analysis-session.pickle")):
            assert child.poll() is None and time.monotonic() < deadline, "it never started"
            time.sleep(0.05)
        time.sleep(1)  # the slow notebook's kernel is running its cell
        child.send_signal(sent)
        _, err = child.communicate(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    assert child.returncode == 128 + sent, err
    lines = err.strip().splitlines()
    assert lines[-1] == f"fund-analysis: interrupted ({sent.name}); reports left as it was", err
    assert "Traceback" not in err
    assert files_of(work) == before  # no half-built folder, cache, lock or .old


def test_a_run_removes_what_a_killed_run_left(work, capsys, earlier_report):
    copy_of(earlier_report, work / "reports")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a process id no longer in use
    for leftover in (f".reports.building-{dead.pid}", f".reports.old-{dead.pid}"):
        (work / leftover / "notebooks").mkdir(parents=True)
    (work / ".other.building-1").mkdir()  # not this --out's: left alone
    assert run("reports", capsys=capsys)[0] == 0
    assert sorted(p.name for p in work.iterdir()) == [".other.building-1", "reports"]


# --- 6. a file name for every project -----------------------------------------------------

ID_SETS = {
    "unsafe-characters": ["a/b", "a b", "a:b", "a_b"],
    "case-only": ["AB", "ab"],
    "dots-and-slashes": ["...", "///", "..", ""],
    "long": ["项" * 300, "x" * 300, "x" * 299 + "y"],
    "prefixes": ["a", "a-b", "a-structure", "A-B"],
}


def test_safe_names_are_unique_stable_and_short():
    ids = [i for group in ID_SETS.values() for i in group]
    for texts in (ids, [f"project-{i}" for i in ids], [f"project-{i}-structure" for i in ids]):
        names = [safe_name(t) for t in texts]
        assert len({n.casefold() for n in names}) == len(texts), names
        assert all(len(n.encode()) <= 100 for n in names)
        assert all(not set(n) & set('/\\:*?"<>| .') and n[0] != "-" for n in names), names
    # The same in every run, on every machine: part of a report's file names.
    assert safe_name("a/b") == "a_b~c14cddc0"
    assert safe_name("overview-funding_split") == "overview-funding_split"
    assert safe_name("项目") == "项目" and safe_name("con") != "con"


def projects_with_ids(ids: list[str]) -> dict[str, pd.DataFrame]:
    projects = pd.DataFrame(
        {"project_id": ids, "year": 2021, "program": SEED_PROGRAM,
         "organization": [f"企业{n}" for n in range(len(ids))], "title": "项目", "special": 10,
         "self_raised": "", "total": 30, "self_raised_actual": "", "unit": "万元"}
    )  # fmt: skip
    lines = pd.DataFrame(
        {"project_id": ids, "category": "设备费", "total": 30, "special": 10, "unit": "万元",
         "note": ""}
    )  # fmt: skip
    return {"projects": projects, "budget_lines": lines}


@pytest.mark.parametrize("ids", [["a/b", "a b", "a:b", "a_b", "AB", "ab", "...", "///",
                                  "项" * 300, "a-b", "a"]], ids=["hostile-ids"])  # fmt: skip
def test_every_project_gets_its_own_notebook_and_charts(work, capsys, ids):
    write_tables(work / "ids", projects_with_ids(ids))
    names = []
    for out in ("first", "second"):
        code, err = cli("run", "--data", "ids", "--out", out, "--project-notebooks", "all",
                        "--jobs", "2", capsys=capsys)  # fmt: skip
        assert code == 0, err
        manifest = read_manifest(work / out)
        projects = [n for n in manifest["notebooks"] if n["template"] == "project"]
        names.append([n["name"] for n in projects])
        for entry in projects:  # its notebook, its page, and the one chart it saved
            pid = entry["parameters"]["project_id"]
            figure = f"figures/{safe_name(f'{pid}-program_by_category')}.png"
            assert entry["outputs"][2:] == [figure]
            assert (work / out / figure).read_bytes() == pid.encode()
    assert names[0] == names[1] and len({n.casefold() for n in names[0]}) == len(ids)
    assert len(list((work / "first" / "notebooks").glob("project-*.ipynb"))) == len(ids)


# --- 7. one run at a time ------------------------------------------------------------------


def test_a_second_run_is_refused_while_one_writes_the_folder(work, capsys, earlier_report):
    copy_of(earlier_report, work / "reports")
    with (work / ".reports.lock").open("w") as held:
        held.write("12345\n")
        held.flush()
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running run holds it
        before = files_of(work)
        line = assert_refused(*run("reports", capsys=capsys), "--out reports", "12345")
        assert "run again when it has finished" in line
        assert files_of(work) == before


def test_a_lock_left_by_a_killed_run_does_not_stop_the_next(work, capsys):
    (work / ".reports.lock").write_text("999999\n")  # a file, not held by anyone
    assert run("reports", capsys=capsys)[0] == 0
    assert sorted(p.name for p in work.iterdir()) == ["reports"]


# --- 16 and 17. one line for an --out that cannot be ---------------------------------------

LONG = "x" * 300


@pytest.mark.parametrize(
    ("out", "named"),
    [("afile/sub", "afile/sub"), ("afile/deeper/sub", "afile/deeper"), ("/proc/x", "/proc/x"),
     (LONG, LONG), (f"deeper/{LONG}/sub", f"deeper/{LONG}"), ("报" * 100, "报" * 100)],
    ids=["under-a-file", "deeper-under-a-file", "proc", "300-bytes", "long-in-a-path", "cjk"],
)  # fmt: skip
def test_an_out_that_cannot_be_written_is_one_line(work, capsys, out, named):
    (work / "afile").write_bytes(b"a regular file")
    before = files_of(work)
    assert_refused(*run(out, capsys=capsys), f"--out {named}")
    assert files_of(work) == before  # not even the folders above it


def test_an_error_while_writing_the_report_is_one_line(work, capsys, monkeypatch):
    def full_disk(tables, path, *args):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr("analysis.report.tables.write_workbook", full_disk)
    line = assert_refused(*run("reports", capsys=capsys), "--out reports", "No space left")
    assert "summary.xlsx" in line
    assert list(work.iterdir()) == []


def test_an_empty_out_is_refused(work, capsys):
    assert_refused(*cli("run", "--out", "", capsys=capsys), "--out")
    assert list(work.iterdir()) == []
