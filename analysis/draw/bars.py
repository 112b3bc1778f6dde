"""Bar charts: funding split, budget structure per project and per program, leverage, execution.

Each takes a measure table (or the table analysis.measure.charts makes of it, which it
draws as it is), keyword options and an optional ``ax``, and returns the Axes it drew on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter
from matplotlib.transforms import IdentityTransform

from analysis.draw import theme
from analysis.draw._style import (
    _ON_HATCH,
    _ON_LINE,
    _amount_axis,
    _as_typed,
    _axes,
    _detail_names,
    _detail_segments,
    _finish,
    _ink,
    _legend,
    _legend_above,
    _note,
    _percent_axis,
    _project_names,
    _reference_label,
    _rows,
    _say,
    _scoped,
    _tick_amount,
    _title,
    _top_note,
)
from analysis.draw.theme import FUNDING_COLORS, REFERENCE_COLOR, SELF_RAISED_COLOR, ChartStyle
from analysis.measure import charts
from analysis.measure.top import OTHERS
from analysis.words.formats import leverage as leverage_text
from analysis.words.formats import percent as percent_text
from analysis.words.formats import wan
from analysis.words.labels import label

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

    Each part is one BarContainer labelled with its name; each segment's text goes inside
    it where it fits and above it where not (_SegmentValues decides when the chart is
    drawn), ends after each bar's end. The x axis runs from 0 to scale (1 for
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
    segments = []
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
        for patch, value, ok in zip(bars.patches, texts, (width > 0) & ~cut, strict=True):
            if ok and value:
                segments.append(_segment_value(ax, patch, value, color, hatched=bool(hatch)))
        left = left + width
    if segments:
        ax.add_artist(_SegmentValues(segments))
        # Room above the top bar for a value written above its segment.
        bottom, top = ax.get_ylim()
        ax.set_ylim(bottom, top - 0.2)
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


# The size of a value inside its segment.
VALUE_SIZE = 7.5
# Points of margin a value needs on each side to sit inside its segment.
SEGMENT_MARGIN = 3.0
# Points between a segment's top and a value written above it.
ABOVE_GAP = 1.5
# Values above a bar are a size smaller, to fit between the bars of a long chart.
ABOVE_SIZE = 6.5
# Points between two values above one bar.
LABEL_GAP = 5.0


def _segment_value(ax: Axes, patch, value: str, color: str, *, hatched: bool) -> Text:
    """Return the text of one segment's value, at its centre until _SegmentValues places it.

    A value on a hatched (unallocated) segment has a white ground, so the hatching does not
    run through its digits.
    """
    text = ax.text(
        patch.get_x() + patch.get_width() / 2,
        patch.get_y() + patch.get_height() / 2,
        value,
        ha="center",
        va="center",
        fontsize=VALUE_SIZE,
        color="#222222" if hatched else _ink(color),
        bbox=_ON_HATCH if hatched else None,
        gid="segment_value",
    )
    text.segment, text.ink = patch, text.get_color()
    return text


class _SegmentValues(Artist):
    """Place the value of each bar segment when the chart is drawn, not before.

    Only then is the segment's width on the page known (after the layout, at the figure's
    size and dpi), and the text's width in its final font: so one rule holds for every
    chart, language and size. A value goes inside its segment where the text and its
    margins fit, and otherwise just above the segment, never left out; values above one
    bar that would overlap move right, with a thin line back to their segment.
    """

    def __init__(self, texts: list[Text]):
        super().__init__()
        self.texts = texts
        # After the bars (zorder 1), before the texts (zorder 3) it places.
        self.set_zorder(2.9)
        self.set_in_layout(False)
        self.leaders: list[Line2D] = []

    def draw(self, renderer) -> None:
        if not self.get_visible() or not self.texts:
            return
        ax = self.texts[0].axes
        to_data = ax.transData.inverted()
        points = renderer.points_to_pixels(1.0)
        taken: dict[float, float] = {}  # a bar's y → the right edge of its last value above
        self.leaders = []
        for text in self.texts:
            patch = text.segment
            bar = patch.get_window_extent(renderer)
            centre = (patch.get_x() + patch.get_width() / 2, patch.get_y() + patch.get_height() / 2)
            text.set_position(centre)
            text.set_va("center")
            text.set_fontsize(VALUE_SIZE)
            text.set_color(text.ink)
            text.placement = "inside"
            box = text.get_window_extent(renderer)
            ground = text.get_bbox_patch()  # its pad is a fraction of the font size
            pad = ground.get_boxstyle().pad * text.get_fontsize() * points if ground else 0.0
            if box.width + 2 * (pad + SEGMENT_MARGIN * points) <= bar.width:
                continue
            # Too narrow: the value goes above the bar, on the segment's centre or, where the
            # value before it is in the way, just right of that value.
            text.set_fontsize(ABOVE_SIZE)
            box = text.get_window_extent(renderer)
            x = (bar.x0 + bar.x1) / 2
            left = taken.get(patch.get_y(), -np.inf) + LABEL_GAP * points
            shifted = x - box.width / 2 < left
            if shifted:
                x = left + box.width / 2
            taken[patch.get_y()] = x + box.width / 2
            top = max(bar.y0, bar.y1) + ABOVE_GAP * points
            text.set_position(to_data.transform((x, top)))
            text.set_va("bottom")
            text.placement = "above"
            text.set_color("#222222")
            if shifted:  # from the segment's top to the foot of its value, under the others
                start = ((bar.x0 + bar.x1) / 2, top - ABOVE_GAP * points)
                end = (x - box.width / 4, top)
                self.leaders.append(self._leader(start, end))
        for line in self.leaders:
            line.draw(renderer)

    def _leader(self, start: tuple[float, float], end: tuple[float, float]) -> Line2D:
        line = Line2D(*zip(start, end, strict=True), color="#777777", linewidth=0.5)
        line.set_figure(self.figure)
        line.set_transform(IdentityTransform())
        return line


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

    projects is Measures.projects (or charts.funding of it). percent=False stacks the
    amounts in 万元 with each project's total at the end of its bar; percent=True draws 100%
    bars labelled with each source's share of the project budget. Projects are ordered by
    total budget, largest on top, as a note says (the totals printed at the bars' ends
    fall down the chart); beyond the top N (None: all) the rest are the last bar,
    其他 N 个项目.
    """
    style = theme.chart_style(lang)
    shown = charts.funding(projects, top)
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
        _percent_axis(ax.xaxis)
        ax.set_xlabel(label("share_of_total", style.lang))
        _title(ax, _scoped(label("chart_funding_mix", style.lang), shown, style))
    else:
        _amount_axis(ax, style)
        _title(ax, _scoped(label("chart_funding_split", style.lang), shown, style))
    _legend_above(ax, ncols=2)
    _note(ax, [_top_note(shown, style), _cut_note(ax, names, style)])
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
    (level "group"), or charts.structure of them. A project without budget lines is one
    hatched 未分项 / Unallocated segment, not left out. Each bar ends with the project's
    total in 万元, and projects are ordered by it, largest on top, as a note says; beyond
    the top N the rest are the last bar, 其他 N 个项目.
    """
    style = theme.chart_style(lang)
    shown = charts.structure(categories, level, top)
    level = shown.attrs["level"]
    projects = shown.drop_duplicates("project_id")
    names = _project_names(projects, style)
    codes = charts.detail_order(shown[level], level)
    grid = shown.pivot(index="project_id", columns=level, values="total")
    grid = grid.reindex(index=projects["project_id"], columns=codes).fillna(0.0)
    ax = _axes(ax, len(projects), width=9.0)
    y = _rows(ax, names)
    parts = _detail_segments(grid, codes, level, style, wan)
    _stacked(
        ax,
        y,
        parts,
        ends=[wan(v) for v in projects["project_total"]],
        cuttable=projects["project_id"].eq(OTHERS).to_numpy(),
    )
    _amount_axis(ax, style)
    key = "chart_structure_category" if level == "category" else "chart_structure_group"
    _title(ax, _scoped(label(key, style.lang), shown, style))
    _legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0), title=label(level, style.lang))
    _note(ax, [_top_note(shown, style), _cut_note(ax, names, style)])
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
    then names the project); or charts.program_structure of any of them. Rows over several
    programs, years or projects are summed. Each bar ends with its amount and its share of
    the whole budget; money in projects without budget lines is the 未分项 / Unallocated
    bar.
    """
    style = theme.chart_style(lang)
    summed = charts.program_structure(table, level)
    level = summed.attrs["level"]
    codes = charts.detail_order(summed[level], level)
    summed = summed.set_index(level).reindex(codes)
    names = _detail_names(codes, level, style)
    ax = _axes(ax, len(codes))
    y = _rows(ax, names)
    parts = [
        (label(key, style.lang), summed[key].to_numpy(), color, [wan(v) for v in summed[key]], None)
        for key, color in FUNDING_COLORS.items()
    ]
    ends = [
        label("amount_and_share", style.lang, amount=wan(t), share=percent_text(r))
        for t, r in zip(summed["total"], summed["category_share"], strict=True)
    ]
    _stacked(ax, y, parts, ends=ends, cuttable=np.zeros(len(codes), bool), headroom=1.3)
    _amount_axis(ax, style)
    _title(ax, _structure_title(summed, level, style))
    _legend_above(ax, ncols=2)
    return _finish(ax, style)


