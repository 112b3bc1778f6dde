"""Where the project's files live, independent of the working directory.

The bundled tables and the notebooks have one copy in git: the repository's top-level
`data/` and `notebooks/`. Building a wheel or an sdist copies them into the package
(`analysis/data`, `analysis/notebooks`; see `[tool.setuptools.package-dir]` in
pyproject.toml), where an installed package finds them. A checkout, installed editable or
not, has no such copies and finds the top-level folders instead.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# The checkout the package sits in, when it is one (in an installed wheel: site-packages).
PROJECT_ROOT = PACKAGE_DIR.parent


def _bundled(name: str) -> Path:
    """Return the folder `name` inside the installed package, or else the checkout's."""
    inside = resources.files(__package__) / name
    # A package imported from a zip file has no folder papermill or a kernel could open.
    if isinstance(inside, Path) and inside.is_dir():
        return inside
    return PROJECT_ROOT / name


DATA_DIR = _bundled("data")
NOTEBOOKS_DIR = _bundled("notebooks")


def bundled_data_dir() -> Path:
    """Return the folder of the bundled seed tables (the default data set)."""
    if not (DATA_DIR / "projects.csv").is_file():
        raise FileNotFoundError(
            f"the bundled data is not at {DATA_DIR}: this installation of fund-analysis is "
            "incomplete; reinstall it (pip install fund-analysis, or make install in a checkout)"
        )
    return DATA_DIR


def safe_name(text: str) -> str:
    """Return text usable as a file name on every system (letters, digits, CJK, - and _)."""
    return re.sub(r"[^\w.\-]+", "_", str(text), flags=re.UNICODE).strip("._") or "_"
