"""The project × category heatmap of each category's share of the budget."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import colors as mcolors
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from analysis.draw import theme
from analysis.draw._style import (
    _ON_HATCH,
    CATEGORY_COLORS,
    UNALLOCATED_HATCH,
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
from analysis.words.vocabulary import UNALLOCATED


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
    project without lines is one 100% 未分项 cell, grey and hatched: 未分项 is not a
    category, so it stays off the colour scale, which runs from 0 to the largest share of a
    real category. Rows follow total budget, as in budget_structure; beyond the top N the
    rest are the last row.
    """
    style = theme.chart_style(lang)
    shown = charts.shares(categories, top)
    projects = shown.drop_duplicates("project_id")
    names = _project_names(projects, style)
    codes = charts.detail_order(shown["category"], "category")
    grid = shown.pivot(index="project_id", columns="category", values="share_of_total")
    shares = grid.reindex(index=projects["project_id"], columns=codes).to_numpy(dtype=float)
    ax = _axes(ax, len(projects), width=max(7.0, 3.2 + 0.75 * len(codes)))
    # 未分项 is not a category: its cells (a whole budget, 100%) stay off the colour scale, so
    # the darkest blue is the largest share of a real category.
    unallocated = np.array([c == UNALLOCATED for c in codes], dtype=bool)[None, :]
    off_scale = np.isnan(shares) | unallocated
    coloured = np.ma.masked_array(shares, mask=off_scale)
    image = ax.imshow(coloured, cmap=SHARE_CMAP, norm=_share_norm(coloured), aspect="auto")
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
    ax.set_axisbelow(False)  # the white grid between cells runs over the 未分项 cells too
    for side in ax.spines.values():
        side.set_visible(False)
    cmap, norm = image.get_cmap(), image.norm
    for r, c in zip(*np.nonzero(~np.isnan(shares)), strict=True):
        text = percent_text(shares[r, c])
        if unallocated[0, c]:
            ax.add_patch(
                Rectangle(
                    (c - 0.5, r - 0.5), 1, 1, facecolor=CATEGORY_COLORS[UNALLOCATED],
                    edgecolor="#999999", linewidth=0, hatch=UNALLOCATED_HATCH, gid="unallocated",
                )
            )  # fmt: skip
            ax.text(c, r, text, ha="center", va="center", fontsize=7, color="#222222",
                    bbox=_ON_HATCH)  # fmt: skip
            continue
        fill = mcolors.to_hex(cmap(norm(shares[r, c])))
        ax.text(c, r, text, ha="center", va="center", fontsize=7, color=_ink(fill))
    bar = ax.figure.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    _percent_axis(bar.ax.yaxis)
    bar.set_label(label("share_of_total", style.lang), size=BASE_RC["axes.labelsize"])
    _finish(bar.ax, style)
    _title(ax, _scoped(label("chart_heatmap", style.lang), shown, style))
    off_note = label("heatmap_unallocated_note", style.lang) if unallocated.any() else ""
    _note(ax, [off_note, _top_note(shown, style)])
    return _finish(ax, style)


def _share_norm(coloured: np.ma.MaskedArray) -> mcolors.Normalize:
    """Return the colour scale of the shares coloured: from 0 to their largest share, rounded
    up to a tenth (100% where none is coloured)."""
    largest = float(coloured.max()) if coloured.count() else 1.0
    return mcolors.Normalize(vmin=0.0, vmax=max(np.ceil(round(largest * 10, 9)) / 10, 0.1))