def _structure_title(summed: pd.DataFrame, level: str, style: ChartStyle) -> str:
    """Return the title of program_structure, naming the one project or program it shows.

    The notebooks draw one project's structure with the same chart, from its rows of
    Measures.categories; its title then names the project, not the program.
    """
    first = summed.iloc[0] if len(summed) else pd.Series(dtype=object)
    one_project = pd.notna(first.get("project_id"))
    title = label(f"chart_{'project' if one_project else 'program'}_{level}", style.lang)
    if one_project:
        name = first.get("organization")
        name = str(name) if pd.notna(name) and str(name) else ""
        name = name if name and style.renders(name) else str(first["project_id"])
    elif pd.notna(first.get("program")) and pd.notna(first.get("year")):
        name = f"{first['program']} {first['year']}"
    else:  # several programs or years: the scope names them
        return _scoped(title, summed, style)
    if not style.renders(name):
        return title
    name = _as_typed(name)
    return label("titled_for", style.lang, name=name, title=title)


# --- leverage and execution ---------------------------------------------------------------


def leverage_bars(
    projects: pd.DataFrame,
    *,
    top: int | None = 20,
    lang: str = "zh",
    ax: Axes | None = None,
) -> Axes:
    """Return the Axes with each project's leverage as a sorted bar labelled 1 : x.

    projects is Measures.projects (or charts.leverage of it). The top N projects by special
    fund (and the rest as one bar, its leverage a ratio of sums) are sorted by leverage,
    the rest last. The reference line is the leverage over every project given, a ratio of
    their sums (charts.overall). Leverage is an accounting ratio, not proof that the special
    fund caused the company's spending; the chart says so.
    """
    style = theme.chart_style(lang)
    table = charts.leverage(projects, top)
    reference = table.attrs["reference"]
    missing = table["leverage"].isna()
    n_missing = int(table.loc[missing, "n_projects"].sum())
    shown = table[~missing]
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
    largest = float(np.nanmax([*values, reference, 0.0]))
    ax.set_xlim(0, largest * 1.18 if largest > 0 else 1.0)
    ax.xaxis.set_major_formatter(FuncFormatter(_tick_amount))
    ax.set_xlabel(label("leverage_axis", style.lang))
    if np.isfinite(reference):
        ax.axvline(reference, color=REFERENCE_COLOR, linestyle="--", linewidth=1, gid="reference")
        ax.annotate(
            _reference_label(leverage_text(reference), table, style),
            xy=(reference, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, 2),
            textcoords="offset points",
            ha="left",
            va="bottom",
            fontsize=7.5,
        )
    # Room above the plot for the reference line's label.
    _title(ax, _scoped(label("chart_leverage", style.lang), table, style), pad=16)
    n_note = label("no_leverage", style.lang, n=n_missing) if n_missing else ""
    _note(ax, [label("leverage_note", style.lang), _top_note(shown, style), n_note])
    return _finish(ax, style)


