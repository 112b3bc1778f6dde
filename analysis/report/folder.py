"""The output folder of a run: claimed under a lock, built beside --out, swapped in whole.

What the run promises about the files around it, and where each promise is kept:
- It replaces only a folder it wrote itself: `--out` must be new, empty, or a report
  whose manifest carries this program's format marker and lists every file in it, each
  with the bytes the run wrote (`foreign_content`). Anything else is refused before the
  data is read, and nothing is touched.
- The data and the report stay apart: data inside `--out`, or `--out` inside the data
  folder, is refused (symbolic links resolved).
- One run at a time writes a folder: `.NAME.lock` beside it is held (flock) from the
  checks to the swap. A second run is refused at once, naming the first one's process.
- The run is built in `.NAME.building-PID` beside `--out` and moved into place by two
  renames when it is complete. A failed run is kept as `NAME.failed`, replacing only a
  failed run kept there before; when that name is taken by anything else (a folder or
  file of the user's, a link), as `NAME.failed-2`, `-3`, ….
- An interrupted run (SIGINT, SIGTERM or SIGHUP) is removed: the half-built folder with
  the notebooks' data cache, the lock, and any folder it made above `--out`; its kernels
  are killed. Half-built folders left by a run that was killed outright (SIGKILL) are
  removed by the next run into the same `--out`.
- Any operating-system error on the output side ends the run as unusable input (exit 2)
  in one line naming `--out`.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import os
import re
import shutil
import signal
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pyarrow

from analysis.errors import InputError
from analysis.report.record import MANIFEST, RunRecord, read_manifest, sha256

# Folders a run makes even when nothing lands in them.
REPORT_FOLDERS = ("notebooks", "html", "figures", "tables")


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal (SIGINT, SIGTERM or SIGHUP)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class OutputFolder:
    """The `--out` of one run: its lock, the folder it is built in, and where it ends up.

    Use `with OutputFolder.claim(out, data) as folder:`, build in `folder.build`, and end
    with `folder.keep(record)`. Leaving the block any other way removes what was built.
    """

    def __init__(self, out: Path | str) -> None:
        self.given = str(out)  # as typed, for messages
        self.out = _resolved(self.given)
        self.parent = self.out.parent
        name = self.out.name
        self.build = self.parent / f".{name}.building-{os.getpid()}"
        self.lock = self.parent / f".{name}.lock"
        self._made: list[Path] = []  # folders above --out that this run created
        self._lock_fd: int | None = None
        self.signals = _Signals()

    @classmethod
    @contextlib.contextmanager
    def claim(cls, out: Path | str, data: Path) -> Iterator[OutputFolder]:
        """Check, lock and start building `out`; on any exception or signal, remove it all."""
        folder = cls(out)
        folder._refuse_overlap(data)
        with folder.signals:
            try:
                with folder._os_errors(everything=True):
                    folder._open()
                with folder._os_errors():
                    yield folder
            except BaseException:
                shutil.rmtree(folder.build, ignore_errors=True)
                folder._release()
                for made in reversed(folder._made):
                    with contextlib.suppress(OSError):
                        made.rmdir()  # only if empty: nothing of anyone else's
                raise
            finally:
                folder._release()

    def keep(self, record: RunRecord) -> Path:
        """Write the record into the build and put it in place: `--out` when every notebook
        ran, beside it as `NAME.failed` otherwise. Return where it went."""
        place = self.out if record.status == "ok" else self._failed_place()
        record.kept_at = str(place)
        record.write(self.build)
        if place == self.out and (why := foreign_content(place)) is not None:
            raise self._refuse(f"a folder nobody changed while the run wrote; {why}")
        self.signals.check()  # the last moment a signal stops the run
        old = self.parent / f".{self.out.name}.old-{os.getpid()}"
        if os.path.lexists(place):
            place.rename(old)
        try:
            self.build.rename(place)
        except BaseException:
            if os.path.lexists(old):
                old.rename(place)
            raise
        shutil.rmtree(old, ignore_errors=True)
        return place

    # --- claiming ------------------------------------------------------------------------

    def _refuse(self, why: str) -> InputError:
        return InputError("bad_value", f"--out {self.given}", expected=why)

    def _refuse_overlap(self, data: Path) -> None:
        try:
            data = data.resolve()
        except (OSError, RuntimeError):  # a loop of links: loading says so
            return
        if data == self.out or self.out in data.parents:
            raise self._refuse(f"a folder apart from the data; the data {data} lies in it")
        if data in self.out.parents:
            raise self._refuse(f"a folder outside the data folder {data}")

    def _open(self) -> None:
        """Make the folders above --out, take the lock, check --out, start the build."""
        missing = [p for p in (self.parent, *self.parent.parents) if not p.exists()]
        for folder in reversed(missing):
            folder.mkdir()
            self._made.append(folder)
        self._take_lock()
        why = foreign_content(self.out)
        if why is not None:
            raise self._refuse(
                f"a new or empty folder, or a report of fund-analysis to replace; {why}; "
                "move it away or choose another --out"
            )
        self._remove_stale()
        self.build.mkdir()
        for name in REPORT_FOLDERS:
            (self.build / name).mkdir()

    def _take_lock(self) -> None:
        while True:
            # Never through a link: the file is truncated, and removed at the end.
            fd = os.open(self.lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 32).decode("ascii", "replace").strip() or "?"
                os.close(fd)
                raise self._refuse(
                    f"a folder no other run is writing; fund-analysis run (process {holder}) "
                    "is writing it now: run again when it has finished"
                ) from None
            # The lock file is removed when a run ends; a lock taken on a file already
            # removed holds nothing, so take it again on the file that is there now.
            with contextlib.suppress(FileNotFoundError):
                if os.path.samestat(os.fstat(fd), os.stat(self.lock)):
                    break
            os.close(fd)
        # A run leaves nothing in it but its process id; anything else is not ours to clear.
        if not stat.S_ISREG(os.fstat(fd).st_mode) or not re.fullmatch(rb"\d*\n?", os.read(fd, 64)):
            os.close(fd)
            raise self._refuse(f"a folder beside which {self.lock.name} is a lock of fund-analysis")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._lock_fd = fd

    def _release(self) -> None:
        if self._lock_fd is None:
            return
        with contextlib.suppress(OSError):
            self.lock.unlink()  # while still held, so no run locks a file about to go
        os.close(self._lock_fd)
        self._lock_fd = None

    def _remove_stale(self) -> None:
        """Remove the half-built and swapped-out folders of runs into --out that were killed
        outright: with the lock held, no other run is writing them."""
        pattern = re.compile(rf"\.{re.escape(self.out.name)}\.(?:building|old)-(\d+)")
        for path in self.parent.iterdir():
            found = pattern.fullmatch(path.name)
            mine = found and int(found[1]) == os.getpid()  # left by an earlier run() here
            if found and path.is_dir() and not path.is_symlink() and (mine or not _alive(found[1])):
                shutil.rmtree(path, ignore_errors=True)

    def _failed_place(self) -> Path:
        for n in itertools.count(1):
            place = self.parent / (f"{self.out.name}.failed" + (f"-{n}" if n > 1 else ""))
            if not os.path.lexists(place) or foreign_content(place, "failed") is None:
                return place
        raise AssertionError("unreachable")

    @contextlib.contextmanager
    def _os_errors(self, everything: bool = False) -> Iterator[None]:
        """Turn an operating-system error about the output's paths into one line, exit 2."""
        try:
            yield
        except OSError as exc:
            if not (everything or exc.filename is None or self._ours(Path(exc.filename))):
                raise
            where = f": {exc.filename}" if exc.filename else ""
            raise self._refuse(
                f"a folder fund-analysis can write ({exc.strerror or exc}{where})"
            ) from None

    def _ours(self, path: Path) -> bool:
        name = self.out.name
        return (
            path.is_relative_to(self.build)
            or path.is_relative_to(self.out)
            or (path.parent == self.parent and path.name.startswith((f".{name}.", f"{name}.")))
        )


