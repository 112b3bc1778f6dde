"""Execute notebooks through papermill on kernels of this Python, several at a time."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path

from analysis.config import NOTEBOOKS_DIR
from analysis.draw.theme import FONT_WARNING_START
from analysis.report.html import PageContext
from analysis.report.plan import Job
from analysis.report.record import Outcome, record_outputs

# --- executing -----------------------------------------------------------------------


# numpy backs large arrays with 2 MiB huge pages, each slow to get on a virtual machine
# that hands freed memory back to its host (see analysis.cli.prefer_small_pages); a
# kernel is a fresh process like a command, and is started with ordinary pages unless the
# user's environment says otherwise. Only the kernel's environment is set, not ours.
_KERNEL_ENVIRONMENT = {"NUMPY_MADVISE_HUGEPAGE": "0"}


def _kernel_environment() -> dict[str, str]:
    return {k: v for k, v in _KERNEL_ENVIRONMENT.items() if k not in os.environ}


class Kernels:
    """The kernels a run started, so that an interrupted run ends them at once.

    Kernels run in a process group of their own, out of reach of a Ctrl-C or a SIGTERM
    meant for the run; and an ipykernel ignores SIGINT until a cell runs. So they are
    killed: their notebooks fail, papermill cleans up, and the run can remove its folder
    without waiting for notebooks nobody will read. A kernel launched after `stop()`
    is killed as soon as it exists.
    """

    def __init__(self) -> None:
        self._managers: weakref.WeakSet = weakref.WeakSet()
        self._lock = threading.Lock()
        self.stopped = False

    def started(self, manager) -> None:
        with self._lock:
            if not self.stopped:
                self._managers.add(manager)
                return
        _kill(manager)
        raise RuntimeError("the run was interrupted")

    def stop(self) -> None:
        with self._lock:
            self.stopped = True
            managers = list(self._managers)
        for manager in managers:
            _kill(manager)


def _kill(manager) -> None:
    process = getattr(manager.provisioner, "process", None)
    if process is not None:
        with contextlib.suppress(OSError):
            process.kill()  # a no-op once it has exited


def kernel_manager_class(kernels: Kernels | None = None):
    """Return a kernel manager that starts ipykernel on this interpreter, whatever kernels
    are registered on the machine: the notebooks run in the environment that runs us.
    Each kernel it starts is told to `kernels`, if given."""
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
                    # The run says a missing CJK font once itself; its kernels need not say it
                    # again in every notebook (a message filter: -W needs no import).
                    argv=[
                        sys.executable,
                        "-W",
                        f"ignore:{FONT_WARNING_START}",
                        "-m",
                        "ipykernel_launcher",
                        "-f",
                        "{connection_file}",
                        "--IPKernelApp.log_level=CRITICAL",
                    ],
                    display_name="Python 3 (ipykernel)",
                    language="python",
                    resource_dir=str(NOTEBOOKS_DIR),
                    env=_kernel_environment(),
                )
            return self._kernel_spec

        async def _async_launch_kernel(self, kernel_cmd, **kw) -> None:
            if kernels is not None and kernels.stopped:
                raise RuntimeError("the run was interrupted")
            await super()._async_launch_kernel(kernel_cmd, **kw)
            if kernels is not None:
                kernels.started(self)

    return ThisPythonKernelManager


def execute(
    job: Job, build: Path, timeout: int | None = None, kernels: Kernels | None = None
) -> Outcome:
    """Execute one notebook into build/notebooks and return its Outcome."""
    import papermill

    outcome = Outcome(job.name, job.template, job.parameters)
    notebook = build / "notebooks" / f"{job.name}.ipynb"
    started = time.perf_counter()
    try:
        _with_a_second_start(
            lambda: papermill.execute_notebook(
                str(NOTEBOOKS_DIR / f"{job.template}.ipynb"),
                str(notebook),
                parameters=job.parameters,
                kernel_name="python3",
                kernel_manager_class=kernel_manager_class(kernels),
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
            ),
            kernels,
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


# A kernel that dies before it answers has run no cell of the notebook. On loopback TCP
# this happens when two kernels starting at once are handed the same free port ("Address
# already in use"; seen once in a run of tests/test_hostile.py, a few hundred kernels).
_NEVER_STARTED = "Kernel died before replying to kernel_info"
KERNEL_STARTS = 3


def _with_a_second_start(execute_notebook, kernels: Kernels | None) -> None:
    """Execute the notebook, starting its kernel again (up to KERNEL_STARTS times in all)
    where it died before running a cell; any other failure is the notebook's own."""
    for start in range(1, KERNEL_STARTS + 1):
        try:
            return execute_notebook()
        except RuntimeError as exc:
            stopped = kernels is not None and kernels.stopped
            if _NEVER_STARTED not in str(exc) or start == KERNEL_STARTS or stopped:
                raise


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

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def execute_all(
    jobs: list[Job],
    build: Path,
    workers: int,
    progress: Progress,
    meanwhile: Callable[[], object] | None = None,
    check: Callable[[], None] | None = None,
    context: PageContext | None = None,
) -> tuple[list[Outcome], object]:
    """Execute the jobs, `workers` at a time; a failing notebook does not stop the others.
    Return their Outcomes, in the jobs' order, and what `meanwhile` returned.

    `context` says what the notebooks' HTML pages say beyond them (language, scope, the
    way to the report's index: analysis.report.html).

    `meanwhile`, if given, runs on this thread once the first kernels are starting. This
    thread also exports each finished notebook, so a worker goes straight to the next one.
    `check`, if given, is called on this thread every so often; what it raises stops the
    run. Stopped, the notebooks not started are dropped and the kernels running killed.
    """
    check = check or (lambda: None)
    check()
    outcomes: dict[str, Outcome] = {}
    prepared = None
    kernels = Kernels()
    with _said_in_outcomes(), ThreadPoolExecutor(max_workers=workers) as pool:
        running = {pool.submit(execute, job, build, None, kernels): job for job in jobs}
        try:
            if meanwhile is not None:
                prepared = meanwhile()
            while running:
                check()
                finished, _ = wait(running, timeout=0.25, return_when=FIRST_COMPLETED)
                for future in finished:
                    outcome = record_outputs(future.result(), build, context)
                    running.pop(future)
                    outcomes[outcome.name] = outcome
                    progress.finished(outcome)
        except BaseException:
            for future in running:
                future.cancel()
            kernels.stop()
            raise
    return [outcomes[job.name] for job in jobs], prepared


@contextlib.contextmanager
def _said_in_outcomes():
    """Keep papermill's log lines off stderr while notebooks run, unless the user set up
    logging: a notebook's failure is in its Outcome and said once, by the run. (With no
    handler anywhere, Python prints a library's warnings and errors itself.)"""
    logger = logging.getLogger("papermill")
    handler = logging.NullHandler()
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


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
            kernel_manager_class=kernel_manager_class(),
            record_timing=False,
            resources={"metadata": {"path": str(path.parent)}},
        )
        client.execute()
        nb.metadata["language_info"] = {"name": "python"}
        nbformat.write(nb, path)
    return paths
