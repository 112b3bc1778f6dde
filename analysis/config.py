"""Where the project's files live, independent of the working directory.

The bundled tables and the notebooks have one copy in git: the repository's top-level
`data/` and `notebooks/`. Building a wheel or an sdist copies them into the package
(`analysis/data`, `analysis/notebooks`; see `[tool.setuptools.package-dir]` in
pyproject.toml), where an installed package finds them. A checkout, installed editable or
not, has no such copies and finds the top-level folders instead.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
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


# A file name this long in UTF-8 fits every file system in use (255 bytes on ext4, APFS and
# NTFS, 143 under eCryptfs) with room for a suffix and a chart name after it.
NAME_BYTES = 100
_STEM_BYTES = 80
# Names Windows keeps for devices, whatever follows them.
_DEVICES = {"con", "prn", "aux", "nul", *(f"{p}{n}" for p in ("com", "lpt") for n in range(10))}


def safe_name(text: object) -> str:
    """Return a file name for text: the same text each time, never another text's name.

    Text that is already a plain name is kept as it is: lowercase ASCII letters, digits,
    `_`, `-` and letters without case (汉字, kana, hangul), in NFC, at most NAME_BYTES
    bytes, not starting with `-`, not a Windows device name. Any other text becomes a
    readable stem plus `~` and 8 hex digits of its sha256: `a/b` → `a_b~…`, `AB` → `AB~…`,
    `...` → `_~…`. Plain names never hold `~` and differ from each other in more than
    case, and hashed names differ in their hash, so two texts never share a name, not
    even on a file system that ignores case or normalizes Unicode (Windows, macOS).
    """
    text = str(text)
    if _is_plain(text):
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{name_stem(text)}~{digest}"


def name_stem(text: str) -> str:
    """Return the readable part of safe_name(text): every run of characters other than
    letters, digits, `_` and `-` as one `_` (a leading `-` too), at most 80 bytes.

    For a text that does not start with `-`, the stem of `text-more` begins with the stem
    of `text` and a `-` (unless it was cut): how the run finds which notebook saved a chart.
    """
    stem = re.sub(r"^-|[^\w-]+", "_", text) or "_"
    return stem.encode("utf-8", "surrogatepass")[:_STEM_BYTES].decode("utf-8", "ignore")


def _is_plain(text: str) -> bool:
    return (
        0 < len(text.encode("utf-8", "surrogatepass")) <= NAME_BYTES
        and not text.startswith("-")
        and text not in _DEVICES
        and all(
            ch in _PLAIN_ASCII if ch < "\x80" else unicodedata.category(ch) in ("Lo", "Nd")
            for ch in text
        )
        and unicodedata.is_normalized("NFC", text)
    )


_PLAIN_ASCII = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-")
