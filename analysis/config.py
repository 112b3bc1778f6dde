"""Where the project's files live, independent of the working directory."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent

# The package is installed from its checkout (`pip install -e .`, as the Makefile does):
# the bundled tables and the notebooks are found beside it, from any working directory.
DATA_DIR = PROJECT_ROOT / "data"


def bundled_data_dir() -> Path:
    """Return the folder of the bundled seed tables (the default data set)."""
    if not (DATA_DIR / "projects.csv").is_file():
        raise FileNotFoundError(
            f"the bundled data is not at {DATA_DIR}: install fund-analysis from its checkout "
            "(pip install -e .)"
        )
    return DATA_DIR


NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"


def safe_name(text: str) -> str:
    """Return text usable as a file name on every system (letters, digits, CJK, - and _)."""
    return re.sub(r"[^\w.\-]+", "_", str(text), flags=re.UNICODE).strip("._") or "_"
