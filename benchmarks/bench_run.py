"""Time `fund-analysis run` against the floor of executing as many trivial notebooks.

The floor is what any notebook runner pays: a Python process that imports papermill,
then executes the same number of notebooks that only import pandas and seaborn, through
papermill's API, `--jobs` at a time, on the same kind of kernel. Both are timed as whole
commands, alternately, in one invocation; the best of `--repeat` rounds is reported.

    .venv/bin/python benchmarks/bench_run.py [--data PATH] [--jobs N] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

FLOOR_SOURCE = "import pandas\nimport seaborn"


def floor(count: int, jobs: int, folder: Path) -> None:
    """Execute `count` notebooks that import pandas and seaborn, `jobs` at a time."""
    from analysis.cli import skip_slow_optional_imports

    skip_slow_optional_imports()  # as the command does, so both import papermill alike
    import nbformat
    import papermill

    from analysis.report.execute import kernel_manager_class as _kernel_manager_class

    template = folder / "floor.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(FLOOR_SOURCE)]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, template)

    def one(i: int) -> None:
        papermill.execute_notebook(
            str(template),
            str(folder / f"out-{i}.ipynb"),
            kernel_name="python3",
            kernel_manager_class=_kernel_manager_class(),
            progress_bar=False,
        )

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(one, range(count)))


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="data folder (default: the bundled seed)")
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--floor", type=int, help=argparse.SUPPRESS)  # the floor's own process
    args = parser.parse_args()

    if args.floor is not None:
        with tempfile.TemporaryDirectory() as folder:
            floor(args.floor, args.jobs, Path(folder))
        return

    work = Path(tempfile.mkdtemp(prefix="bench-run-"))
    data = ["--data", args.data] if args.data else []
    run = [sys.executable, "-m", "analysis", "run", *data, "--jobs", str(args.jobs)]
    # One run first: it says how many notebooks the floor must match, and warms caches.
    subprocess.run([*run, "--out", str(work / "warm")], check=True, stderr=subprocess.DEVNULL)
    manifest = json.loads((work / "warm" / "manifest.json").read_text(encoding="utf-8"))
    count = len(manifest["notebooks"])
    floor_command = [sys.executable, __file__, "--floor", str(count), "--jobs", str(args.jobs)]
    runs, floors = [], []
    for i in range(args.repeat):
        floors.append(timed(floor_command))
        runs.append(timed([*run, "--out", str(work / f"out-{i}")]))
    shutil.rmtree(work, ignore_errors=True)
    best_run, best_floor = min(runs), min(floors)
    print(f"notebooks: {count}, jobs: {args.jobs}, rounds: {args.repeat}")
    print("| | best (s) | all rounds (s) |")
    print("|---|---:|---|")
    print(f"| floor: {count} notebooks importing pandas + seaborn | {best_floor:.2f} | "
          + ", ".join(f"{t:.2f}" for t in floors) + " |")  # fmt: skip
    print(f"| fund-analysis run | {best_run:.2f} | " + ", ".join(f"{t:.2f}" for t in runs) + " |")
    print(f"ratio run / floor: {best_run / best_floor:.2f}")


if __name__ == "__main__":
    main()
