"""What every chart shares: colours, names of projects and categories, axes, titles and notes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib import colors as mcolors
from matplotlib.axes import Axes
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter

from analysis.draw.theme import ChartStyle
from analysis.measure.top import OTHERS
from analysis.words.labels import category_names, group_names, label
from analysis.words.vocabulary import (
    CATEGORIES,
    GROUPS,
    UNALLOCATED,
    UNKNOWN_GROUP,
)

SPECIAL_COLOR = "#0072B2"
SELF_RAISED_COLOR = "#E69F00"
FUNDING_COLORS = {"special": SPECIAL_COLOR, "self_raised": SELF_RAISED_COLOR}

# Paul Tol's "muted" scheme: nine colour-blind-safe colours for the nine categories, none
# close to the two funding colours, and his pale grey for money not split into categories.
CATEGORY_COLORS = {
    "equipment": "#332288",
    "materials": "#88CCEE",
    "testing": "#44AA99",
    "fuel_power": "#117733",
    "travel": "#999933",
    "conference": "#DDCC77",
    "other": "#CC6677",
    "expert_consulting": "#882255",
    "labor": "#AA4499",
    UNALLOCATED: "#DDDDDD",
    UNKNOWN_GROUP: "#999999",
}
# A group takes the colour of its main category, so the two views of one budget agree.
GROUP_COLORS = {
    "equipment": CATEGORY_COLORS["equipment"],
    "business": CATEGORY_COLORS["materials"],
    "labor": CATEGORY_COLORS["labor"],
    UNALLOCATED: CATEGORY_COLORS[UNALLOCATED],
    UNKNOWN_GROUP: CATEGORY_COLORS[UNKNOWN_GROUP],
}
# Categories a categories.csv adds take these in turn (Okabe–Ito's remaining colours).
EXTRA_COLORS = ("#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000")
# Unallocated money is hatched too, so it reads as "not split" even in grey-scale print.
UNALLOCATED_HATCH = "///"
PROJECT_NODE_COLOR = "#7F7F7F"
# Shares from white (none) to dark blue (all): one hue, so order reads without colour vision;
# blank cells (no line in that category) stay white.
SHARE_CMAP = colormaps["Blues"].with_extremes(bad="white")
REFERENCE_COLOR = "#222222"

# The project_id of the one bar that stands for every project outside the top N.

NAME_LENGTH = 18


def _project_names(shown: pd.DataFrame, style: ChartStyle) -> list[str]:
    """Return a display name for each row of a top_projects table (one row per project)."""
    ids = shown["project_id"].astype(str)
    others = ids.eq(OTHERS).to_numpy()
    names = shown["organization"].astype("string").fillna("").str.strip()
    names = names.where(names.ne(""), ids)
    long = names.str.len() > NAME_LENGTH
    names = names.where(~long, names.str.slice(0, NAME_LENGTH - 1) + "…")
    # Two projects of one organization need their ids to be told apart.
    repeated = (names.duplicated(keep=False) & ~others).to_numpy()
    names = names.where(~repeated, names + " (" + ids + ")")
    # Without a CJK font a Chinese name would be empty boxes: the id is the next best name.
    names = names.where(names.map(style.renders).astype(bool), ids)
    position = pd.Series(np.arange(1, len(names) + 1), index=names.index).astype(str)
    names = names.where(names.map(style.renders).astype(bool), "#" + position)
    if others.any():
        n = int(shown.loc[others, "n_projects"].iloc[0])
        names = names.where(~others, label("others", style.lang, n=n))
    return names.tolist()


# --- pieces every chart shares ------------------------------------------------------------


def _axes(ax: Axes | None, n_rows: int, *, width: float = 8.0, per_row: float = 0.32) -> Axes:
    """Return ax, or the Axes of a new figure tall enough for n_rows bars."""
    if ax is not None:
        return ax
    height = max(2.6, 1.9 + per_row * n_rows)
    fig = plt.figure(figsize=(width, height), layout="constrained")
    return fig.add_subplot()


def _finish(ax: Axes, style: ChartStyle) -> Axes:
    """Return ax with every text in the chart's fonts, including ticks drawn later.

    Texts take their font when they are made, and an Axes passed in (with its title and
    axis labels) was made outside the chart's style; tick labels are made at draw time.
    """
    family = list(style.family)
    ax.tick_params(labelfontfamily=family)
    for text in ax.findobj(Text):
        text.set_fontfamily(family)
    return ax


def _unit_label(style: ChartStyle) -> str:
    unit = label("unit_wan", style.lang)
    return unit if style.renders(unit) else label("unit_wan_latin", style.lang)


def _tick_amount(value: float, _position: object = None) -> str:
    # Ticks need no trailing zeros ("1,500", "0.5"); value labels keep two decimals.
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _amount_axis(ax: Axes, style: ChartStyle) -> None:
    """Label the x axis as an amount axis: 万元, thousands separators (its limits start at 0)."""
    ax.xaxis.set_major_formatter(FuncFormatter(_tick_amount))
    ax.set_xlabel(_unit_label(style))


def _rows(ax: Axes, names: list[str]) -> np.ndarray:
    """Return the y positions of one bar per name, the first on top."""
    y = np.arange(len(names))
    ax.set_yticks(y, labels=names)
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)
    return y


def _ink(color: str) -> str:
    """Return a text colour that reads on a fill of color."""
    r, g, b = mcolors.to_rgb(color)
    return "#FFFFFF" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.45 else "#222222"


def _note(ax: Axes, lines: list[str]) -> None:
    """Write notes in small type under the x axis (its tick labels and label included)."""
    lines = [line for line in lines if line]
    if not lines:
        return

    def under_axis(renderer):
        # The axis' extent is known only at draw time, after tick labels are made.
        box = ax.xaxis.get_tightbbox(renderer) if ax.axison else None
        return box if box is not None and box.height > 0 else ax.bbox

    ax.annotate(
        "\n".join(lines),
        xy=(0, 0),
        xycoords=("axes fraction", under_axis),
        xytext=(0, -4),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize=7.5,
        color="#444444",
        linespacing=1.5,
        annotation_clip=False,
        gid="note",
    )


# Value labels that a reference line may cross keep a white ground, so they stay legible.
_ON_LINE = {"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 0.8}


def _title(ax: Axes, text: str, *, pad: float = 6.0) -> None:
    """Set the title, left-aligned as official statistics print it, pad points above the axes."""
    ax.set_title(text, loc="left", pad=pad)


def _legend_above(ax: Axes, ncols: int) -> None:
    """Put the legend between the title and the plot, where it never hides a bar.

    Call it after _title: it raises the title to make room.
    """
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=ncols, borderaxespad=0.3)
    _title(ax, ax.get_title(loc="left"), pad=22)


def _top_note(shown: pd.DataFrame, top: int | None, style: ChartStyle) -> str:
    return label("top_note", style.lang, top=top) if shown["project_id"].eq(OTHERS).any() else ""


def _detail_order(codes: pd.Series, level: str) -> list[str]:
    """Return the codes present, in the vocabulary's order; unknown, then unallocated, last."""
    vocabulary = (CATEGORIES if level == "category" else GROUPS)["code"].tolist()
    present = set(codes.dropna())
    extra = sorted(present - set(vocabulary) - {UNKNOWN_GROUP, UNALLOCATED})
    tail = [c for c in (UNKNOWN_GROUP, UNALLOCATED) if c in present]
    return [c for c in vocabulary if c in present] + extra + tail


def _detail_colors(codes: list[str], level: str) -> list[str]:
    palette = CATEGORY_COLORS if level == "category" else GROUP_COLORS
    unknown = [c for c in codes if c not in palette]
    extra = {c: EXTRA_COLORS[i % len(EXTRA_COLORS)] for i, c in enumerate(unknown)}
    return [palette.get(c, extra.get(c)) for c in codes]


def _detail_names(codes: list[str], level: str, style: ChartStyle) -> list[str]:
    series = pd.Series(codes, dtype="object")
    names = (
        category_names(series, style.lang)
        if level == "category"
        else group_names(series, style.lang)
    )
    # Without a CJK font, a category known only by its Chinese text gets a number.
    fits = names.map(style.renders).astype(bool)
    return names.where(fits, "#" + pd.Series(range(1, len(names) + 1)).astype(str)).tolist()


def _check_level(level: str) -> str:
    if level not in ("category", "group"):
        raise ValueError(f"level must be 'category' or 'group', not {level!r}")
    return level
