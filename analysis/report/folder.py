"""The output folder of a run: what may be replaced, and the swap that replaces it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from analysis.errors import InputError
from analysis.report.record import MANIFEST

# --- the command ---------------------------------------------------------------------


def check_out_folder(out: Path) -> None:
    """Refuse to replace a folder that is not the output of an earlier run."""
    if out.exists() and (
        not out.is_dir() or (any(out.iterdir()) and not (out / MANIFEST).exists())
    ):
        raise InputError(
            "bad_value",
            out,
            expected="a new folder or the output of an earlier run (it would be replaced)",
            found="an existing folder without manifest.json",
        )


def swap_in(build: Path, out: Path) -> None:
    """Replace out with build in two renames, so out is never half-written."""
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    if out.exists():
        out.rename(old)
    build.rename(out)
    shutil.rmtree(old, ignore_errors=True)