def execution(
    projects: pd.DataFrame,
    *,
    top: int | None = 20,
    lang: str = "zh",
    ax: Axes | None = None,
) -> Axes:
    """Return the Axes with each project's execution rate (actual ÷ budget) and 100% marked.

    projects is Measures.projects (or charts.execution of it); the rate compares
    self_raised_actual with the self-raised budget. Only projects with an actual figure
    are drawn; a note says how many have none, and when only one project reports, says
    that. Beyond the top N by special fund the rest are one bar (a ratio of sums). The axis
    is a rate: the amounts in 万元 are named in each bar's label, not in a unit note.
    """
    style = theme.chart_style(lang)
    shown = charts.execution(projects, top)
    n_missing = shown.attrs["not_reported"]
    missing_note = label("no_actuals", style.lang, n=n_missing) if n_missing else ""
    if n_missing and not shown.empty and shown["n_projects"].sum() == 1:
        missing_note = label("one_with_actuals", style.lang, n=n_missing)
    if shown.empty:
        ax = _axes(ax, 1)
        ax.set_axis_off()
        _say(ax, label("none_with_actuals", style.lang))
        _title(ax, _scoped(label("chart_execution", style.lang), shown, style))
        _note(ax, [missing_note])
        return _finish(ax, style)
    rate = shown["execution_rate"].to_numpy()
    actual, budget = shown["self_raised_actual"].to_numpy(), shown["self_raised"].to_numpy()
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
        label("execution_amounts", style.lang, rate=percent_text(r), actual=wan(a), budget=wan(b))
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
    _percent_axis(ax.xaxis)
    ax.set_xlim(0, max(1.25, float(np.nanmax(rate, initial=0.0)) * 1.6))
    ax.set_xlabel(label("execution_axis", style.lang))
    _title(ax, _scoped(label("chart_execution", style.lang), shown, style), pad=16)
    _note(ax, [missing_note, _top_note(shown, style)])
    return _finish(ax, style)
