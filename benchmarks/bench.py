"""Time load, check and measure at province scale, against pandas reading the same files.

    python benchmarks/bench.py [--sizes 1000,10000,150000] [--repeat 5] [--run]

For each size N (projects), generate.py's data (cached in benchmarks/out/) is timed in a
fresh Python process: the floor is pd.read_csv(path, engine="pyarrow") of projects.csv,
budget_lines.csv and programs.csv; then load, check and measure, each the best of
--repeat rounds, the floor read in the same rounds so that both see the same machine.
check and measure are handed one Facts, as fund-analysis run hands them, so that what
check works out (ids, categories, sums) measure does not work out again; both times
include that work. The library uses a thread per core for large tables.
"× floor" is the best round's load + check + measure over the best floor; "first round"
is the first round's load + check + measure, what one `fund-analysis` command pays in a
fresh process (its arrays land on memory the process has not touched before). The
children set numpy's pages as the command does (analysis.cli.prefer_small_pages). Peak memory
is the resident set (ru_maxrss) of another fresh process that imports the library and
runs load, check and measure once. Each run also checks that validate found exactly the
planted faults (expected.json). --run times `fund-analysis run` on the 10,000 projects.

Prints a Markdown table; the targets (issue: province scale) are printed under it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
TABLES = ("projects", "budget_lines", "programs")
RUN_SIZE = 10_000

# The targets, on a 2-core machine.
MAX_FLOOR_RATIO = 3.0
MAX_PEAK_MB = 2048
MAX_PER_PROJECT_DRIFT = 1.5
MAX_RUN_SECONDS = 60


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,150000", help="projects, comma-separated")
    parser.add_argument("--repeat", type=int, default=5, help="rounds; the best is kept")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--run", action="store_true", help="also time fund-analysis run")
    parser.add_argument("--child", choices=["time", "memory"], help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:  # numpy's pages as a fund-analysis command has them
        from analysis.cli import prefer_small_pages

        prefer_small_pages()
    if args.child == "time":
        return _print_json(_timings(args.data, args.repeat))
    if args.child == "memory":
        return _print_json(_peak_memory(args.data))

    sizes = [int(size) for size in args.sizes.split(",")]
    print(f"<!-- {' '.join(_command(argv))} -->")
    print(_machine())
    rows = []
    for n in sizes:
        data = _data(n, args.seed)
        timing = _child("time", data, args.repeat)
        memory = _child("memory", data, 1)
        rows.append({"n": n, **timing, **memory})
        print(f"  measured {n:,} projects", file=sys.stderr)
    print()
    print(_table(rows))
    print()
    print(_verdict(rows))
    if args.run:
        print()
        print(_time_run(_data(RUN_SIZE, args.seed)))
    print(f"\nload average after: {_load_average()}")
    return 0


# --- the data --------------------------------------------------------------------------


def _data(n: int, seed: int) -> Path:
    """Return the folder of generated data for n projects, generating it if needed."""
    folder = OUT / f"n{n}-seed{seed}"
    stamp = folder / "generator.sha256"
    source = hashlib.sha256((HERE / "generate.py").read_bytes()).hexdigest()
    if stamp.is_file() and stamp.read_text() == source:
        return folder
    print(f"  generating {n:,} projects into {folder}", file=sys.stderr)
    subprocess.run(
        [sys.executable, str(HERE / "generate.py"), str(n), str(folder), "--seed", str(seed)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    stamp.write_text(source)
    return folder


# --- the children (fresh processes) ------------------------------------------------------


def _child(kind: str, data: Path, repeat: int) -> dict:
    command = [sys.executable, __file__, "--child", kind, "--data", str(data)]
    done = subprocess.run(
        [*command, "--repeat", str(repeat)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{kind} run failed on {data}:\n{done.stderr}")
    return json.loads(done.stdout)


def _timings(data: Path, repeat: int) -> dict:
    """Return the best times of the floor and of each step, and whether validate was right."""
    import pandas as pd

    from analysis.check._facts import Facts
    from analysis.check.rules import check
    from analysis.measure.measures import measure
    from analysis.read.load import load

    rounds = []
    for _ in range(repeat):
        times = {}
        started = time.perf_counter()
        for table in TABLES:
            pd.read_csv(data / f"{table}.csv", engine="pyarrow")
        times["floor"] = time.perf_counter() - started
        started = time.perf_counter()
        ds = Facts.of(load(data))  # as run does: check and measure share what they work out
        times["load"] = time.perf_counter() - started
        started = time.perf_counter()
        findings = check(ds)
        times["check"] = time.perf_counter() - started
        started = time.perf_counter()
        measure(ds)
        times["measure"] = time.perf_counter() - started
        times["all"] = times["load"] + times["check"] + times["measure"]
        rounds.append(times)
    best = {step: min(r[step] for r in rounds) for step in rounds[0]}
    exact = _found_as_planted(findings, data)
    return {**best, "first": rounds[0]["all"], "lines": len(ds.lines), "exact": exact}


def _found_as_planted(findings, data: Path) -> bool:
    """Return whether the findings per rule are exactly expected.json's, no more, no fewer."""
    expected = json.loads((data / "expected.json").read_text(encoding="utf-8"))
    wanted = {
        (severity, rule): count
        for severity, counts in (("error", expected["errors"]), ("warning", expected["warnings"]))
        for rule, count in counts.items()
        if count
    }
    got = findings.groupby(["severity", "rule"]).size().to_dict()
    return got == wanted


