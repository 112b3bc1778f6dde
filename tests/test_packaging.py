"""The set-up files agree with each other."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

# Where conda-forge names a package otherwise than PyPI does.
CONDA_NAMES = {"build": "python-build"}


def _key(requirement: str) -> tuple[str, str]:
    """Return (normalised name, version specifier) of a requirement string."""
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group(1)).lower(), match.group(2).replace(" ", "")


def test_environment_yml_names_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        wanted += extra
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip
    assert "conda-forge" in env["channels"]
    listed = {_key(d) for d in conda if _key(d)[0] not in ("python", "pip")}
    assert listed == {(CONDA_NAMES.get(name, name), spec) for name, spec in map(_key, wanted)}
    assert _key(next(d for d in conda if d.startswith("python")))[1] == project["requires-python"]


def test_console_script_points_at_the_cli():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["scripts"]["fund-analysis"] == "analysis.cli:main"


def test_the_wheel_lists_every_subpackage():
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "analysis").rglob("__init__.py")
    }
    assert found <= listed, found - listed
