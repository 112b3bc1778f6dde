"""A Jupyter kernel on this environment, for an analyst's own JupyterLab to pick.

`fund-analysis run` needs none: it starts its kernels on the Python that runs it. A
JupyterLab installed elsewhere, though, only offers the kernels registered where it looks;
registering one named for the project lets it open the notebooks on this environment.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from analysis.errors import InputError

KERNEL_NAME = "fund-analysis"

# What jupyter_client accepts as a kernel name (it folds the name to lower case).
_VALID_NAME = re.compile(r"^[a-z0-9._\-]+$", re.IGNORECASE)


@dataclass(frozen=True)
class Kernel:
    """A registered kernel: its name, what Jupyter shows, its folder and its Python."""

    name: str
    display_name: str
    folder: Path
    python: str


def kernel_folder(name: str, user: bool) -> Path:
    """Return the folder the kernel `name` is registered in: the user's Jupyter data folder
    with `user`, otherwise the system-wide one (as `python -m ipykernel install` does)."""
    from jupyter_core.paths import SYSTEM_JUPYTER_PATH, jupyter_data_dir

    base = Path(jupyter_data_dir()) if user else Path(SYSTEM_JUPYTER_PATH[0])
    return base / "kernels" / name.lower()


def _registered_python(folder: Path) -> str | None:
    """Return the Python an existing kernel in `folder` starts (None: no readable kernel)."""
    try:
        spec = json.loads((folder / "kernel.json").read_text(encoding="utf-8"))
        return str(spec["argv"][0])
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return None


def _same_python(a: str, b: str) -> bool:
    """Return whether two interpreter paths start the same environment.

    Not by resolving links: every virtual environment's python links to the same base
    interpreter. `.venv/bin/python` and `.venv/bin/python3` are one environment.
    """
    a, b = os.path.abspath(a), os.path.abspath(b)
    if a == b:
        return True
    try:
        return os.path.dirname(a) == os.path.dirname(b) and os.path.samefile(a, b)
    except OSError:
        return False


def install(
    name: str = KERNEL_NAME,
    *,
    user: bool = False,
    display_name: str | None = None,
    force: bool = False,
) -> Kernel:
    """Register a kernel that runs this Python and return it.

    Registering again from the same environment refreshes the kernel; a kernel of the same
    name that starts another Python (another environment's) is replaced only with `force`.
    """
    if not _VALID_NAME.match(name):
        raise InputError(
            "usage",
            "fund-analysis kernel install",
            expected=f"--name takes letters, digits, '.', '_' and '-', not {name!r}",
        )
    python = sys.executable
    folder = kernel_folder(name, user)
    registered = _registered_python(folder)
    ours = registered is not None and _same_python(registered, python)
    if folder.exists() and not ours and not force:
        raise InputError(
            "bad_value",
            folder,
            expected=f"a kernel of this environment ({python}); --force replaces it, "
            "--name registers another",
            found=f"a kernel of {registered}" if registered else "a folder that is not a kernel",
        )
    display_name = display_name or f"{name} (Python {sys.version_info[0]}.{sys.version_info[1]})"
    from ipykernel.kernelspec import install as install_kernelspec

    try:
        installed = install_kernelspec(user=user, kernel_name=name, display_name=display_name)
    except PermissionError as exc:
        raise InputError(
            "bad_value",
            folder.parent,
            expected="a folder you may write to; --user registers the kernel for you alone",
            found=exc.strerror or "permission denied",
        ) from None
    return Kernel(name.lower(), display_name, Path(installed), python)
