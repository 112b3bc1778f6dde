"""The funding flow: a Sankey diagram from source to project to category."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as BezierPath

from analysis.draw import theme
from analysis.draw._style import (
    PROJECT_NODE_COLOR,
    UNALLOCATED_HATCH,
    _axes,
    _detail_colors,
    _detail_names,
    _finish,
    _note,
    _project_names,
    _say,
    _scoped,
    _title,
    _top_note,
    _unit_label,
)
from analysis.draw.theme import FUNDING_COLORS
from analysis.measure import charts
from analysis.measure.measures import Measures
from analysis.words.formats import wan
from analysis.words.labels import label
from analysis.words.vocabulary import UNALLOCATED


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
    Measures themselves, from which the table for level is taken, or charts.flow of them.
    A Sankey rather than a treemap: a treemap shows one hierarchy, but the question here is
    two splits in a row, where each project's money comes from and where it goes, and
    ribbons show both at once. It reads well for the seed's four projects; for hundreds or
    thousands the top N by special fund keep their own node and the rest are one
    其他 N 个项目 node, so the middle column never has more than top + 1 nodes. Band widths
    are to scale; nodes are labelled with their amounts in 万元. Negative or zero amounts
    have no band; a note counts them.
    """
    if isinstance(categories, Measures):
        charts.check_level(level)
        categories = categories.categories if level == "category" else categories.groups
    style = theme.chart_style(lang)
    table = charts.flow(categories, level, top)
    level = table.attrs["level"]
    nodes = table[table["part"].eq("node")]
    links = table[table["part"].eq("link")].rename(columns={"key": "src", "target": "dst"})
    projects = nodes[nodes["column"].eq(1)].rename(columns={"key": "project_id"})
    codes = nodes.loc[nodes["column"].eq(2), "key"].tolist()
    names = dict(zip(projects["project_id"], _project_names(projects, style), strict=True))
    names.update(zip(codes, _detail_names(codes, level, style), strict=True))
    names.update({k: label(k, style.lang) for k in FUNDING_COLORS})
    colors = dict(zip(codes, _detail_colors(codes, level), strict=True)) | FUNDING_COLORS
    tallest = int(nodes.groupby("column").size().max()) if len(nodes) else 1
    ax = _axes(ax, tallest, width=10.0, per_row=0.4)
    if nodes.empty:
        ax.set_axis_off()
        _say(ax, label("no_money", style.lang))
    else:
        stages = [links[links["column"].eq(stage)] for stage in (0, 1)]
        _draw_sankey(ax, nodes, stages, names, colors)
    key = "chart_flow" if level == "category" else "chart_flow_group"
    _title(ax, _scoped(label(key, style.lang), table, style))
    left_out = table.attrs.get("left_out", 0)
    left_out_note = label("flow_left_out", style.lang, n=left_out) if left_out else ""
    _note(ax, [_unit_label(style), _top_note(projects, style), left_out_note])
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
