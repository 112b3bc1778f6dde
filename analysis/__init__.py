"""fund-analysis: checked figures and clear charts from the budgets of special-fund projects.

    import analysis as fa
    a = fa.open()               # the bundled data; fa.open("folder or .xlsx") for yours
    a.table("projects")         # every project's figures, for people
    a.chart("funding_split")    # a chart, with the numbers it draws
    fa.set_theme()              # the house style and a CJK font for your own charts

The names below are imported when first used, so `python -m analysis` starts quickly.
"""

from __future__ import annotations

import importlib

# The one place the version is written: pyproject.toml reads it (dynamic version), and so do
# `fund-analysis --version` and the manifest of a run.
__version__ = "0.1.0"

__all__ = ["Analysis", "InputError", "Table", "draw", "open", "set_theme"]

_LAZY = {
    "open": ("analysis.session", "open"),
    "Analysis": ("analysis.session", "Analysis"),
    "Table": ("analysis.session", "Table"),
    "set_theme": ("analysis.draw.theme", "set_theme"),
    "InputError": ("analysis.errors", "InputError"),
    "draw": ("analysis.draw", None),
}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'analysis' has no attribute {name!r}")
    module, attribute = _LAZY[name]
    found = importlib.import_module(module)
    value = found if attribute is None else getattr(found, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