def _peak_memory(data: Path) -> dict:
    """Return the resident set after imports and at its peak over load, check and measure."""
    from analysis.check._facts import Facts
    from analysis.check.rules import check
    from analysis.measure.measures import measure
    from analysis.read.load import load

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    ds = Facts.of(load(data))
    check(ds)
    measure(ds)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"rss_imports_mb": before / 1024, "rss_peak_mb": peak / 1024}  # Linux: KiB


def _print_json(result: dict) -> int:
    print(json.dumps(result))
    return 0


# --- fund-analysis run -------------------------------------------------------------------


def _time_run(data: Path) -> str:
    """Return a line on how long `fund-analysis run` took on the data, or why it did not run."""
    out = OUT / f"run-{RUN_SIZE}"
    shutil.rmtree(out, ignore_errors=True)
    script = Path(sys.executable).with_name("fund-analysis")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "analysis"]
    command += ["run", "--data", str(data), "--out", str(out)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    figures = sorted(p for p in out.rglob("*") if p.suffix in (".png", ".svg", ".pdf"))
    verdict = "within" if seconds < MAX_RUN_SECONDS and done.returncode == 0 else "NOT within"
    line = (
        f"fund-analysis run on {RUN_SIZE:,} projects: {seconds:.1f} s, exit {done.returncode}, "
        f"{len(figures)} figures in {out} ({verdict} the {MAX_RUN_SECONDS} s target)"
    )
    if done.returncode != 0:
        line += "\n" + "\n".join(done.stderr.strip().splitlines()[-5:])
    return line


# --- the report --------------------------------------------------------------------------


def _table(rows: list[dict]) -> str:
    header = (
        "| projects | lines | read floor (s) | load (s) | check (s) | measure (s) "
        "| load+check+measure (s) | × floor | µs / project | first round (s) | peak RSS (MB) "
        "| findings as planted |"
    )
    lines = [header, "|" + "---:|" * 11 + ":---:|"]
    for r in rows:
        lines.append(
            f"| {r['n']:,} | {r['lines']:,} | {r['floor']:.3f} | {r['load']:.3f} "
            f"| {r['check']:.3f} | {r['measure']:.3f} | {r['all']:.3f} "
            f"| {r['all'] / r['floor']:.1f} | {r['all'] / r['n'] * 1e6:.1f} | {r['first']:.3f} "
            f"| {r['rss_peak_mb']:,.0f} | {'yes' if r['exact'] else 'NO'} |"
        )
    return "\n".join(lines)


def _verdict(rows: list[dict]) -> str:
    """Return the issue's targets and whether this run met them."""
    by_n = {r["n"]: r for r in rows}
    largest = by_n[max(by_n)]
    said = [
        f"- {largest['n']:,} projects: load + check + measure "
        f"{largest['all'] / largest['floor']:.1f}× the read floor (target ≤ {MAX_FLOOR_RATIO:g}×), "
        f"peak RSS {largest['rss_peak_mb']:,.0f} MB (target < {MAX_PEAK_MB:,} MB; "
        f"{largest['rss_imports_mb']:,.0f} MB of it is the imports)"
    ]
    if 10_000 in by_n and max(by_n) > 10_000:
        small = by_n[10_000]
        drift = (largest["all"] / largest["n"]) / (small["all"] / small["n"])
        said.append(
            f"- time per project at {largest['n']:,} / at 10,000: {drift:.2f} "
            f"(target ≤ {MAX_PER_PROJECT_DRIFT:g})"
        )
    return "\n".join(said)


def _machine() -> str:
    import numpy
    import pandas
    import pyarrow

    from analysis._parallel import threads

    return (
        f"{os.cpu_count()} cores ({threads()} threads), Python {platform.python_version()}, "
        f"pandas {pandas.__version__}, "
        f"pyarrow {pyarrow.__version__}, numpy {numpy.__version__}; "
        f"load average before: {_load_average()}"
    )


def _load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _command(argv: list[str] | None) -> list[str]:
    return ["python", "benchmarks/bench.py", *(sys.argv[1:] if argv is None else argv)]


if __name__ == "__main__":
    raise SystemExit(main())