def _resolved(given: str) -> Path:
    if not given:
        raise InputError("usage", "--out", expected="--out must name a folder, not be empty")
    try:
        return Path(given).resolve()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a loop of links
        raise InputError("bad_value", f"--out {given}", expected=f"a folder path ({exc})") from None


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError, OverflowError):
        return True
    return True


# --- what may be replaced --------------------------------------------------------------


def foreign_content(folder: Path, status: str | None = None) -> str | None:
    """Return why folder may not be replaced by a run, or None when it may.

    It may when it does not exist, is empty (not for `status`), or is a report this
    program wrote (with that status, if given) holding nothing but the files its manifest
    lists, each with the sha256 it lists: a file added, changed, or linked in is the
    user's, and keeps the whole folder.
    """
    if not os.path.lexists(folder):
        return None
    info = folder.lstat()
    if stat.S_ISLNK(info.st_mode):
        return f"{folder.name} is a link"
    if not stat.S_ISDIR(info.st_mode):
        return f"{folder.name} is not a folder"
    if status is None and not any(folder.iterdir()):
        return None
    manifest = read_manifest(folder)
    if manifest is None:
        return f"{folder.name} holds files and no {MANIFEST} written by fund-analysis"
    if status is not None and manifest.get("status") != status:
        return f"{folder.name}/{MANIFEST} is not that of a {status} run"
    listed: dict = manifest["files"]
    allowed = {*REPORT_FOLDERS, *(p for f in listed for p in _parents(str(f)))}
    for root, dirs, files in os.walk(folder):
        for name in [*dirs, *files]:
            path = Path(root, name)
            relative = path.relative_to(folder).as_posix()
            kind = path.lstat().st_mode
            if stat.S_ISDIR(kind) and relative in allowed:
                continue
            if not stat.S_ISREG(kind) or relative not in listed:
                return f"{folder.name}/{relative} is not one of the files its {MANIFEST} lists"
            if listed[relative] is not None and listed[relative] != sha256(path):
                return f"{folder.name}/{relative} changed since fund-analysis wrote it"
    return None


