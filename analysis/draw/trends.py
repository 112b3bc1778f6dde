"""Charts across years and programs: money per year, leverage and special share as small
multiples, and the budget's structure per year.

Only the years present in the data are drawn: bars stand at their years, so a missing
year leaves a visible gap, and a note names it; lines break there rather than run across
it. One year is said plainly (a note, and bars per program instead of lines), never drawn
as a trend. Two measures are never put on two y axes of one panel: each has its panels.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter

from analysis.draw import theme
from analysis.draw._style import (
    _as_typed,
    _axes,
    _detail_segments,
    _finish,
    _legend,
    _legend_above,
    _note,
    _percent_axis,
    _rows,
    _scoped,
    _tick_amount,
    _title,
    _unit_label,
)
from analysis.draw.bars import _stacked
from analysis.draw.theme import BASE_RC, FUNDING_COLORS, SELF_RAISED_COLOR, SPECIAL_COLOR
from analysis.measure import charts, compare
from analysis.words.formats import leverage as leverage_text
from analysis.words.formats import percent as percent_text
from analysis.words.formats import wan, years_text
from analysis.words.labels import label

# The measures of the small multiples: one column of panels each, with its colour.
TREND_MEASURES = {"leverage": SELF_RAISED_COLOR, "special_share": SPECIAL_COLOR}


def _year_notes(table: pd.DataFrame, style) -> list[str]:
    """Return the notes every chart across years carries: one year, or the missing years."""
    years = sorted(table["year"].dropna().unique().tolist())
    if len(years) == 1:
        return [label("one_year_note", style.lang, year=int(years[0]))]
    missing = table.attrs.get("missing_years", ())
    if missing:
        joined = years_text(missing, label("list_separator", style.lang))
        return [label("missing_years_note", style.lang, years=joined)]
    return []


def _program_name(program: str, style) -> str:
    if program == compare.ALL_PROGRAMS:
        return label("all_programs", style.lang)
    name = str(program) if str(program) else label("not_given", style.lang)
    return _as_typed(name) if style.renders(name) else "?"


# --- money per year -------------------------------------------------------------------------


def years_bars(projects: pd.DataFrame, *, lang: str = "zh", ax: Axes | None = None) -> Axes:
    """Return the Axes with special fund and self-raised money stacked per year.

    projects is Measures.projects (or compare.per_year of it). One bar per year present,
    standing at its year (a missing year is a gap, named in a note), the year's total on
    top and its number of projects under the year. Amounts in 万元.
    """
    style = theme.chart_style(lang)
    table = compare.per_year(projects)
    years = table["year"].to_numpy()
    if ax is None:
        span = float(years.max() - years.min() + 1) if len(years) else 1.0
        figure = plt.figure(figsize=(max(4.8, 1.1 * span + 2.4), 4.4), layout="constrained")
        ax = figure.add_subplot()
    bottom = np.zeros(len(table))
    tallest = float(np.nanmax([*table["total"].fillna(0.0), 0.0]))
    for key, color in FUNDING_COLORS.items():
        values = np.nan_to_num(table[key].to_numpy())
        bars = ax.bar(
            years,
            values,
            bottom=bottom,
            width=0.62,
            color=color,
            label=label(key, style.lang),
            edgecolor="white",
            linewidth=0.4,
        )
        ax.bar_label(
            bars,
            labels=[_inside(v, tallest) for v in values],
            label_type="center",
            color="#FFFFFF" if key == "special" else "#222222",
            fontsize=7.5,
        )
        bottom = bottom + values
    ax.bar_label(bars, labels=[wan(v) for v in table["total"]], padding=2, fontsize=7.5)
    ax.set_ylim(0, float(np.nanmax([*bottom, 0.0])) * 1.15 or 1.0)
    ax.set_xlim(years.min() - 0.6, years.max() + 0.6)
    counts = [label("n_projects_short", style.lang, n=f"{n:,}") for n in table["n_projects"]]
    ax.xaxis.set_major_locator(FixedLocator(years))
    ax.set_xticklabels([f"{y}\n{c}" for y, c in zip(years, counts, strict=True)])
    ax.tick_params(axis="x", length=0)
    ax.yaxis.set_major_formatter(FuncFormatter(_tick_amount))
    ax.set_ylabel(_unit_label(style))
    _title(ax, _scoped(label("chart_years", style.lang), table, style))
    _legend_above(ax, ncols=2)
    _note(ax, _year_notes(table, style))
    return _finish(ax, style)


def _inside(value: float, tallest: float) -> str:
    """Return a segment's label where the segment is tall enough to hold it (6% of the
    tallest bar: some 12 points of a chart 4.4 inches high)."""
    return wan(value) if tallest > 0 and value >= 0.06 * tallest else ""


# --- leverage and special share per year and program ---------------------------------------


def trend_panels(projects: pd.DataFrame, *, lang: str = "zh") -> Figure:
    """Return the Figure of small multiples: leverage and special share per year, one row of
    panels per program (all programs together first, where there are several).

    projects is Measures.projects (or compare.trend_ratios of it). Each point is a ratio of
    the sums of that program's projects in that year; a line breaks where a program has
    no projects in a year. Panels of one measure share their y axis, so programs compare
    at a glance; the two measures never share one. With one year there is no trend: the
    figure is one bar per program for each measure, and says so.
    """
    style = theme.chart_style(lang)
    table = compare.trend_ratios(projects)
    years = sorted(table["year"].unique().tolist())
    if len(years) == 1:
        return _program_bars(table, style)
    import seaborn as sns

    programs = list(dict.fromkeys(table["program"]))
    # Rows are faceted by the program's place: seaborn titles the panels as it makes them,
    # in its default font, which a Chinese name would be empty boxes in (retitled below).
    long = table.assign(row=table["program"].map({p: i for i, p in enumerate(programs)}))
    long = long.melt(
        id_vars=["row", "year"],
        value_vars=list(TREND_MEASURES),
        var_name="measure",
        value_name="value",
    )
    grid = sns.FacetGrid(
        long,
        row="row",
        col="measure",
        row_order=range(len(programs)),
        col_order=list(TREND_MEASURES),
        sharex=True,
        sharey="col",
        height=1.55,
        aspect=2.3,
        despine=True,
    )
    figure = grid.figure
    figure.set_layout_engine("constrained")
    for (row, col, _), data in grid.facet_data():
        ax = grid.axes[row, col]
        measure = list(TREND_MEASURES)[col]
        _trend_line(ax, data, years, measure, TREND_MEASURES[measure])
        name = _program_name(programs[row], style)
        ax.set_title(
            label("titled_for", style.lang, name=name, title=label(measure, style.lang)),
            loc="left",
            fontsize=BASE_RC["font.size"],
            fontweight="bold",
        )
        ax.set_title("")
        ax.set_xlabel("")
        ax.set_ylabel("")
    for col, measure in enumerate(TREND_MEASURES):
        column = grid.axes[:, col]
        top = max(
            float(np.nanmax(np.r_[line.get_ydata(), 0.0])) for a in column for line in a.lines
        )
        column[0].set_ylim(0, top * 1.3 or 1.0)
        formatter = _percent_axis if measure == "special_share" else _ratio_axis
        formatter(column[0].yaxis)
    for ax in grid.axes.flat:
        ax.set_xlim(years[0] - 0.5, years[-1] + 0.5)
        ax.xaxis.set_major_locator(FixedLocator(years))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0f}"))
        ax.tick_params(axis="x", labelbottom=True)
        _finish(ax, style)
    title = _scoped(label("chart_trend_ratios", style.lang), table, style)
    _figure_title(figure, title, style)
    notes = [label("ratio_of_sums_note", style.lang), label("leverage_note", style.lang)]
    _figure_note(figure, [*notes, *_year_notes(table, style)], style)
    return figure


def _trend_line(ax: Axes, data: pd.DataFrame, years: list, measure: str, color: str) -> None:
    """Draw one program's measure per year, breaking where a year has no figure."""
    values = data.set_index("year")["value"].reindex(range(years[0], years[-1] + 1))
    x, y = values.index.to_numpy(), values.to_numpy(dtype=float)
    ax.plot(x, y, color=color, linewidth=1.6, marker="o", markersize=3.5)
    text = leverage_text if measure == "leverage" else percent_text
    for xi, yi in zip(x, y, strict=True):
        if np.isfinite(yi):
            shown = text(yi).replace("1 : ", "") if measure == "leverage" else text(yi)
            ax.annotate(
                shown,
                (xi, yi),
                xytext=(0, 4),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=6.5,
                color="#333333",
            )


