"""Charts a bureau would publish: funding split, budget structure, leverage, execution and flow.

Every chart takes a measure table (see analysis.measures), keyword options and an optional
``ax``, and returns the Axes it drew on (a new figure sized for the data when ``ax`` is
None); nothing is shown or saved. `save` writes a figure as PNG and SVG, byte for byte the
same for the same data.

What every chart keeps to, so a reader learns it once:
- amounts in 万元 on axes that start at zero, labelled 单位：万元, ticks with thousands
  separators, value labels with two decimals (analysis.present);
- special fund and self-raised money always in SPECIAL_COLOR and SELF_RAISED_COLOR, a
  budget category always in its CATEGORY_COLORS entry; both palettes are colour-blind safe;
- project-level charts show the top N projects by special fund and one bar for the rest,
  其他 N 个项目, summed exactly in 分 (`top_projects`);
- labels in Chinese, in English with lang="en", and in English when the machine has no CJK
  font (analysis.fonts), so a chart never shows empty boxes.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib import colors as mcolors
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Polygon, Rectangle
from matplotlib.path import Path as BezierPath
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, PercentFormatter

from analysis import fonts
from analysis.facts import fen
from analysis.fonts import ChartStyle
from analysis.labels import category_names, group_names, label
from analysis.measures import Measures, exact_sum, ratio, with_ratios
from analysis.present import leverage as leverage_text
from analysis.present import percent as percent_text
from analysis.present import wan
from analysis.vocabulary import CATEGORIES, FEN_PER_WAN, GROUPS, UNALLOCATED, UNKNOWN_GROUP

# Okabe & Ito's palette, made to be told apart with every common colour-vision deficiency.
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
OTHERS = "__others__"
AMOUNT_COLUMNS = ("special", "self_raised", "total", "self_raised_actual")
NAME_LENGTH = 18

PNG_DPI = 200
# A fixed salt makes the SVG's generated ids (clip paths, hatches) the same on every run.
SVG_SALT = "fund-analysis"


# --- the one aggregation every project-level chart uses ---------------------------------


def top_projects(
    table: pd.DataFrame, top: int | None = 20, *, detail: str | None = None
) -> pd.DataFrame:
    """Return the table with every project outside the top N by special fund summed into one row.

    table is one row per project (Measures.projects) or per project × detail
    (Measures.categories with detail="category" or "group", Measures.groups with "group").
    The result keeps project_id, organization, the detail column and the amount columns
    present (special, self_raised, total, self_raised_actual), summed in whole 分, plus
    n_projects; the summed row has project_id OTHERS and comes last, the others are ordered
    by special fund, largest first. top=None, or at most top + 1 projects, keeps them all
    (one "other" project would hide a name for nothing).
    """
    if top is not None and top < 1:
        raise ValueError(f"top must be a positive number of projects or None, not {top!r}")
    amounts = [c for c in AMOUNT_COLUMNS if c in table.columns]
    special = exact_sum(table, ["project_id"], ["special"])
    order = special.sort_values("special", ascending=False, kind="stable")["project_id"]
    kept = order if top is None or len(order) <= top + 1 else order.iloc[:top]
    rank = pd.Series(np.arange(len(kept)), index=kept.to_numpy())
    key = table["project_id"].where(table["project_id"].isin(kept), OTHERS)
    keys = ["project_id", *([detail] if detail else [])]
    summed = exact_sum(table.assign(project_id=key), keys, amounts)
    names = table.drop_duplicates("project_id").set_index("project_id")["organization"]
    summed = summed.assign(
        organization=summed["project_id"].map(names),
        n_projects=np.where(summed["project_id"].eq(OTHERS), len(order) - len(kept), 1),
        _rank=summed["project_id"].map(rank).fillna(len(kept)).to_numpy(),
    )
    summed = summed.sort_values("_rank", kind="stable").drop(columns="_rank")
    return summed[["project_id", "organization", *keys[1:], *amounts, "n_projects"]].reset_index(
        drop=True
    )


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


# --- stacked bars ---------------------------------------------------------------------------

# An "others" bar longer than this many times the longest project bar is drawn cut, or the
# projects it summarises would shrink to slivers; the cut is marked and the full total
# written at its end.
CUT_RATIO = 1.6


def _stacked(
    ax: Axes,
    y: np.ndarray,
    parts: list[tuple[str, np.ndarray, str, list[str], str | None]],
    *,
    ends: list[str] | None,
    cuttable: np.ndarray,
    scale: float | None = None,
    headroom: float = 1.15,
) -> None:
    """Draw horizontal bars stacked from parts (name, widths, colour, texts, hatch).

    Each part is one BarContainer labelled with its name; texts go inside the segments
    wide enough for them, ends after each bar's end. The x axis runs from 0 to scale (1 for
    100% bars) or to the longest bar and some headroom; a cuttable bar (the others bar) far
    longer than the rest is cut at the axis edge instead.
    """
    totals = np.nansum(np.vstack([np.nan_to_num(p[1]) for p in parts]), axis=0)
    longest = float(np.max(totals[~cuttable], initial=0.0)) if (~cuttable).any() else 0.0
    cut = cuttable & (totals > CUT_RATIO * longest) & (longest > 0) & (scale is None)
    if scale is not None:
        right = scale
    elif cut.any():
        right = longest * 1.45
    else:
        right = float(np.max(totals, initial=0.0)) * headroom or 1.0
    left = np.zeros(len(y))
    axis_points = ax.get_position().width * ax.figure.get_figwidth() * 72
    for name, widths, color, texts, hatch in parts:
        width = np.nan_to_num(widths)
        bars = ax.barh(
            y,
            width,
            left=left,
            height=0.65,
            color=color,
            label=name,
            hatch=hatch,
            edgecolor="#777777" if hatch else "white",
            linewidth=0.4,
        )
        # A value goes inside its segment only where the segment is wider than the text
        # (digits at 7.5 pt are about 4.7 pt wide; 6 pt of margin).
        room = width / right * axis_points
        needed = np.array([len(t) for t in texts]) * 4.7 + 6
        fits = (room >= needed) & ~cut
        shown = [t if ok else "" for t, ok in zip(texts, fits, strict=True)]
        ax.bar_label(bars, labels=shown, label_type="center", color=_ink(color), fontsize=7.5)
        left = left + width
    if ends is not None:
        ax.bar_label(
            bars,
            labels=["" if c else e for e, c in zip(ends, cut, strict=True)],
            padding=3,
            fontsize=7.5,
        )
        for row in np.flatnonzero(cut):
            _break_mark(ax, y[row], right)
            ax.annotate(
                ends[row],
                xy=(1.0, y[row]),
                xycoords=("axes fraction", "data"),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize=7.5,
                gid="cut_total",
            )
    ax.set_xlim(0, right)


def _break_mark(ax: Axes, y: float, right: float) -> None:
    """Draw the slanted white gap that says a bar goes on beyond the axis."""
    x, w = 0.9 * right, 0.012 * right
    corners = [(x, y + 0.42), (x + w, y + 0.42), (x, y - 0.42), (x - w, y - 0.42)]
    ax.add_patch(Polygon(corners, closed=True, facecolor="white", edgecolor="none", zorder=3))


def _cut_note(ax: Axes, names: list[str], style: ChartStyle) -> str:
    """Return the note for a cut bar, if _stacked cut one."""
    cut = [t for t in ax.texts if t.get_gid() == "cut_total"]
    return label("cut_note", style.lang, name=names[-1]) if cut else ""


# --- funding split ------------------------------------------------------------------------


def funding_split(
    projects: pd.DataFrame,
    *,
    percent: bool = False,
    top: int | None = 20,
    lang: str = "zh",
    ax: Axes | None = None,
) -> Axes:
    """Return the Axes with one bar per project, special fund and self-raised money stacked.

    projects is Measures.projects. percent=False stacks the amounts in 万元 with each
    project's total at the end of its bar; percent=True draws 100% bars labelled with each
    source's share of the project budget. Projects are ordered by special fund, largest on
    top; beyond the top N (None: all) the rest are one bar, 其他 N 个项目.
    """
    with fonts.chart_style(lang) as style:
        shown = with_ratios(top_projects(projects, top))
        names = _project_names(shown, style)
        ax = _axes(ax, len(shown))
        y = _rows(ax, names)
        column, text = ("{}_share", percent_text) if percent else ("{}", wan)
        parts = []
        for key, color in FUNDING_COLORS.items():
            values = shown[column.format(key)].to_numpy()
            parts.append((label(key, style.lang), values, color, [text(v) for v in values], None))
        _stacked(
            ax,
            y,
            parts,
            ends=None if percent else [wan(v) for v in shown["total"]],
            cuttable=shown["project_id"].eq(OTHERS).to_numpy(),
            scale=1.0 if percent else None,
        )
        if percent:
            ax.xaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
            ax.set_xlabel(label("share_of_total", style.lang))
            _title(ax, label("chart_funding_mix", style.lang))
        else:
            _amount_axis(ax, style)
            _title(ax, label("chart_funding_split", style.lang))
        _legend_above(ax, ncols=2)
        _note(ax, [_top_note(shown, top, style), _cut_note(ax, names, style)])
        return _finish(ax, style)


# --- budget structure ---------------------------------------------------------------------


def budget_structure(
    categories: pd.DataFrame,
    *,
    level: str = "category",
    top: int | None = 20,
    lang: str = "zh",
    ax: Axes | None = None,
) -> Axes:
    """Return the Axes with one bar per project, its budget stacked by category or group.

    categories is Measures.categories (level "category" or "group") or Measures.groups
    (level "group"). A project without budget lines is one hatched 未分项 / Unallocated
    segment, not left out. Projects are ordered by special fund; beyond the top N the rest
    are one bar, 其他 N 个项目. Each bar ends with the project's total in 万元.
    """
    level = _check_level(level)
    with fonts.chart_style(lang) as style:
        shown = top_projects(categories, top, detail=level)
        projects = shown.drop_duplicates("project_id")
        names = _project_names(projects, style)
        codes = _detail_order(shown[level], level)
        grid = shown.pivot_table(
            index="project_id", columns=level, values="total", aggfunc="sum", sort=False
        )
        grid = grid.reindex(index=projects["project_id"], columns=codes).fillna(0.0)
        totals = fen(grid).sum(axis=1) / FEN_PER_WAN
        ax = _axes(ax, len(projects), width=9.0)
        y = _rows(ax, names)
        parts = [
            (name, grid[code].to_numpy(), color, [wan(v) for v in grid[code]], hatch)
            for code, name, color, hatch in zip(
                codes,
                _detail_names(codes, level, style),
                _detail_colors(codes, level),
                [UNALLOCATED_HATCH if c == UNALLOCATED else None for c in codes],
                strict=True,
            )
        ]
        _stacked(
            ax,
            y,
            parts,
            ends=[wan(v) for v in totals],
            cuttable=projects["project_id"].eq(OTHERS).to_numpy(),
        )
        _amount_axis(ax, style)
        key = "chart_structure_category" if level == "category" else "chart_structure_group"
        _title(ax, label(key, style.lang))
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), title=label(level, style.lang))
        _note(ax, [_top_note(shown, top, style), _cut_note(ax, names, style)])
        return _finish(ax, style)


def structure_heatmap(
    categories: pd.DataFrame,
    *,
    top: int | None = 20,
    lang: str = "zh",
    ax: Axes | None = None,
) -> Axes:
    """Return the Axes with a project × category heatmap of each category's share of the budget.

    categories is Measures.categories. A share is the category's total over the sum of the
    project's categories (its budget where the lines reconcile), so each row adds up to
    100%; blank cells are categories the project has no line for. A project without lines
    is one 100% 未分项 cell. Rows follow special fund; beyond the top N the rest are one row.
    """
    with fonts.chart_style(lang) as style:
        shown = top_projects(categories, top, detail="category")
        projects = shown.drop_duplicates("project_id")
        names = _project_names(projects, style)
        codes = _detail_order(shown["category"], "category")
        grid = shown.pivot_table(
            index="project_id", columns="category", values="total", aggfunc="sum", sort=False
        ).reindex(index=projects["project_id"], columns=codes)
        amounts = fen(grid)
        shares = ratio(amounts, np.nansum(amounts, axis=1, keepdims=True))
        ax = _axes(ax, len(projects), width=max(7.0, 3.2 + 0.75 * len(codes)))
        image = ax.imshow(
            np.ma.masked_invalid(shares), cmap=SHARE_CMAP, vmin=0, vmax=1, aspect="auto"
        )
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
                c,
                r,
                percent_text(shares[r, c]),
                ha="center",
                va="center",
                fontsize=7,
                color=_ink(fill),
            )
        bar = ax.figure.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
        bar.ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
        bar.set_label(label("share_of_total", style.lang))
        _finish(bar.ax, style)
        _title(ax, label("chart_heatmap", style.lang))
        _note(ax, [_top_note(shown, top, style)])
        return _finish(ax, style)


def program_structure(
    table: pd.DataFrame,
    *,
    level: str = "category",
    lang: str = "zh",
    ax: Axes | None = None,
) -> Axes:
    """Return the Axes with the program's budget per category (or group), by source of money.

    table is Measures.by_category (level "category") or Measures.by_group (level "group");
    Measures.categories or .groups work too, all of them or one project's rows (the title
    then names the project). Rows over several programs, years or projects are summed.
    Each bar ends with its amount and its share of the whole budget; money in projects
    without budget lines is the 未分项 / Unallocated bar.
    """
    level = _check_level(level)
    with fonts.chart_style(lang) as style:
        summed = exact_sum(table, [level], ["special", "self_raised", "total"])
        codes = _detail_order(summed[level], level)
        summed = summed.set_index(level).reindex(codes)
        share = ratio(fen(summed["total"]), fen(summed["total"]).sum())
        names = _detail_names(codes, level, style)
        ax = _axes(ax, len(codes))
        y = _rows(ax, names)
        parts = [
            (
                label(key, style.lang),
                summed[key].to_numpy(),
                color,
                [wan(v) for v in summed[key]],
                None,
            )
            for key, color in FUNDING_COLORS.items()
        ]
        form = "{}（{}）" if style.lang == "zh" else "{} ({})"
        ends = [
            form.format(wan(t), percent_text(r))
            for t, r in zip(summed["total"], share, strict=True)
        ]
        _stacked(ax, y, parts, ends=ends, cuttable=np.zeros(len(codes), bool), headroom=1.3)
        _amount_axis(ax, style)
        _title(ax, _structure_title(table, level, style))
        _legend_above(ax, ncols=2)
        return _finish(ax, style)


def _structure_title(table: pd.DataFrame, level: str, style: ChartStyle) -> str:
    """Return the title of program_structure, naming the one project or program it shows.

    The notebooks draw one project's structure with the same chart, from its rows of
    Measures.categories; its title then names the project, not the program.
    """
    one_project = "project_id" in table and table["project_id"].nunique() == 1
    title = label(f"chart_{'project' if one_project else 'program'}_{level}", style.lang)
    if one_project:
        first = table.iloc[0]
        name = str(first["organization"] if pd.notna(first["organization"]) else "")
        name = name if name and style.renders(name) else str(first["project_id"])
    else:
        pairs = table.reindex(columns=["program", "year"]).drop_duplicates()
        if len(pairs) != 1 or pairs.isna().any(axis=None):
            return title
        name = f"{pairs.iloc[0, 0]} {pairs.iloc[0, 1]}"
    if not style.renders(name):
        return title
    return f"{name}：{title}" if style.lang == "zh" else f"{title}: {name}"


# --- leverage and execution ---------------------------------------------------------------


def leverage_bars(
    projects: pd.DataFrame,
    *,
    program_leverage: float | None = None,
    top: int | None = 20,
    lang: str = "zh",
    ax: Axes | None = None,
) -> Axes:
    """Return the Axes with each project's leverage as a sorted bar labelled 1 : x.

    projects is Measures.projects. The top N projects by special fund (and the rest as one
    bar, its leverage a ratio of sums) are sorted by leverage, the rest last. The reference
    line is program_leverage, by default the ratio of sums over the projects given
    (Measures.programs' leverage for one program). Leverage is an accounting ratio, not
    proof that the special fund caused the company's spending; the chart says so.
    """
    with fonts.chart_style(lang) as style:
        if program_leverage is None:
            whole = exact_sum(projects.assign(_all=0), ["_all"], ["special", "self_raised"])
            program_leverage = float(ratio(fen(whole["self_raised"]), fen(whole["special"]))[0])
        shown = with_ratios(top_projects(projects, top))
        missing = shown["leverage"].isna()
        n_missing = int(shown.loc[missing, "n_projects"].sum())
        shown = shown[~missing]
        others = shown["project_id"].eq(OTHERS)
        shown = pd.concat(
            [shown[~others].sort_values("leverage", ascending=False, kind="stable"), shown[others]]
        )
        names = _project_names(shown, style)
        ax = _axes(ax, len(shown))
        y = _rows(ax, names)
        values = shown["leverage"].to_numpy()
        bars = ax.barh(
            y, values, height=0.65, color=SELF_RAISED_COLOR, label=label("leverage", style.lang)
        )
        ax.bar_label(
            bars, labels=[leverage_text(v) for v in values], padding=3, fontsize=7.5, bbox=_ON_LINE
        )
        largest = float(np.nanmax([*values, program_leverage, 0.0]))
        ax.set_xlim(0, largest * 1.18 if largest > 0 else 1.0)
        ax.xaxis.set_major_formatter(FuncFormatter(_tick_amount))
        ax.set_xlabel(label("leverage_axis", style.lang))
        if np.isfinite(program_leverage):
            ax.axvline(
                program_leverage,
                color=REFERENCE_COLOR,
                linestyle="--",
                linewidth=1,
                gid="reference",
            )
            ax.annotate(
                label("program_reference", style.lang, value=leverage_text(program_leverage)),
                xy=(program_leverage, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(3, 2),
                textcoords="offset points",
                ha="left",
                va="bottom",
                fontsize=7.5,
            )
        # Room above the plot for the reference line's label.
        _title(ax, label("chart_leverage", style.lang), pad=16)
        n_note = label("no_leverage", style.lang, n=n_missing) if n_missing else ""
        _note(ax, [label("leverage_note", style.lang), _top_note(shown, top, style), n_note])
        return _finish(ax, style)


def execution(
    projects: pd.DataFrame,
    *,
    top: int | None = 20,
    lang: str = "zh",
    ax: Axes | None = None,
) -> Axes:
    """Return the Axes with each project's execution rate (actual ÷ budget) and 100% marked.

    projects is Measures.projects; the rate compares self_raised_actual with the
    self-raised budget. Only projects with an actual figure are drawn; a note says how many
    have none. Beyond the top N by special fund the rest are one bar (a ratio of sums).
    """
    with fonts.chart_style(lang) as style:
        reported = projects[projects["self_raised_actual"].notna()]
        n_missing = len(projects) - len(reported)
        missing_note = label("no_actuals", style.lang, n=n_missing) if n_missing else ""
        if reported.empty:
            ax = _axes(ax, 1)
            ax.set_axis_off()
            ax.text(
                0.5,
                0.5,
                label("none_with_actuals", style.lang),
                ha="center",
                va="center",
                transform=ax.transAxes,
            )
            _title(ax, label("chart_execution", style.lang))
            _note(ax, [missing_note])
            return _finish(ax, style)
        shown = top_projects(reported, top)
        actual, budget = shown["self_raised_actual"].to_numpy(), shown["self_raised"].to_numpy()
        rate = ratio(fen(actual), fen(budget))
        names = _project_names(shown, style)
        ax = _axes(ax, len(shown))
        y = _rows(ax, names)
        bars = ax.barh(
            y,
            np.nan_to_num(rate),
            height=0.65,
            color=SELF_RAISED_COLOR,
            label=label("execution_rate", style.lang),
        )
        texts = [
            label(
                "execution_amounts", style.lang, rate=percent_text(r), actual=wan(a), budget=wan(b)
            )
            for r, a, b in zip(rate, actual, budget, strict=True)
        ]
        ax.bar_label(bars, labels=texts, padding=3, fontsize=7.5, bbox=_ON_LINE)
        ax.axvline(1.0, color=REFERENCE_COLOR, linestyle="--", linewidth=1, gid="reference")
        ax.annotate(
            label("execution_full", style.lang),
            xy=(1.0, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, 2),
            textcoords="offset points",
            fontsize=7.5,
        )
        ax.xaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
        ax.set_xlim(0, max(1.25, float(np.nanmax(rate, initial=0.0)) * 1.6))
        ax.set_xlabel(label("execution_axis", style.lang))
        _title(ax, label("chart_execution", style.lang), pad=16)
        _note(ax, [_unit_label(style), missing_note, _top_note(shown, top, style)])
        return _finish(ax, style)


# --- funding flow -------------------------------------------------------------------------


def funding_flow(
    categories: pd.DataFrame | Measures,
    *,
    level: str = "category",
    top: int | None = 10,
    lang: str = "zh",
    ax: Axes | None = None,
) -> Axes:
    """Return the Axes with a Sankey diagram: funding source → project → category (or group).

    categories is Measures.categories (or Measures.groups with level="group"), or the
    Measures themselves, from which the table for level is taken. A Sankey
    rather than a treemap: a treemap shows one hierarchy, but the question here is two
    splits in a row, where each project's money comes from and where it goes, and ribbons
    show both at once. It reads well for the seed's four projects; for hundreds or
    thousands the top N by special fund keep their own node and the rest are one
    其他 N 个项目 node, so the middle column never has more than top + 1 nodes. Band widths
    are to scale; nodes are labelled with their amounts in 万元.
    """
    level = _check_level(level)
    if isinstance(categories, Measures):
        categories = categories.categories if level == "category" else categories.groups
    with fonts.chart_style(lang) as style:
        shown = top_projects(categories, top, detail=level)
        projects = shown.drop_duplicates("project_id")["project_id"].tolist()
        codes = _detail_order(shown[level], level)
        sources = list(FUNDING_COLORS)
        per_project = exact_sum(shown, ["project_id"], sources).set_index("project_id")
        per_detail = exact_sum(shown, [level], ["total"]).set_index(level)["total"]

        # One table of links for both stages: sources → projects, projects → details.
        inflow = per_project.reindex(projects)[sources].stack().rename("value").reset_index()
        inflow.columns = ["dst", "src", "value"]
        inflow = inflow.sort_values("src", key=lambda s: s.map(sources.index), kind="stable")
        outflow = shown.assign(src=shown["project_id"], dst=shown[level], value=shown["total"])
        outflow = outflow.sort_values(
            "dst", key=lambda s: s.map({c: i for i, c in enumerate(codes)}), kind="stable"
        )
        nodes = pd.concat(
            [
                pd.DataFrame(
                    {"column": 0, "key": sources, "value": per_project[sources].sum().to_numpy()}
                ),
                pd.DataFrame(
                    {
                        "column": 1,
                        "key": projects,
                        "value": per_project.reindex(projects)[sources].sum(axis=1).to_numpy(),
                    }
                ),
                pd.DataFrame(
                    {"column": 2, "key": codes, "value": per_detail.reindex(codes).to_numpy()}
                ),
            ],
            ignore_index=True,
        )
        nodes = nodes[nodes["value"] > 0].reset_index(drop=True)

        project_names = _project_names(shown.drop_duplicates("project_id"), style)
        names = dict(zip(projects, project_names, strict=True))
        names.update(zip(codes, _detail_names(codes, level, style), strict=True))
        names.update({k: label(k, style.lang) for k in sources})
        colors = dict(zip(codes, _detail_colors(codes, level), strict=True)) | FUNDING_COLORS
        ax = _axes(ax, int(nodes.groupby("column").size().max()), width=10.0, per_row=0.4)
        _draw_sankey(ax, nodes, [inflow, outflow], names, colors)
        key = "chart_flow" if level == "category" else "chart_flow_group"
        _title(ax, label(key, style.lang))
        _note(ax, [_unit_label(style), _top_note(shown, top, style)])
        return _finish(ax, style)


NODE_WIDTH = 0.05
COLUMN_X = (0.0, 1.0, 2.0)
NODE_GAP = 0.025


def _sankey_layout(nodes: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """Return the nodes with their height h and top y in [0, 1], and the height of 1 万元.

    Every column holds the same money, so one scale serves all; the column with the most
    nodes fills the height with NODE_GAP between nodes, the others are centred.
    """
    counts = nodes.groupby("column").size()
    scale = (1.0 - NODE_GAP * (counts.max() - 1)) / nodes.groupby("column")["value"].sum().max()
    nodes = nodes.assign(h=nodes["value"] * scale)
    by_column = nodes.groupby("column")["h"]
    column_height = by_column.transform("sum") + NODE_GAP * (nodes["column"].map(counts) - 1)
    above = by_column.cumsum() - nodes["h"] + NODE_GAP * nodes.groupby("column").cumcount()
    return nodes.assign(top=0.5 + column_height / 2 - above), scale


def _draw_sankey(
    ax: Axes,
    nodes: pd.DataFrame,
    stages: list[pd.DataFrame],
    names: dict[str, str],
    colors: dict[str, str],
) -> None:
    """Draw the nodes (rectangles with gid node:<column>:<key>) and the ribbons of each stage.

    A stage's links (src, dst, value) leave their source and reach their destination
    stacked in the order they come, so the order of the links is the order of the bands.
    """
    nodes, scale = _sankey_layout(nodes)
    top_of = nodes.set_index(["column", "key"])["top"].to_dict()
    # The pale grey of an unallocated node would vanish in a translucent ribbon.
    ribbon = colors | {UNALLOCATED: "#999999"}
    for stage, links in enumerate(stages):
        links = links[links["value"] > 0]
        h = links["value"].to_numpy() * scale
        below_src = links.groupby("src")["value"].cumsum().to_numpy() * scale - h
        below_dst = links.groupby("dst")["value"].cumsum().to_numpy() * scale - h
        x0 = COLUMN_X[stage] + NODE_WIDTH / 2
        x1 = COLUMN_X[stage + 1] - NODE_WIDTH / 2
        # Money keeps its source's colour into a project, and takes its category's out of it.
        tint = links["src"] if stage == 0 else links["dst"]
        for src, dst, height, off0, off1, key in zip(
            links["src"], links["dst"], h, below_src, below_dst, tint, strict=True
        ):
            y0 = top_of[(stage, src)] - off0
            y1 = top_of[(stage + 1, dst)] - off1
            ax.add_patch(_ribbon(x0, x1, y0, y1, height, ribbon[key]))

    for column, key, value, h, top in zip(
        nodes["column"], nodes["key"], nodes["value"], nodes["h"], nodes["top"], strict=True
    ):
        x = COLUMN_X[column]
        unallocated = key == UNALLOCATED
        ax.add_patch(
            Rectangle(
                (x - NODE_WIDTH / 2, top - h),
                NODE_WIDTH,
                h,
                facecolor=PROJECT_NODE_COLOR if column == 1 else colors[key],
                edgecolor="#555555" if unallocated else "none",
                hatch=UNALLOCATED_HATCH if unallocated else None,
                linewidth=0.4,
                gid=f"node:{column}:{key}",
            )
        )
        # Sources are labelled on their left, projects and categories on their right;
        # a project's label sits over ribbons, so it gets a light ground.
        ha, dx = ("right", -NODE_WIDTH) if column == 0 else ("left", NODE_WIDTH)
        ground = {"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 0.6}
        ax.text(
            x + dx,
            top - h / 2,
            f"{names[key]}  {wan(value)}",
            ha=ha,
            va="center",
            fontsize=8,
            bbox=ground if column == 1 else None,
        )
    ax.set_xlim(-0.75, 2.9)
    ax.set_ylim(0, 1)
    ax.set_axis_off()


def _ribbon(x0: float, x1: float, y0: float, y1: float, h: float, color: str) -> PathPatch:
    """Return a band of height h from (x0, y0 top) to (x1, y1 top), curved like an S."""
    xm = (x0 + x1) / 2
    vertices = [
        (x0, y0),
        (xm, y0),
        (xm, y1),
        (x1, y1),
        (x1, y1 - h),
        (xm, y1 - h),
        (xm, y0 - h),
        (x0, y0 - h),
        (x0, y0),
    ]
    codes = [
        BezierPath.MOVETO,
        BezierPath.CURVE4,
        BezierPath.CURVE4,
        BezierPath.CURVE4,
        BezierPath.LINETO,
        BezierPath.CURVE4,
        BezierPath.CURVE4,
        BezierPath.CURVE4,
        BezierPath.CLOSEPOLY,
    ]
    return PathPatch(BezierPath(vertices, codes), facecolor=color, alpha=0.45, edgecolor="none")


# --- files --------------------------------------------------------------------------------


def save(fig: Figure | Axes, stem: str | Path) -> list[Path]:
    """Return the paths of stem.png (200 dpi) and stem.svg, written from fig.

    The files carry no date or random id, so the same data gives byte-identical files.
    """
    figure = fig.figure if isinstance(fig, Axes) else fig
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    png, svg = stem.parent / f"{stem.name}.png", stem.parent / f"{stem.name}.svg"
    rc = {"svg.hashsalt": SVG_SALT, "svg.fonttype": "path", "savefig.bbox": "standard"}
    with plt.rc_context(rc):
        # Constrained layout already fits every artist inside the figure (a test holds each
        # chart to that), so the whole figure is saved: no tight box to measure per file.
        figure.savefig(png, dpi=PNG_DPI, metadata={"Software": None})
        # The layout is final now; the SVG need not run the layout engine again.
        figure.set_layout_engine("none")
        figure.savefig(svg, metadata={"Date": None})
    return [png, svg]
