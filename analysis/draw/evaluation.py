"""Charts of the performance self-evaluation: arrival and execution, budget against actual,
leverage against the program's minimum, the score and its parts, and the grades.

Each takes a measure table (or the table analysis.measure.evaluation_charts makes of it,
which it draws as it is), keyword options and an optional ``ax``, and returns the Axes; a
chart with nothing to draw says so in words, and its note names what it leaves out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, MaxNLocator

from analysis.draw import theme
from analysis.draw._style import (
    _ON_LINE,
    _amount_axis,
    _axes,
    _detail_names,
    _finish,
    _legend_above,
    _note,
    _percent_axis,
    _project_names,
    _rows,
    _say,
    _scoped,
    _tick_amount,
    _title,
)
from analysis.draw.theme import REFERENCE_COLOR, SELF_RAISED_COLOR, SPECIAL_COLOR, ChartStyle
from analysis.measure import evaluation_charts as tables
from analysis.measure.top import OTHERS
from analysis.words.formats import leverage as leverage_text
from analysis.words.formats import percent as percent_text
from analysis.words.formats import wan
from analysis.words.labels import label
from analysis.words.scoring import GRADES, TOTAL_POINTS, grade_bands

# Arrival in the light, execution in the full shade of each source's colour.
RATE_COLORS = {
    "special_arrival_rate": "#9CC9E8",
    "special_execution_rate": SPECIAL_COLOR,
    "self_raised_arrival_rate": "#F5CE80",
    "self_raised_execution_rate": SELF_RAISED_COLOR,
}
# Paul Tol's muted colours for the parts of a score, his green-to-rose for the grades.
PART_COLORS = {
    "execution_score": "#88CCEE",
    "output_score": "#332288",
    "effect_score": "#44AA99",
    "satisfaction_score": "#DDCC77",
}
GRADE_COLORS = {"excellent": "#117733", "good": "#44AA99", "fair": "#DDCC77", "poor": "#CC6677"}
SHORT_COLOR = "#CC6677"


def _nothing(ax: Axes | None, style: ChartStyle, title: str, message: str, notes: list[str]):
    """Return an Axes that says, in words, that there is nothing to draw."""
    ax = _axes(ax, 1)
    ax.set_axis_off()
    _say(ax, message)
    _title(ax, title)
    _note(ax, notes)
    return _finish(ax, style)


def arrival_execution(
    projects: pd.DataFrame, *, top: int | None = 20, lang: str = "zh", ax: Axes | None = None
) -> Axes:
    """Return the Axes with each project's arrival and execution rates, per source, and 100%
    marked.

    projects is Measures.projects (or evaluation_charts.arrival_execution of it). A project
    draws the rates it reports; a note says how many report none. Beyond the top N by
    special fund the rest are one group of bars, each a ratio of their sums.
    """
    style = theme.chart_style(lang)
    shown = tables.arrival_execution(projects, top)
    n_missing = shown.attrs["not_reported"]
    missing_note = label("no_rates", style.lang, n=n_missing) if n_missing else ""
    title = _scoped(label("chart_arrival_execution", style.lang), shown, style)
    if shown.empty:
        return _nothing(ax, style, title, label("none_with_rates", style.lang), [missing_note])
    names = _project_names(shown, style)
    ax = _axes(ax, len(shown) * 2.2, width=8.5)
    y = _rows(ax, names)
    height = 0.8 / len(RATE_COLORS)
    largest = 1.0
    for i, (rate, color) in enumerate(RATE_COLORS.items()):
        values = shown[rate].to_numpy(dtype=np.float64)
        offset = (i - (len(RATE_COLORS) - 1) / 2) * height
        bars = ax.barh(
            y + offset, np.nan_to_num(values), height=height * 0.92, color=color,
            label=label(rate, style.lang),
        )  # fmt: skip
        texts = ["" if np.isnan(v) else percent_text(v) for v in values]
        ax.bar_label(bars, labels=texts, padding=2, fontsize=6.5, bbox=_ON_LINE)
        largest = max(largest, float(np.nanmax(values, initial=0.0)))
    ax.axvline(1.0, color=REFERENCE_COLOR, linestyle="--", linewidth=1, gid="reference")
    _percent_axis(ax.xaxis)
    ax.set_xlim(0, largest * 1.25)
    ax.set_xlabel(label("rate_axis", style.lang))
    _title(ax, title)
    _legend_above(ax, ncols=4)
    others = shown["project_id"].eq(OTHERS).any()
    others_note = label("others_rates_note", style.lang, top=shown.attrs["top"]) if others else ""
    _note(ax, [label("full_mark_note", style.lang), others_note, missing_note])
    return _finish(ax, style)


def category_variance(table: pd.DataFrame, *, lang: str = "zh", ax: Axes | None = None) -> Axes:
    """Return the Axes with the budget and the actual of each category, over the budget
    lines that report an actual, labelled with the variance share.

    table is Measures.by_category_variance or .variance (or the chart table of either).
    """
    style = theme.chart_style(lang)
    summed = tables.category_variance(table)
    title = _scoped(label("chart_category_variance", style.lang), summed, style)
    if summed.empty:
        return _nothing(ax, style, title, label("none_with_line_actuals", style.lang), [])
    codes = summed["category"].tolist()
    names = _detail_names(codes, "category", style)
    ax = _axes(ax, len(codes) * 1.6, width=8.5)
    y = _rows(ax, names)
    budget, actual = summed["budget"].to_numpy(), summed["actual"].to_numpy()
    ax.barh(y - 0.18, budget, height=0.34, color="#BBBBBB", label=label("budget", style.lang))
    bars = ax.barh(y + 0.18, actual, height=0.34, color=SPECIAL_COLOR,
                   label=label("actual", style.lang))  # fmt: skip
    texts = [
        label("amount_and_share", style.lang, amount=wan(a), share=_signed(s))
        for a, s in zip(actual, summed["variance_share"], strict=True)
    ]
    ax.bar_label(bars, labels=texts, padding=3, fontsize=7.5)
    ax.set_xlim(0, float(np.nanmax([*budget, *actual, 0.0])) * 1.3 or 1.0)
    _amount_axis(ax, style)
    _title(ax, title)
    _legend_above(ax, ncols=2)
    _note(ax, [label("variance_note", style.lang)])
    return _finish(ax, style)


def _signed(share: float) -> str:
    if pd.isna(share):
        return "—"
    return ("+" if share > 0 else "") + percent_text(share)


def leverage_minimum(
    projects: pd.DataFrame,
    programs: pd.DataFrame | None = None,
    *,
    top: int | None = 20,
    lang: str = "zh",
    ax: Axes | None = None,
) -> Axes:
    """Return the Axes with each project's leverage and its program's required minimum.

    projects is Measures.projects with programs Measures.programs (or the chart table of
    evaluation_charts.leverage_minimum). A bar below its minimum is drawn in rose and
    labelled with the shortfall in 万元; each minimum is a black mark across its bar.
    """
    style = theme.chart_style(lang)
    shown = tables.leverage_minimum(projects, programs, top)
    title = _scoped(label("chart_leverage_minimum", style.lang), shown, style)
    if shown.empty:
        return _nothing(ax, style, title, label("no_money", style.lang), [])
    names = _project_names(shown, style)
    ax = _axes(ax, len(shown))
    y = _rows(ax, names)
    values = shown["leverage"].to_numpy(dtype=np.float64)
    minimum = shown["min_leverage"].to_numpy(dtype=np.float64)
    short = shown["shortfall"].to_numpy(dtype=np.float64) > 0
    colors = np.where(short, SHORT_COLOR, SELF_RAISED_COLOR)
    bars = ax.barh(y, values, height=0.65, color=colors)
    texts = [
        leverage_text(v) + (label("shortfall_text", style.lang, amount=wan(s)) if s > 0 else "")
        for v, s in zip(values, np.nan_to_num(shown["shortfall"].to_numpy()), strict=True)
    ]
    ax.bar_label(bars, labels=texts, padding=3, fontsize=7.5, bbox=_ON_LINE)
    has_minimum = ~np.isnan(minimum)
    if has_minimum.any():
        ax.vlines(minimum[has_minimum], y[has_minimum] - 0.45, y[has_minimum] + 0.45,
                  color=REFERENCE_COLOR, linewidth=1.6, gid="minimum",
                  label=label("min_leverage", style.lang))  # fmt: skip
    largest = float(np.nanmax([*values, *minimum[has_minimum], 0.0]))
    ax.set_xlim(0, largest * 1.45 if largest > 0 else 1.0)
    ax.xaxis.set_major_formatter(FuncFormatter(_tick_amount))
    ax.set_xlabel(label("leverage_axis", style.lang))
    _title(ax, title)
    if has_minimum.any():
        _legend_above(ax, ncols=1)
    minimums = shown.attrs.get("minimums", [])
    notes = [label("leverage_note", style.lang)]
    if not minimums:
        notes.append(label("no_minimum", style.lang))
    if shown.attrs.get("left_out"):
        notes.append(label("top_note", style.lang, top=shown.attrs["top"]))
    _note(ax, notes)
    return _finish(ax, style)


def scores(
    projects: pd.DataFrame, *, top: int | None = 20, lang: str = "zh", ax: Axes | None = None
) -> Axes:
    """Return the Axes with each scored project's score, stacked by its parts (预算执行率 and
    each level of indicators), its total and grade at the end, and the grade bands marked.

    Projects without a score are not drawn as 0: a note says how many, and why.
    """
    style = theme.chart_style(lang)
    shown = tables.scores(projects, top)
    unscored = shown.attrs.get("unscored", {})
    notes = [
        label("unscored_note", style.lang, n=n, why=label(status, style.lang))
        for status, n in unscored.items()
    ]
    title = _scoped(label("chart_scores", style.lang), shown, style)
    if shown.empty:
        return _nothing(ax, style, title, label("none_scored", style.lang), notes)
    names = _project_names(shown, style)
    ax = _axes(ax, len(shown), width=8.5)
    y = _rows(ax, names)
    left = np.zeros(len(shown))
    for part, color in PART_COLORS.items():
        width = np.nan_to_num(shown[part].to_numpy(dtype=np.float64))
        bars = ax.barh(y, width, left=left, height=0.65, color=color, label=label(part, style.lang),
                       edgecolor="white", linewidth=0.4)  # fmt: skip
        texts = [f"{w:.1f}" if w >= 6 else "" for w in width]
        ink = "#FFFFFF" if color in ("#332288", "#44AA99") else "#222222"
        ax.bar_label(bars, labels=texts, label_type="center", fontsize=7, color=ink)
        left = left + width
    ends = [
        f"{s:.2f} {label(g, style.lang)}"
        for s, g in zip(shown["score"], shown["grade"], strict=True)
    ]
    ax.bar_label(bars, labels=ends, padding=3, fontsize=7.5)
    for grade in GRADES:
        if np.isfinite(grade.minimum) and grade.minimum > 0:
            ax.axvline(grade.minimum, color="#999999", linestyle=":", linewidth=0.8, gid="band")
    ax.set_xlim(0, TOTAL_POINTS * 1.18)
    ax.set_xlabel(label("score_axis", style.lang))
    _title(ax, title)
    _legend_above(ax, ncols=4)
    if shown.attrs.get("left_out"):
        notes.append(label("top_note", style.lang, top=shown.attrs["top"]))
    _note(ax, [label("bands_note", style.lang, bands=grade_bands(style.lang)), *notes])
    return _finish(ax, style)


def grades(projects: pd.DataFrame, *, lang: str = "zh", ax: Axes | None = None) -> Axes:
    """Return the Axes with how many projects earned each grade (a seaborn bar plot), and a
    note on the projects without a score."""
    import seaborn as sns

    style = theme.chart_style(lang)
    table = tables.grades(projects)
    unscored = table.attrs.get("unscored", 0)
    table = table[table["grade"].isin([g.code for g in GRADES])]
    unscored_note = label("unscored_total", style.lang, n=unscored) if unscored else ""
    title = _scoped(label("chart_grades", style.lang), table, style)
    if table["n_projects"].sum() == 0:
        return _nothing(ax, style, title, label("none_scored", style.lang), [unscored_note])
    shown = table.assign(name=[label(g, style.lang) for g in table["grade"]])
    if ax is None:
        ax = _axes(None, 4, width=6.0, per_row=0.45)
    sns.barplot(
        data=shown, x="name", y="n_projects", hue="name", legend=False, ax=ax,
        palette=[GRADE_COLORS.get(g, "#999999") for g in shown["grade"]],
    )  # fmt: skip
    for container in ax.containers:
        ax.bar_label(container, fmt="%d", padding=2, fontsize=8)
    ax.set_xlabel(label("grade", style.lang))
    ax.set_ylabel(label("n_projects", style.lang))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, max(1.0, float(shown["n_projects"].max()) * 1.25))
    _title(ax, title)
    _note(ax, [unscored_note])
    return _finish(ax, style)
