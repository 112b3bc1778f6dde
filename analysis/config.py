"""Where the project's files live, independent of the working directory."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent

# The bundled tables sit in the checkout's data/ folder; an installed wheel carries
# the same files as the analysis/_data package (see pyproject.toml).
_CANDIDATES = (PROJECT_ROOT / "data", PACKAGE_DIR / "_data")


def bundled_data_dir() -> Path:
    """Return the folder of the bundled seed tables (the default data set)."""
    for candidate in _CANDIDATES:
        if (candidate / "projects.csv").is_file():
            return candidate
    raise FileNotFoundError("the bundled data folder is missing from this installation")


NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
