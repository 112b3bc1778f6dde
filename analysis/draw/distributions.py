"""How a measure is spread over many projects: box plots per program or per year.

A bar chart of the top 20 projects and one bar for the 1,942 others says nothing about
how leverage is spread. A box per program (or year) does, and the diamond beside each box
shows the figure over the group's sums, which is what the program "has": with skewed
projects, the median project and the ratio of the sums can differ a good deal.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, LogLocator

from analysis.draw import theme
from analysis.draw._style import (
    _as_typed,
    _axes,
    _finish,
    _note,
    _percent_axis,
    _say,
    _scoped,
    _tick_amount,
    _title,
    _unit_label,
)
from analysis.draw.theme import REFERENCE_COLOR, SELF_RAISED_COLOR, SPECIAL_COLOR
from analysis.measure import compare
from analysis.words.formats import shown
from analysis.words.labels import label
from analysis.words.registry import kind

COLORS = {"leverage": SELF_RAISED_COLOR, "special_share": SPECIAL_COLOR, "total": "#88CCEE"}
# Each project is drawn as a dot too while no group has more than this many: up to there a
# dot per project reads; beyond, the box says it better.
MOST_DOTS = 60
# Project sizes spanning more than this factor are drawn on a log scale.
LOG_SPAN = 50.0


def spread(
    projects: pd.DataFrame,
    *,
    measure: str = "leverage",
    by: str | None = None,
    lang: str = "zh",
    ax: Axes | None = None,
) -> Axes:
    """Return the Axes with one horizontal box per program (or year) of a project measure.

    projects is Measures.projects (or compare.spread of it); measure is "leverage",
    "special_share" or "total" (project size). Boxes span the quartiles with the median
    inside, whiskers reach the 5th and 95th percentiles (seaborn's boxplot, from the same
    projects as the printed quartiles, linear interpolation both); the diamond is the
    figure over the group's sums (for size, the mean budget). With few projects each is a
    dot as well (seaborn's swarmplot: placed without randomness). Projects without a
    figure (no special fund, for leverage) are left out, and a note counts them.
    """
    import seaborn as sns

    style = theme.chart_style(lang)
    values = compare.spread(projects, measure, by)
    measure, by = values.attrs["measure"], values.attrs["by"]
    summary = values.attrs["summary"]
    names = [
        _group_name(g, by, n, style)
        for g, n in zip(summary[by], summary["n_projects"], strict=True)
    ]
    place = dict(zip(summary[by], names, strict=True))
    drawn = pd.DataFrame({"group": values[by].map(place), "value": values[measure]})
    ax = _axes(ax, len(names), width=8.0, per_row=0.55)
    dots = len(drawn) > 0 and int(summary["n_projects"].max()) <= MOST_DOTS
    if drawn.empty:
        _say(ax, label("none_with_figure", style.lang))
        ax.set_yticks([])
    else:
        with warnings.catch_warnings():
            # seaborn 0.13 hands matplotlib 3.11 a `vert` it has deprecated: not ours to heed.
            warnings.filterwarnings("ignore", message=".*vert.*", category=DeprecationWarning)
            sns.boxplot(
                data=drawn,
                x="value",
                y="group",
                order=names,
                orient="h",
                whis=compare.WHISKERS,
                showfliers=False,
                color=COLORS[measure],
                width=0.55,
                linewidth=0.9,
                linecolor="#333333",
                saturation=1.0,
                ax=ax,
            )
    if dots:
        # swarmplot draws the figure to place the dots: the names take the chart's fonts
        # first, or they would be drawn (and warned about) in matplotlib's default one.
        _finish(ax, style)
        sns.swarmplot(
            data=drawn,
            x="value",
            y="group",
            order=names,
            orient="h",
            color="#222222",
            size=3.2,
            alpha=0.75,
            warn_thresh=1.0,
            ax=ax,
        )
    reference = compare.SPREAD_MEASURES[measure]
    y = np.arange(len(summary))
    ax.scatter(
        summary[reference],
        y,
        marker="D",
        s=26,
        color=REFERENCE_COLOR,
        zorder=5,
        label=label("ratio_of_sums_marker", style.lang),
        gid="reference",
    )
    for yi, median in zip(y, summary[f"{measure}_median"], strict=True):
        ax.annotate(
            label("median_label", style.lang, value=shown(median, kind(measure))),
            xy=(1.0, yi),
            xycoords=("axes fraction", "data"),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=7.5,
        )
    ax.set_ylabel("")
    ax.tick_params(axis="y", length=0)
    notes = [label(f"spread_{'total_' if measure == 'total' else ''}note", style.lang)]
    _value_axis(ax, measure, drawn["value"], style, notes)
    if dots:
        notes.append(label("spread_points_note", style.lang))
    if values.attrs.get("left_out"):
        key = "no_leverage" if measure == "leverage" else "no_figure"
        notes.append(label(key, style.lang, n=values.attrs["left_out"]))
    if measure == "leverage":
        notes.append(label("leverage_note", style.lang))
    _title(ax, _scoped(label(f"chart_spread_{measure}", style.lang), values, style))
    _note(ax, notes)
    return _finish(ax, style)


def _group_name(group: object, by: str, n: int, style) -> str:
    if by == "year":
        name = f"{int(group)}"
    else:
        name = str(group) if str(group) else label("not_given", style.lang)
        name = _as_typed(name) if style.renders(name) else "?"
    return f"{name}\n{label('n_projects_short', style.lang, n=f'{int(n):,}')}"


def _value_axis(ax: Axes, measure: str, values: pd.Series, style, notes: list[str]) -> None:
    """Label the value axis in the measure's terms; a wide range of sizes on a log scale."""
    if measure in ("special_share", "leverage"):  # ratios: read from zero
        ax.set_xlim(0, max(ax.get_xlim()[1], 0.01))
    if measure == "special_share":
        _percent_axis(ax.xaxis)
        ax.set_xlabel(label("share_axis", style.lang))
        return
    if measure == "leverage":
        ax.xaxis.set_major_formatter(FuncFormatter(_tick_amount))
        ax.set_xlabel(label("leverage_axis", style.lang))
        return
    positive = values[values > 0]
    if len(positive) and positive.max() / positive.min() > LOG_SPAN:
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        notes.append(label("log_scale_note", style.lang))
    else:  # amounts on a linear axis start at zero, as every chart's do
        ax.set_xlim(0, max(ax.get_xlim()[1], 0.01))
    ax.xaxis.set_major_formatter(FuncFormatter(_tick_amount))
    ax.set_xlabel(_unit_label(style))


__all__ = ["spread"]
