"""The project × category heatmap of each category's share of the budget."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import colors as mcolors
from matplotlib.axes import Axes

from analysis.draw import theme
from analysis.draw._style import (
    _axes,
    _detail_names,
    _finish,
    _ink,
    _note,
    _percent_axis,
    _project_names,
    _scoped,
    _title,
    _top_note,
)
from analysis.draw.theme import BASE_RC, SHARE_CMAP
from analysis.measure import charts
from analysis.words.formats import percent as percent_text
from analysis.words.labels import label


def structure_heatmap(
    categories: pd.DataFrame,
    *,
    top: int | None = 20,
    lang: str = "zh",
    ax: Axes | None = None,
) -> Axes:
    """Return the Axes with a project × category heatmap of each category's share of the budget.

    categories is Measures.categories (or charts.shares of it). A share is the category's
    total over the sum of the project's categories (its budget where the lines reconcile),
    so each row adds up to 100%; blank cells are categories the project has no line for. A
    project without lines is one 100% 未分项 cell. Rows follow special fund; beyond the top
    N the rest are one row.
    """
    style = theme.chart_style(lang)
    shown = charts.shares(categories, top)
    projects = shown.drop_duplicates("project_id")
    names = _project_names(projects, style)
    codes = charts.detail_order(shown["category"], "category")
    grid = shown.pivot(index="project_id", columns="category", values="share_of_total")
    shares = grid.reindex(index=projects["project_id"], columns=codes).to_numpy(dtype=float)
    ax = _axes(ax, len(projects), width=max(7.0, 3.2 + 0.75 * len(codes)))
    image = ax.imshow(np.ma.masked_invalid(shares), cmap=SHARE_CMAP, vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(np.arange(len(codes)), labels=_detail_names(codes, "category", style))
    ax.tick_params(axis="x", rotation=35, length=0)
    for tick in ax.get_xticklabels():
        tick.set_horizontalalignment("right")
        tick.set_rotation_mode("anchor")
    ax.set_yticks(np.arange(len(names)), labels=names)
    ax.tick_params(axis="y", length=0)
    ax.set_xticks(np.arange(len(codes) + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(len(names) + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="minor", length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    rows, cols = np.nonzero(~np.isnan(shares))
    cmap, norm = image.get_cmap(), image.norm
    for r, c in zip(rows, cols, strict=True):
        fill = mcolors.to_hex(cmap(norm(shares[r, c])))
        ax.text(
            c, r, percent_text(shares[r, c]), ha="center", va="center", fontsize=7, color=_ink(fill)
        )
    bar = ax.figure.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    _percent_axis(bar.ax.yaxis)
    bar.set_label(label("share_of_total", style.lang), size=BASE_RC["axes.labelsize"])
    _finish(bar.ax, style)
    _title(ax, _scoped(label("chart_heatmap", style.lang), shown, style))
    _note(ax, [_top_note(shown, style)])
    return _finish(ax, style)
