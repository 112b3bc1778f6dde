"""Time loading the same data from an .xlsx workbook and from CSV files.

    python benchmarks/bench_workbook.py [--n 10000] [--repeat 3]

generate.py's data for N projects (cached in benchmarks/out/) is written once as a
workbook with one sheet per table, amounts as Excel numbers as an analyst's workbook
holds them (benchmarks/out/nN-seed0.xlsx). Each load is the best of --repeat rounds in
this process; the two data sets are compared, so that a faster reading is not a
different one. A sheet holds at most 1,048,576 rows: about 125,000 projects' lines.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

from analysis.read.load import load

HERE = Path(__file__).resolve().parent
AMOUNTS = {"special", "self_raised", "total", "self_raised_actual", "special_total", "year"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="projects")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the best is kept")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(HERE))
    from bench import _data  # the cached generated folder, made if missing

    folder = _data(args.n, 0)
    book = folder.with_suffix(".xlsx")
    stamp = folder / "generator.sha256"
    if not book.exists() or book.stat().st_mtime < stamp.stat().st_mtime:
        _write_workbook(folder, book)
    csv_seconds, from_csv = _best(folder, args.repeat)
    xlsx_seconds, from_book = _best(book, args.repeat)
    for table in ("projects", "lines", "programs"):
        columns = [c for c in getattr(from_csv, table).columns if c != "source_row"]
        pd.testing.assert_frame_equal(
            getattr(from_book, table)[columns], getattr(from_csv, table)[columns]
        )
    print(f"{args.n:,} projects, {len(from_csv.lines):,} lines (same data from both)")
    print(f"CSV files:     {csv_seconds:.2f} s")
    print(f".xlsx workbook: {xlsx_seconds:.2f} s  ({book.stat().st_size / 1e6:.1f} MB)")
    return 0


def _write_workbook(folder: Path, book: Path) -> None:
    with pd.ExcelWriter(book, engine="openpyxl") as writer:
        for name in ("projects", "budget_lines", "programs"):
            table = pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
            typed = table.astype(object)
            for column in AMOUNTS & set(table.columns):
                typed[column] = pd.to_numeric(table[column].replace("", None))
            typed.to_excel(writer, sheet_name=name, index=False)


def _best(path: Path, repeat: int):
    best, ds = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        ds = load(path)
        best = min(best, time.perf_counter() - start)
    return best, ds


if __name__ == "__main__":
    raise SystemExit(main())
