"""What every chart shares: colours, names of projects and categories, axes, titles and notes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import colors as mcolors
from matplotlib.axes import Axes
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter

from analysis.draw.theme import BASE_RC, ChartStyle
from analysis.measure.top import OTHERS
from analysis.words.labels import category_names, group_names, label
from analysis.words.vocabulary import (
    UNALLOCATED,
    UNKNOWN_GROUP,
)

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
# A group shares a category's colour only where it is that one category (设备费). The others
# take colours no category and no source of money has (Tol's "light" pear and "vibrant"
# red), so a group is never read as one of its categories: the 劳务费 group (劳务费 and
# 专家咨询费) and the 劳务费 category once shared a name and a colour.
GROUP_COLORS = {
    "equipment": CATEGORY_COLORS["equipment"],
    "business": "#BBCC33",
    "labor": "#CC3311",
    UNALLOCATED: CATEGORY_COLORS[UNALLOCATED],
    UNKNOWN_GROUP: CATEGORY_COLORS[UNKNOWN_GROUP],
}
# Categories a categories.csv adds take these in turn (Okabe–Ito's remaining colours).
EXTRA_COLORS = ("#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000")
# Unallocated money is hatched too, so it reads as "not split" even in grey-scale print.
UNALLOCATED_HATCH = "///"
PROJECT_NODE_COLOR = "#7F7F7F"


NAME_LENGTH = 18


def _as_typed(text: str) -> str:
    """Return text that matplotlib draws as typed: a $ would otherwise start mathematics."""
    return str(text).replace("$", r"\$")


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
    return [_as_typed(name) for name in names]


# --- pieces every chart shares ------------------------------------------------------------


def _axes(ax: Axes | None, n_rows: int, *, width: float = 8.0, per_row: float = 0.32) -> Axes:
    """Return ax, or the Axes of a new figure tall enough for n_rows bars."""
    if ax is not None:
        return ax
    height = max(2.6, 1.9 + per_row * n_rows)
    fig = plt.figure(figsize=(width, height), layout="constrained")
    return fig.add_subplot()


def _finish(ax: Axes, style: ChartStyle) -> Axes:
    """Return ax in the house style: every text in the chart's fonts, tick labels (made at
    draw time) included, ticks and axis labels at their sizes, no top or right spine.

    The style is set on the chart's own artists, never in rcParams: a chart changes no
    global state (see analysis.draw.theme). An Axes passed in, with its title and axis
    labels, takes the chart's fonts too.
    """
    family = list(style.family)
    ax.tick_params(labelfontfamily=family, labelsize=BASE_RC["xtick.labelsize"])
    ax.xaxis.label.set_fontsize(BASE_RC["axes.labelsize"])
    ax.yaxis.label.set_fontsize(BASE_RC["axes.labelsize"])
    ax.spines[["top", "right"]].set_visible(False)
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


# A chart of fewer bars keeps the room of this many, its bars in the middle: one project's
# bar is a bar, not a block filling the chart.
MIN_ROWS = 3


def _rows(ax: Axes, names: list[str]) -> np.ndarray:
    """Return the y positions of one bar per name, the first on top."""
    y = np.arange(len(names))
    ax.set_yticks(y, labels=names)
    spare = max(MIN_ROWS - len(names), 0) / 2
    ax.set_ylim(len(names) - 0.5 + spare, -0.5 - spare)
    ax.tick_params(axis="y", length=0)
    return y


def _percent_tick(value: float, _position: object = None) -> str:
    # An ASCII hyphen-minus for the rare negative share: some CJK fonts lack U+2212.
    return f"{value * 100:.0f}%"


def _percent_axis(axis) -> None:
    """Label an axis (ax.xaxis, or a colorbar's yaxis) in whole percentages."""
    axis.set_major_formatter(FuncFormatter(_percent_tick))


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
# A value on hatched (unallocated) money sits on a white ground: hatching through digits
# makes them hard to read.
_ON_HATCH = {"boxstyle": "square,pad=0.2", "facecolor": "white", "edgecolor": "none"}


def _title(ax: Axes, text: str, *, pad: float = 6.0) -> None:
    """Set the title, left-aligned as official statistics print it, pad points above the axes."""
    ax.set_title(
        text,
        loc="left",
        pad=pad,
        fontsize=BASE_RC["axes.titlesize"],
        fontweight=BASE_RC["axes.titleweight"],
    )


def _scoped(title: str, table: pd.DataFrame, style: ChartStyle) -> str:
    """Return a chart's title with the scope of its table ("2019–2024 年 5 个计划：title"),
    the title alone over one program's one year (analysis.measure.scope)."""
    scope = table.attrs.get("scope")
    if scope is None:
        return title
    titled = scope.titled(title, style.lang)
    if not style.renders(titled):  # a program's name the fonts cannot draw: counted instead
        titled = scope.titled(title, style.lang, names=False)
    return _as_typed(titled)


def _reference_label(value: str, table: pd.DataFrame, style: ChartStyle) -> str:
    """Return the label of a reference line: what it is the ratio over, and its value."""
    scope = table.attrs.get("scope")
    if scope is None:
        return label("program_reference", style.lang, value=value)
    text = scope.reference(value, style.lang)
    if not style.renders(text):
        text = scope.reference(value, style.lang, names=False)
    return _as_typed(text)


def _legend(ax: Axes, **where) -> None:
    """Draw the legend where asked, in the house style (no frame, small type)."""
    ax.legend(
        frameon=False,
        fontsize=BASE_RC["legend.fontsize"],
        title_fontsize=BASE_RC["font.size"],
        **where,
    )


def _legend_above(ax: Axes, ncols: int) -> None:
    """Put the legend between the title and the plot, where it never hides a bar.

    Call it after _title: it raises the title to make room.
    """
    _legend(ax, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=ncols, borderaxespad=0.3)
    _title(ax, ax.get_title(loc="left"), pad=22)


def _top_note(shown: pd.DataFrame, style: ChartStyle) -> str:
    """Return the note that says what the projects are ordered by, where it is not special
    fund, and that the rest of the projects are summed in the last row, where they are."""
    folded = shown["project_id"].eq(OTHERS).any()
    if shown.attrs.get("by", "special") == "total":
        key = "by_total_top_note" if folded else "by_total_note"
        return label(key, style.lang, top=shown.attrs.get("top"))
    return label("top_note", style.lang, top=shown.attrs.get("top")) if folded else ""


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
    names = names.where(fits, "#" + pd.Series(range(1, len(names) + 1)).astype(str))
    return [_as_typed(name) for name in names]


def _say(ax: Axes, message: str) -> None:
    """Write a sentence in the middle of the Axes: what a chart says when it has nothing
    to draw."""
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, fontsize=9)


def _detail_segments(
    grid: pd.DataFrame, codes: list[str], level: str, style: ChartStyle, text
) -> list[tuple[str, np.ndarray, str, list[str], str | None]]:
    """Return the segments of bars stacked by category (or group), one per code, in the
    vocabulary's colours, unallocated money hatched, each value written as text(value).

    grid: one column per code, one row per bar."""
    return [
        (name, grid[code].to_numpy(), color, [text(v) for v in grid[code]], hatch)
        for code, name, color, hatch in zip(
            codes,
            _detail_names(codes, level, style),
            _detail_colors(codes, level),
            [UNALLOCATED_HATCH if c == UNALLOCATED else None for c in codes],
            strict=True,
        )
    ]