def _ratio_axis(axis) -> None:
    axis.set_major_formatter(FuncFormatter(lambda v, _p: f"1 : {v:g}"))


def _figure_title(figure: Figure, text: str, style) -> None:
    figure.suptitle(
        text,
        x=0.01,
        ha="left",
        fontsize=BASE_RC["axes.titlesize"],
        fontweight=BASE_RC["axes.titleweight"],
        fontfamily=list(style.family),
    )


def _figure_note(figure: Figure, lines: list[str], style) -> None:
    lines = [line for line in lines if line]
    if lines:
        figure.supxlabel(
            "\n".join(lines),
            x=0.01,
            ha="left",
            fontsize=7.5,
            color="#444444",
            linespacing=1.5,
            fontfamily=list(style.family),
        )


def _program_bars(table: pd.DataFrame, style) -> Figure:
    """Return the one-year figure: per program, leverage and special share as bars."""
    figure = plt.figure(figsize=(9.0, max(2.4, 1.5 + 0.34 * len(table))), layout="constrained")
    axes = figure.subplots(1, len(TREND_MEASURES), sharey=True, squeeze=True)
    names = [_program_name(p, style) for p in table["program"]]
    for ax, (measure, color) in zip(axes, TREND_MEASURES.items(), strict=True):
        values = table[measure].to_numpy(dtype=float)
        y = _rows(ax, names)
        bars = ax.barh(y, np.nan_to_num(values), height=0.6, color=color)
        text = leverage_text if measure == "leverage" else percent_text
        ax.bar_label(bars, labels=[text(v) for v in values], padding=3, fontsize=7.5)
        ax.set_xlim(0, float(np.nanmax([*values, 0.0])) * 1.35 or 1.0)
        if measure == "special_share":
            _percent_axis(ax.xaxis)
            ax.set_xlabel(label("share_axis", style.lang))
        else:
            ax.xaxis.set_major_formatter(FuncFormatter(_tick_amount))
            ax.set_xlabel(label("leverage_axis", style.lang))
        ax.set_title(
            label(measure, style.lang), loc="left", fontsize=BASE_RC["font.size"], fontweight="bold"
        )
        _finish(ax, style)
    year = int(table["year"].iloc[0])
    title = _scoped(label("chart_program_ratios", style.lang), table, style)
    if not table.attrs["scope"].text(style.lang):  # one program's one year: say the year
        title = label(
            "titled_for", style.lang, name=label("scope_years", style.lang, years=year), title=title
        )
    _figure_title(figure, title, style)
    notes = [label("one_year_note", style.lang, year=year), label("leverage_note", style.lang)]
    _figure_note(figure, notes, style)
    return figure