def _parents(relative: str) -> list[str]:
    parts = relative.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


# --- signals -----------------------------------------------------------------------------


class _Signals:
    """While a run holds its folder, SIGTERM and SIGHUP stop it as SIGINT (Ctrl-C) does.

    A signal is noted, not raised where it lands: an exception raised at a random
    instruction can leave a lock of the import system held (seen: the run hung on it) or
    be lost in a finalizer. The run asks `check()` between its steps (after loading,
    between the tables it writes, every quarter second while notebooks run, before the
    swap), which raises Interrupted, and the run removes what it built. A signal that
    comes once the swap has begun is too late to stop it: the run ends complete.
    Outside the main thread nothing is installed.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def __init__(self) -> None:
        self.saved: dict[int, object] = {}
        self.received: int | None = None

    def __enter__(self) -> _Signals:
        if threading.current_thread() is threading.main_thread():
            self.saved = {s: signal.signal(s, self._note) for s in self.SIGNALS}
            # pyarrow catches SIGINT and SIGTERM itself during a read, to cancel it, when a
            # Python handler is set; it would raise its own error instead of ours.
            pyarrow.enable_signal_handlers(False)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.saved:
            pyarrow.enable_signal_handlers(True)  # pyarrow's default
        for signum, handler in self.saved.items():
            signal.signal(signum, handler)
        self.saved = {}

    def _note(self, signum: int, frame: object) -> None:
        self.received = self.received or signum

    def check(self) -> None:
        """Raise Interrupted if a signal came."""
        if self.received is not None:
            raise Interrupted(self.received)