# --- budget structure per year ------------------------------------------------------------


def year_structure(
    parts: pd.DataFrame, *, level: str = "category", lang: str = "zh", ax: Axes | None = None
) -> Axes:
    """Return the Axes with one 100% bar per year present, its budget split by category.

    parts is Measures.by_category (level "category") or .by_group (level "group"), or
    compare.year_structure of them. Each segment is the category's share of that year's
    whole budget; money in projects without lines is the hatched 未分项 segment.
    """
    style = theme.chart_style(lang)
    table = compare.year_structure(parts, level)
    level = table.attrs["level"]
    years = sorted(table["year"].unique().tolist())
    codes = charts.detail_order(table[level], level)
    grid = table.pivot(index="year", columns=level, values="category_share")
    grid = grid.reindex(index=years, columns=codes).fillna(0.0)
    ax = _axes(ax, len(years), width=9.0, per_row=0.42)
    y = _rows(ax, [str(year) for year in years])
    segments = _detail_segments(grid, codes, level, style, percent_text)
    _stacked(ax, y, segments, ends=None, cuttable=np.zeros(len(years), bool), scale=1.0)
    _percent_axis(ax.xaxis)
    ax.set_xlabel(label("share_of_year", style.lang))
    key = "chart_year_category" if level == "category" else "chart_year_group"
    _title(ax, _scoped(label(key, style.lang), table, style))
    _legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0), title=label(level, style.lang))
    _note(ax, _year_notes(table, style))
    return _finish(ax, style)


__all__ = ["trend_panels", "year_structure", "years_bars"]
