"""Charts, read back: bar widths, labels and reference lines against the measures they draw.

Figures from the seed are the report's (北塑管业 52 + 188 万元, leverage 1 : 3.62, program
1 : 2.36, 鸿城节能 62 万元 unallocated, 110% executed); a generated program of 500
projects checks that the top N and the "其他 N 个项目" bar add up to the program's totals.
"""

from __future__ import annotations

import io
import itertools
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib import colors as mcolors
from PIL import Image

from analysis import draw
from analysis.draw import theme as fonts
from analysis.draw._style import CATEGORY_COLORS, GROUP_COLORS, _percent_tick
from analysis.draw.bars import VALUE_SIZE
from analysis.draw.save import PNG_DPI
from analysis.draw.theme import SELF_RAISED_COLOR, SPECIAL_COLOR
from analysis.measure import OTHERS, top_projects
from analysis.measure.measures import measure
from analysis.read.load import load
from analysis.words.formats import leverage, percent, wan
from analysis.words.labels import category_names, group_names, label
from analysis.words.vocabulary import CATEGORIES, GROUPS, fen
from tests.conftest import write_tables

N_GENERATED = 500
TOP = 20

requires_cjk = pytest.mark.skipif(
    fonts.find_cjk_font() is None, reason="no CJK font installed (Debian: fonts-noto-cjk)"
)


# --- data -----------------------------------------------------------------------------------


def generated_tables(n: int, seed: int = 2024) -> dict[str, pd.DataFrame]:
    """Return projects, budget lines and programs of one program with n projects.

    Amounts are whole hundredths of 万元; about a tenth of the projects have no lines and
    about a third report an actual figure. The two largest special funds go to one company.
    """
    rng = np.random.default_rng(seed)
    special = rng.integers(500, 30_000, n)
    total = special + 1_000 + rng.integers(0, 90_000, n)
    ids = pd.Series(np.arange(n)).map("GEN-{:04d}".format)
    syllables = np.array(list("华兴新材能源智造精密光电环保生物医药信息数控"))
    organizations = (
        pd.Series(syllables[rng.integers(0, len(syllables), (n, 4))].tolist()).str.join("") + "公司"
    )
    organizations.iloc[np.argsort(-special, kind="stable")[:2]] = "双项目公司"
    bare = rng.random(n) < 0.1
    actual = np.where(
        rng.random(n) < 0.3, np.rint((total - special) * rng.uniform(0.6, 1.3, n)), np.nan
    )
    projects = pd.DataFrame(
        {
            "project_id": ids,
            "year": 2023,
            "program": "生成计划",
            "organization": organizations,
            "title": "",
            "special": special / 100,
            "self_raised": np.nan,
            "total": total / 100,
            "self_raised_actual": actual / 100,
            "unit": "万元",
        }
    )
    # Each project splits its total and its special fund over a random set of categories;
    # rounding remainders go to its largest line, which always has room for them.
    k = len(CATEGORIES)
    include = rng.random((n, k)) < 0.5
    include[np.arange(n), rng.integers(0, k, n)] = True
    include[bare] = False
    weight = rng.random((n, k)) * include
    share = np.divide(
        weight, weight.sum(axis=1, keepdims=True), out=np.zeros_like(weight), where=~bare[:, None]
    )
    largest = share.argmax(axis=1)
    line_total = np.floor(share * total[:, None])
    line_special = np.floor(share * special[:, None])
    line_total[np.arange(n), largest] += total - line_total.sum(axis=1) * ~bare
    line_special[np.arange(n), largest] += special - line_special.sum(axis=1) * ~bare
    rows, cols = np.nonzero(include)
    lines = pd.DataFrame(
        {
            "project_id": ids.to_numpy()[rows],
            "category": CATEGORIES["name_zh"].to_numpy()[cols],
            "total": line_total[rows, cols] / 100,
            "special": line_special[rows, cols] / 100,
            "unit": "万元",
            "note": "",
        }
    )
    programs = pd.DataFrame(
        {"program": ["生成计划"], "year": [2023], "special_total": [special.sum() / 100]}
    )
    return {"projects": projects, "budget_lines": lines, "programs": programs}


@pytest.fixture(scope="module")
def seed():
    return measure(load())


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    folder = write_tables(tmp_path_factory.mktemp("many"), generated_tables(N_GENERATED))
    return measure(load(folder))


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# --- reading a chart back ----------------------------------------------------------------------


def bar_table(ax) -> pd.DataFrame:
    """Return one row per drawn bar segment: series (legend label), row (tick label), width."""
    ticks = dict(zip(ax.get_yticks().round(), tick_labels(ax), strict=True))
    rows = [
        (
            container.get_label(),
            ticks[round(p.get_y() + p.get_height() / 2)],
            p.get_x(),
            p.get_width(),
        )
        for container in ax.containers
        for p in container.patches
    ]
    return pd.DataFrame(rows, columns=["series", "row", "left", "width"])


def widths(ax, series: str) -> pd.Series:
    bars = bar_table(ax)
    return bars[bars["series"] == series].set_index("row")["width"]


def row_texts(ax, row: str) -> list[str]:
    """Return the non-empty texts drawn on the bar row whose tick label is row, left to right."""
    renderer = ax.figure.canvas.get_renderer()
    ax.figure.canvas.draw()
    tick = dict(zip(tick_labels(ax), ax.get_yticks(), strict=True))[row]
    y = ax.transData.transform((0, tick))[1]
    half = abs(ax.transData.transform((0, tick + 0.4))[1] - y)
    found = []
    for text in ax.texts:
        box = text.get_window_extent(renderer)
        if text.get_text() and abs((box.y0 + box.y1) / 2 - y) < half:
            found.append((box.x0, text.get_text()))
    return [t for _, t in sorted(found)]


def bar_end_texts(ax) -> list[str]:
    """Return the texts after the bars' ends (bar_label's, and a cut bar's), top to bottom."""
    renderer = ax.figure.canvas.get_renderer()
    ends = [t for t in ax.texts if t.get_gid() in (None, "cut_total") and t.get_text()]
    ends = [t for t in ends if t.get_gid() == "cut_total" or type(t).__name__ == "Annotation"]
    boxes = sorted(ends, key=lambda t: -t.get_window_extent(renderer).y0)
    return [t.get_text() for t in boxes]


def tick_labels(ax) -> list[str]:
    return [t.get_text() for t in ax.get_yticklabels()]


def legend_labels(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def note(ax) -> str:
    return "\n".join(t.get_text() for t in ax.texts if t.get_gid() == "note")


def in_fen(values) -> int:
    return int(np.nansum(fen(np.asarray(values, dtype=float))))


def by_organization(ms) -> pd.DataFrame:
    return ms.projects.set_index("organization")


# --- funding split -----------------------------------------------------------------------------


@requires_cjk
def test_funding_split_stacks_special_and_self_raised_in_wan(seed):
    ax = draw.funding_split(seed.projects)
    expected = by_organization(seed)
    for key in ("special", "self_raised"):
        drawn = widths(ax, label(key))
        assert drawn.to_dict() == pytest.approx(expected[key].to_dict())
    # 北塑管业: 专项经费 52 万元 of a 240 万元 budget, so 188 万元 self-raised.
    assert widths(ax, "专项资金")["北塑管业"] == 52
    assert widths(ax, "自筹资金")["北塑管业"] == 188
    assert row_texts(ax, "北塑管业") == ["52.00", "188.00", "240.00"]
    assert ax.get_xlabel() == "单位：万元"
    assert ax.get_xlim()[0] == 0
    assert legend_labels(ax) == ["专项资金", "自筹资金"]


@requires_cjk
@pytest.mark.parametrize("percent_bars", [False, True])
def test_funding_split_orders_projects_by_total_budget(seed, percent_bars):
    # Totals 270 (天成科技), 240 (北塑管业), 100 (可得电子), 62 (鸿城节能): by special fund
    # 鸿城节能's 42 came before 可得电子's 26, and 100.00 sat below 62.00.
    ax = draw.funding_split(seed.projects, percent=percent_bars)
    assert tick_labels(ax) == ["天成科技", "北塑管业", "可得电子", "鸿城节能"]
    assert note(ax) == "按总预算从大到小排列"
    if not percent_bars:
        ax.figure.canvas.draw()
        assert bar_end_texts(ax) == ["270.00", "240.00", "100.00", "62.00"]


@pytest.mark.parametrize("level", ["category", "group"])
@pytest.mark.parametrize("data", ["seed", "many"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_totals_beside_the_bars_fall_down_the_chart(request, data, level, lang):
    ms = request.getfixturevalue(data)
    charts = [
        draw.funding_split(ms.projects, lang=lang),
        draw.budget_structure(ms.categories if level == "category" else ms.groups,
                              level=level, lang=lang),
    ]  # fmt: skip
    for ax in charts:
        ax.figure.canvas.draw()
        names = tick_labels(ax)
        folded = names[-1] == label("others", lang, n=len(ms.projects) - TOP)
        ends = [float(t.replace(",", "")) for t in bar_end_texts(ax)]
        projects = ends[:-1] if folded else ends
        assert projects == sorted(projects, reverse=True)
        expected_note = "by_total_top_note" if folded else "by_total_note"
        assert label(expected_note, lang, top=TOP) in note(ax)
        if folded:  # the folding row is last, and holds the projects outside the top N
            rest = others_of(ms, by="total")
            assert names[-1] == label("others", lang, n=len(rest))


@requires_cjk
def test_funding_split_percent_bars_are_shares_with_labels(seed):
    ax = draw.funding_split(seed.projects, percent=True)
    expected = by_organization(seed)
    special, self_raised = widths(ax, "专项资金"), widths(ax, "自筹资金")
    assert special.to_dict() == pytest.approx(expected["special_share"].to_dict())
    assert (special + self_raised).to_numpy() == pytest.approx(1.0)
    beisu = expected.loc["北塑管业"]
    assert row_texts(ax, "北塑管业") == [
        percent(beisu["special_share"]),
        percent(beisu["self_raised_share"]),
    ]
    assert row_texts(ax, "北塑管业") == ["21.7%", "78.3%"]
    assert ax.get_xlim() == (0, 1)


@requires_cjk
def test_special_and_self_raised_keep_their_colours(seed):
    charts = [
        draw.funding_split(seed.projects),
        draw.funding_split(seed.projects, percent=True),
        draw.program_structure(seed.by_category),
    ]
    for ax in charts:
        colours = {c.get_label(): c.patches[0].get_facecolor() for c in ax.containers}
        assert colours["专项资金"] == mcolors.to_rgba(SPECIAL_COLOR)
        assert colours["自筹资金"] == mcolors.to_rgba(SELF_RAISED_COLOR)
    flow = draw.funding_flow(seed.categories)
    nodes = {p.get_gid(): p for p in flow.patches if p.get_gid()}
    assert nodes["node:0:special"].get_facecolor() == mcolors.to_rgba(SPECIAL_COLOR)
    assert nodes["node:0:self_raised"].get_facecolor() == mcolors.to_rgba(SELF_RAISED_COLOR)


def test_english_labels_come_from_the_same_dictionary(seed):
    ax = draw.funding_split(seed.projects, lang="en")
    assert legend_labels(ax) == [label("special", "en"), label("self_raised", "en")]
    assert ax.get_title(loc="left") == label("chart_funding_split", "en")
    assert ax.get_xlabel().startswith("Unit:")


def segment_values(ax) -> list:
    """Return the value texts of a stacked bar chart's segments, placed as drawn."""
    ax.figure.canvas.draw()
    return [t for t in ax.texts if t.get_gid() == "segment_value"]


def fits_inside(text, renderer) -> bool:
    """Return whether a segment value's text at the size of a value inside (with its ground,
    if any) and 3 pt of margin on each side is narrower than its segment, as drawn."""
    drawn = text.get_fontsize()
    text.set_fontsize(VALUE_SIZE)  # a value above its bar is a size smaller
    width = text.get_window_extent(renderer).width
    text.set_fontsize(drawn)
    ground = text.get_bbox_patch()
    if ground is not None:
        width += 2 * renderer.points_to_pixels(ground.get_boxstyle().pad * VALUE_SIZE)
    margin = renderer.points_to_pixels(3.0)
    return width + 2 * margin <= text.segment.get_window_extent(renderer).width


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("data", ["seed", "many"])
@pytest.mark.parametrize(
    "chart", ["funding_split", "funding_split_percent", "budget_structure", "program_structure"]
)
def test_every_segment_has_its_value_inside_where_it_fits_and_above_where_not(
    request, data, chart, lang
):
    ax = CHARTS[chart](request.getfixturevalue(data), lang=lang)
    texts = segment_values(ax)
    renderer = ax.figure.canvas.get_renderer()
    segments = [p for c in ax.containers for p in c.patches if p.get_width() > 0]
    labelled = {id(t.segment) for t in texts}
    cut = bool([t for t in ax.texts if t.get_gid() == "cut_total"])
    if not cut:  # a bar cut at the axis edge shows its total, not its segments
        assert {id(p) for p in segments} <= labelled
    for text in texts:
        bar = text.segment.get_window_extent(renderer)
        box = (text.get_bbox_patch() or text).get_window_extent(renderer)
        if fits_inside(text, renderer):
            assert text.placement == "inside"
            assert bar.x0 <= box.x0 and box.x1 <= bar.x1
            assert bar.y0 <= box.y0 and box.y1 <= bar.y1
        else:  # beside the segment, above its bar, not over another bar's values
            assert text.placement == "above"
            assert box.y0 >= bar.y1


@requires_cjk
def test_hongcheng_self_raised_20_is_labelled_like_segments_as_wide(seed):
    # 鸿城节能: 42 万元 special, 20 万元 self-raised; 20.00 is as wide as 天成科技's 20.00
    # segments of the budget structure, which are labelled.
    ax = draw.funding_split(seed.projects)
    assert row_texts(ax, "鸿城节能") == ["42.00", "20.00", "62.00"]


def test_values_above_one_bar_do_not_overlap(seed):
    # 北塑管业's 测试化验加工费 1.50, 燃料动力费 5.50, 差旅费 0.50 and 会议费 0.50 are
    # too narrow for their values, side by side.
    ax = draw.budget_structure(seed.categories, lang="en")
    renderer = ax.figure.canvas.get_renderer()
    above = [t for t in segment_values(ax) if t.placement == "above"]
    assert len(above) >= 4
    by_bar: dict[float, list] = {}
    for text in above:
        by_bar.setdefault(text.segment.get_y(), []).append(text.get_window_extent(renderer))
    for boxes in by_bar.values():
        boxes.sort(key=lambda b: b.x0)
        for left, right in itertools.pairwise(boxes):
            assert left.x1 < right.x0


@requires_cjk
def test_value_on_hatched_unallocated_money_has_a_white_ground(seed):
    for ax in (
        draw.budget_structure(seed.categories),
        draw.budget_structure(seed.groups, level="group", lang="en"),
    ):
        hatched = [t for t in segment_values(ax) if t.segment.get_hatch()]
        assert [t.get_text() for t in hatched] == ["62.00"]
        ground = hatched[0].get_bbox_patch()
        assert ground is not None
        assert mcolors.to_hex(ground.get_facecolor()) == "#ffffff"
        assert ground.get_alpha() in (None, 1.0)
        plain = [t for t in segment_values(ax) if not t.segment.get_hatch()]
        assert all(t.get_bbox_patch() is None for t in plain)


# --- budget structure --------------------------------------------------------------------------


@requires_cjk
def test_budget_structure_bars_are_category_totals(seed):
    ax = draw.budget_structure(seed.categories)
    bars = bar_table(ax)
    expected = seed.categories.assign(
        series=category_names(seed.categories["category"]), row=seed.categories["organization"]
    ).set_index(["row", "series"])["total"]
    drawn = bars[bars["width"] > 0].set_index(["row", "series"])["width"]
    assert drawn.sort_index().to_dict() == pytest.approx(expected.sort_index().to_dict())


@requires_cjk
def test_project_without_lines_is_unallocated_not_left_out(seed):
    ax = draw.budget_structure(seed.categories)
    assert "未分项" in legend_labels(ax)
    hongcheng = bar_table(ax).query("row == '鸿城节能' and width > 0")
    assert hongcheng["series"].tolist() == ["未分项"]
    assert hongcheng["width"].tolist() == [by_organization(seed).loc["鸿城节能", "total"]]
    assert row_texts(ax, "鸿城节能") == ["62.00", "62.00"]
    english = draw.budget_structure(seed.categories, lang="en")
    assert "Unallocated" in legend_labels(english)


@requires_cjk
def test_budget_structure_by_group(seed):
    ax = draw.budget_structure(seed.groups, level="group")
    bars = bar_table(ax).query("width > 0")
    # 天成科技: 设备费 125, 业务费 93 + 5 + 20 + 5 + 2 + 20 = 145.
    tiancheng = bars[bars["row"] == "天成科技"].set_index("series")["width"]
    assert tiancheng.to_dict() == {"设备费": 125, "业务费": 145}
    assert bars["width"].sum() == pytest.approx(seed.programs["total"].sum())


def heat_cells(ax) -> np.ndarray:
    """Return every share of a heatmap, on its colour scale or not (未分项)."""
    return np.asarray(ax.images[0].get_array().data, dtype=float)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_group_is_named_and_coloured_as_a_category_only_where_it_is_that_category(lang):
    categories = CATEGORIES.set_index("code")
    for group in GROUPS["code"]:
        members = categories.index[categories["group"] == group].tolist()
        group_name = group_names(pd.Series([group]), lang).iloc[0]
        for category in categories.index:
            alone = members == [category]
            category_name = category_names(pd.Series([category]), lang).iloc[0]
            assert (group_name == category_name) == alone, (group, category)
            same_colour = GROUP_COLORS[group] == CATEGORY_COLORS[category]
            assert same_colour == alone, (group, category)
        assert GROUP_COLORS[group] not in (SPECIAL_COLOR, SELF_RAISED_COLOR)


def test_labour_group_and_labour_category_differ_in_name_and_colour():
    # The 劳务费 group is 劳务费 5 + 专家咨询费 20 = 25 万元 over the seed; the category 5.
    assert group_names(pd.Series(["labor"])).iloc[0] == "劳务费（含专家咨询费）"
    assert category_names(pd.Series(["labor"])).iloc[0] == "劳务费"
    assert group_names(pd.Series(["labor"]), "en").iloc[0] != "Labour"
    assert GROUP_COLORS["labor"] != CATEGORY_COLORS["labor"]


@requires_cjk
def test_labour_group_in_the_charts_is_not_the_labour_category(seed):
    groups = draw.budget_structure(seed.groups, level="group")
    categories = draw.budget_structure(seed.categories)
    colours = {
        ax: {c.get_label(): c.patches[0].get_facecolor() for c in ax.containers}
        for ax in (groups, categories)
    }
    assert "劳务费（含专家咨询费）" in colours[groups]
    assert "劳务费" not in colours[groups]
    assert colours[groups]["劳务费（含专家咨询费）"] != colours[categories]["劳务费"]


@requires_cjk
def test_heatmap_cells_are_category_shares(seed):
    ax = draw.structure_heatmap(seed.categories)
    cells = heat_cells(ax)
    columns = [t.get_text() for t in ax.get_xticklabels()]
    rows = tick_labels(ax)
    expected = seed.categories.assign(name=category_names(seed.categories["category"]))
    for row in expected.itertuples():
        assert cells[rows.index(row.organization), columns.index(row.name)] == pytest.approx(
            row.category_share
        )
    assert np.isnan(cells).sum() == cells.size - len(expected)
    written = {t.get_text() for t in ax.texts}
    assert {percent(s) for s in expected["category_share"]} <= written
    assert cells[rows.index("鸿城节能"), columns.index("未分项")] == 1.0


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("data", ["seed", "many"])
def test_heatmap_keeps_unallocated_off_the_colour_scale(request, data, lang):
    ms = request.getfixturevalue(data)
    ax = draw.structure_heatmap(ms.categories, lang=lang)
    image = ax.images[0]
    columns = [t.get_text() for t in ax.get_xticklabels()]
    column = columns.index(label("unallocated", lang))
    cells = heat_cells(ax)
    given = ~np.isnan(cells[:, column])
    assert given.any()
    # Its shares are in the table, but none is coloured, nor sets the scale's top.
    assert image.get_array().mask[:, column].all()
    real = np.delete(cells, column, axis=1)
    assert image.norm.vmin == 0
    assert np.nanmax(real) <= image.norm.vmax < np.nanmax(real) + 0.1 + 1e-9
    # Each 未分项 cell is a grey hatched patch that still says its share, on a white ground.
    patches = [p for p in ax.patches if p.get_gid() == "unallocated"]
    assert sorted(round(p.get_y() + 0.5) for p in patches) == np.flatnonzero(given).tolist()
    assert all(p.get_hatch() for p in patches)
    grounded = [t for t in ax.texts if t.get_bbox_patch() is not None]
    assert [t.get_text() for t in grounded] == [percent(v) for v in cells[given, column]]
    assert label("heatmap_unallocated_note", lang) in note(ax)


@requires_cjk
def test_seed_heatmap_scale_ends_at_the_largest_category_share(seed):
    # 可得电子's 材料费, 87.0%, is the largest share of a real category; 鸿城节能's 100%
    # 未分项 used to be the darkest cell.
    ax = draw.structure_heatmap(seed.categories)
    assert ax.images[0].norm.vmax == pytest.approx(0.9)


@requires_cjk
@pytest.mark.parametrize(("level", "table"), [("category", "by_category"), ("group", "by_group")])
def test_program_structure_splits_each_category_by_source(seed, level, table):
    by = getattr(seed, table)
    ax = draw.program_structure(by, level=level)
    names = category_names(by["category"]) if level == "category" else group_names(by["group"])
    assert tick_labels(ax) == names.tolist()  # in the vocabulary's order, 未分项 last
    for key in ("special", "self_raised"):
        drawn = widths(ax, label(key))
        assert drawn.to_dict() == pytest.approx(dict(zip(names, by[key], strict=True)))
    for name, row in zip(names, by.itertuples(), strict=True):
        assert row_texts(ax, name)[-1] == f"{wan(row.total)}（{percent(row.category_share)}）"
    assert "县域创新跃升计划" in ax.get_title(loc="left")


@requires_cjk
def test_program_structure_by_category_from_the_report(seed):
    ax = draw.program_structure(seed.by_category)
    # 设备费: 北塑管业 170 (32 special) + 天成科技 125 (60 special).
    assert widths(ax, "专项资金")["设备费"] == 92
    assert widths(ax, "自筹资金")["设备费"] == 203
    assert row_texts(ax, "未分项")[-1] == "62.00（9.2%）"


@requires_cjk
def test_program_structure_of_one_project_names_the_project(seed):
    beisu = seed.categories[seed.categories["organization"] == "北塑管业"]
    ax = draw.program_structure(beisu)
    assert ax.get_title(loc="left") == "北塑管业：项目预算结构（按预算科目）"
    assert widths(ax, "专项资金")["设备费"] == 32
    assert widths(ax, "自筹资金")["设备费"] == 170 - 32


# --- leverage and execution ----------------------------------------------------------------


@requires_cjk
def test_leverage_bars_are_sorted_and_labelled_one_to_x(seed):
    ax = draw.leverage_bars(seed.projects)
    expected = seed.projects.sort_values("leverage", ascending=False)
    assert tick_labels(ax) == expected["organization"].tolist()
    assert widths(ax, "撬动比").to_numpy() == pytest.approx(expected["leverage"].to_numpy())
    # 北塑管业: 188 / 52 = 3.615…
    assert row_texts(ax, "北塑管业") == [leverage(188 / 52)] == ["1 : 3.62"]
    assert "会计比率" in note(ax)


def test_program_leverage_is_the_reference_line(seed):
    ax = draw.leverage_bars(seed.projects, lang="en")
    reference = [line for line in ax.lines if line.get_gid() == "reference"]
    assert len(reference) == 1
    program = seed.programs["leverage"].iloc[0]
    assert reference[0].get_xdata()[0] == pytest.approx(program) == pytest.approx(2.36)
    assert label("program_reference", "en", value="1 : 2.36") in {t.get_text() for t in ax.texts}
    # Two projects: the line is their own ratio of sums, not the mean of their leverages.
    two = seed.projects.iloc[:2]
    given = draw.leverage_bars(two, lang="en")
    expected = two["self_raised"].sum() / two["special"].sum()
    assert expected != pytest.approx(two["leverage"].mean())
    line = [ln.get_xdata()[0] for ln in given.lines if ln.get_gid() == "reference"]
    assert line == [pytest.approx(expected)]


@requires_cjk
def test_execution_draws_only_projects_with_actuals(seed):
    ax = draw.execution(seed.projects)
    reported = seed.projects[seed.projects["self_raised_actual"].notna()]
    assert tick_labels(ax) == reported["organization"].tolist() == ["鸿城节能"]
    # 鸿城节能: 22 万元 spent of a 20 万元 self-raised budget.
    assert widths(ax, "预算执行率")["鸿城节能"] == pytest.approx(22 / 20)
    assert row_texts(ax, "鸿城节能") == ["110.0%（实际 22.00 / 预算 20.00 万元）"]
    assert [ln.get_xdata()[0] for ln in ax.lines if ln.get_gid() == "reference"] == [1.0]
    assert note(ax) == "仅 1 个项目报告实际数；另 3 个项目无实际数，未列入"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_one_reporting_project_is_a_bar_not_a_block(seed, lang):
    ax = draw.execution(seed.projects, lang=lang)
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    (bar,) = ax.patches
    height = bar.get_window_extent(renderer).height
    assert height <= 0.25 * ax.get_window_extent(renderer).height
    assert label("one_with_actuals", lang, n=3) in note(ax)


def test_execution_without_any_actual_says_so(seed):
    projects = seed.projects.assign(self_raised_actual=np.nan)
    ax = draw.execution(projects, lang="en")
    assert not ax.patches
    assert label("none_with_actuals", "en") in {t.get_text() for t in ax.texts}
    assert label("no_actuals", "en", n=len(projects)) in note(ax)


# --- funding flow ------------------------------------------------------------------------------


def flow_nodes(ax) -> pd.DataFrame:
    rows = [
        (*p.get_gid().split(":")[1:], p.get_height())
        for p in ax.patches
        if (p.get_gid() or "").startswith("node:")
    ]
    return pd.DataFrame(rows, columns=["column", "key", "height"]).set_index(["column", "key"])


def test_funding_flow_nodes_are_to_scale(seed):
    ax = draw.funding_flow(seed.categories, lang="en")
    nodes = flow_nodes(ax)["height"]
    program = seed.programs.iloc[0]
    by = seed.by_category.set_index("category")["total"]
    expected = pd.concat(
        [
            pd.Series(
                {("0", "special"): program["special"], ("0", "self_raised"): program["self_raised"]}
            ),
            seed.projects.set_index("project_id")["total"].rename(lambda k: ("1", k)),
            by.rename(lambda k: ("2", k)),
        ]
    )
    scale = nodes / expected.reindex(nodes.index)
    assert set(nodes.index) == set(expected.index)
    assert scale.to_numpy() == pytest.approx(scale.iloc[0])
    written = {t.get_text() for t in ax.texts}
    assert f"Special fund  {wan(program['special'])}" in written
    assert f"Unallocated  {wan(by['unallocated'])}" in written


def test_funding_flow_takes_the_measures_too(seed):
    from_table = flow_nodes(draw.funding_flow(seed.categories, lang="en"))["height"]
    from_measures = flow_nodes(draw.funding_flow(seed, lang="en"))["height"]
    assert from_measures.to_dict() == pytest.approx(from_table.to_dict())


# --- many projects -----------------------------------------------------------------------------


def others_of(ms, top: int = TOP, by: str = "special") -> pd.DataFrame:
    """Return the projects outside the top N by special fund (or by), as the test computes
    them."""
    return ms.projects.sort_values(by, ascending=False, kind="stable").iloc[top:]


def test_generated_program_loads_with_the_expected_shape(many):
    assert len(many.projects) == N_GENERATED
    assert (many.projects["n_lines"] == 0).any()
    assert many.projects["self_raised_actual"].notna().any()


def test_top_projects_plus_others_sum_exactly_to_the_program(many):
    shown = top_projects(many.projects, TOP)
    assert len(shown) == TOP + 1
    assert shown["project_id"].iloc[-1] == OTHERS
    assert shown["n_projects"].sum() == N_GENERATED
    for key in ("special", "self_raised", "total"):
        assert in_fen(shown[key]) == in_fen(many.programs[key])
    kept = many.projects.nlargest(TOP, "special", keep="first")["project_id"]
    assert shown["project_id"].iloc[:TOP].tolist() == kept.tolist()


@requires_cjk
def test_funding_split_of_many_projects_sums_to_the_program(many):
    ax = draw.funding_split(many.projects, top=TOP)
    others = label("others", n=N_GENERATED - TOP)
    assert len(tick_labels(ax)) == TOP + 1
    assert tick_labels(ax)[-1] == others == "其他 480 个项目"
    for key in ("special", "self_raised"):
        drawn = widths(ax, label(key))
        assert in_fen(drawn) == in_fen(many.programs[key])
        assert in_fen(drawn[others]) == in_fen(others_of(many, by="total")[key])
    # The others bar dwarfs the rest, so it is cut at the axis with its full total written.
    total = wan(others_of(many, by="total")["total"].sum())
    assert total in row_texts(ax, others)
    assert ax.get_xlim()[1] < others_of(many)["total"].sum()
    assert "截断" in note(ax)


@requires_cjk
def test_two_projects_of_one_company_are_told_apart(many):
    # The company has the two largest special funds: the leverage chart shows both.
    ax = draw.leverage_bars(many.projects, top=TOP)
    twins = many.projects[many.projects["organization"] == "双项目公司"]["project_id"]
    assert {f"双项目公司 ({pid})" for pid in twins} <= set(tick_labels(ax))


@requires_cjk
@pytest.mark.parametrize("level", ["category", "group"])
def test_budget_structure_of_many_projects_sums_to_the_program(many, level):
    table = many.categories if level == "category" else many.groups
    ax = draw.budget_structure(table, level=level, top=TOP)
    bars = bar_table(ax)
    assert bars["row"].nunique() == TOP + 1
    assert in_fen(bars["width"]) == in_fen(many.programs["total"])
    per_detail = bars.groupby("series")["width"].sum()
    by = many.by_category if level == "category" else many.by_group
    names = category_names(by["category"]) if level == "category" else group_names(by["group"])
    expected = dict(zip(names, by["total"], strict=True))
    assert {k: in_fen([v]) for k, v in per_detail.items()} == {
        k: in_fen([v]) for k, v in expected.items()
    }


@requires_cjk
def test_heatmap_others_row_is_the_others_structure(many):
    ax = draw.structure_heatmap(many.categories, top=TOP)
    cells = heat_cells(ax)
    assert cells.shape[0] == TOP + 1
    rest = others_of(many, by="total")["project_id"]
    rest = many.categories[many.categories["project_id"].isin(rest)]
    sums = rest.groupby("category")["total"].sum()
    columns = [t.get_text() for t in ax.get_xticklabels()]
    names = category_names(pd.Series(sums.index))
    expected = sums.to_numpy() / sums.sum()
    drawn = [cells[-1, columns.index(n)] for n in names]
    assert drawn == pytest.approx(expected)
    assert np.nansum(cells, axis=1) == pytest.approx(1.0)


@requires_cjk
def test_leverage_of_others_is_a_ratio_of_sums(many):
    ax = draw.leverage_bars(many.projects, top=TOP)
    rest = others_of(many)
    others = label("others", n=len(rest))
    expected = rest["self_raised"].sum() / rest["special"].sum()
    assert widths(ax, "撬动比")[others] == pytest.approx(expected)
    assert row_texts(ax, others) == [leverage(expected)]
    assert tick_labels(ax)[-1] == others
    drawn = widths(ax, "撬动比").drop(others)
    assert drawn.is_monotonic_decreasing
    reference = [ln.get_xdata()[0] for ln in ax.lines if ln.get_gid() == "reference"]
    assert reference == pytest.approx([many.programs["leverage"].iloc[0]])


@requires_cjk
def test_execution_of_many_projects(many):
    ax = draw.execution(many.projects, top=TOP)
    reported = many.projects[many.projects["self_raised_actual"].notna()]
    rest = reported.sort_values("special", ascending=False, kind="stable").iloc[TOP:]
    others = label("others", n=len(rest))
    expected = rest["self_raised_actual"].sum() / rest["self_raised"].sum()
    assert widths(ax, "预算执行率")[others] == pytest.approx(expected)
    assert f"{len(many.projects) - len(reported)} 个项目无实际数" in note(ax)


def test_funding_flow_of_many_projects_keeps_top_n_nodes(many):
    ax = draw.funding_flow(many.categories, top=10, lang="en")
    nodes = flow_nodes(ax)["height"]
    assert len(nodes.loc["1"]) == 11
    assert OTHERS in nodes.loc["1"].index
    # Every column holds the whole program, so the three columns are equally tall.
    column_sums = nodes.groupby(level="column").sum()
    assert column_sums.to_numpy() == pytest.approx(column_sums.iloc[0])
    written = {t.get_text() for t in ax.texts}
    rest = many.programs["total"].iloc[0] - many.projects.nlargest(10, "special")["total"].sum()
    assert f"{N_GENERATED - 10} other projects  {wan(rest)}" in written


def test_amount_ticks_have_thousands_separators(many):
    ax = draw.budget_structure(many.categories, lang="en")
    formatter = ax.xaxis.get_major_formatter()
    assert formatter(1500) == "1,500"
    assert formatter(2.5) == "2.5"
    assert ax.get_xlim()[0] == 0


# --- fonts ---------------------------------------------------------------------------------------

CHARTS = {
    "funding_split": lambda ms, **kw: draw.funding_split(ms.projects, **kw),
    "funding_split_percent": lambda ms, **kw: draw.funding_split(ms.projects, percent=True, **kw),
    "budget_structure": lambda ms, **kw: draw.budget_structure(ms.categories, **kw),
    "budget_structure_group": lambda ms, **kw: draw.budget_structure(
        ms.groups, level="group", **kw
    ),
    "structure_heatmap": lambda ms, **kw: draw.structure_heatmap(ms.categories, **kw),
    "program_structure": lambda ms, **kw: draw.program_structure(ms.by_category, **kw),
    "program_structure_group": lambda ms, **kw: draw.program_structure(
        ms.by_group, level="group", **kw
    ),
    "leverage_bars": lambda ms, **kw: draw.leverage_bars(ms.projects, **kw),
    "execution": lambda ms, **kw: draw.execution(ms.projects, **kw),
    "funding_flow": lambda ms, **kw: draw.funding_flow(ms.categories, **kw),
    "funding_flow_group": lambda ms, **kw: draw.funding_flow(ms.groups, level="group", **kw),
}


def drawn_warnings(draw) -> list[warnings.WarningMessage]:
    """Return every warning raised while drawing a chart to screen (Agg) and to SVG."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ax = draw()
        ax.figure.canvas.draw()
        ax.figure.savefig(io.BytesIO(), format="svg")
    return caught


def glyph_missing(caught) -> list[str]:
    return [
        str(w.message)
        for w in caught
        if "Glyph" in str(w.message) or "missing from" in str(w.message)
    ]


@requires_cjk
@pytest.mark.parametrize("data", ["seed", "many"])
@pytest.mark.parametrize("chart", list(CHARTS))
def test_every_chart_in_chinese_has_every_glyph(request, data, chart):
    ms = request.getfixturevalue(data)
    caught = drawn_warnings(lambda: CHARTS[chart](ms))
    assert glyph_missing(caught) == []
    assert not [w for w in caught if issubclass(w.category, fonts.CJKFontMissingWarning)]


@requires_cjk
def test_chart_on_an_axes_made_elsewhere_still_draws_chinese(seed):
    _, ax = plt.subplots()  # made outside the charts' style, with the default font
    figures = plt.get_fignums()
    caught = drawn_warnings(lambda: draw.budget_structure(seed.categories, ax=ax))
    assert glyph_missing(caught) == []
    assert plt.get_fignums() == figures


def test_charts_leave_global_settings_alone(seed):
    before = {k: plt.rcParams[k] for k in ("font.family", "axes.unicode_minus", "font.size")}
    _, ax = plt.subplots()
    assert draw.leverage_bars(seed.projects, ax=ax) is ax
    assert {k: plt.rcParams[k] for k in before} == before


def test_without_a_cjk_font_charts_fall_back_to_english_with_one_warning(monkeypatch, seed):
    monkeypatch.setattr(fonts, "installed_families", lambda: set())
    monkeypatch.setattr(fonts, "_warned", False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        axes = [draw(seed) for draw in CHARTS.values()]
        for ax in axes:
            ax.figure.canvas.draw()
    fallback = [w for w in caught if issubclass(w.category, fonts.CJKFontMissingWarning)]
    assert len(fallback) == 1
    assert "fonts-noto-cjk" in str(fallback[0].message)
    assert glyph_missing(caught) == []
    split = axes[0]
    assert split.get_title(loc="left") == label("chart_funding_split", "en")
    assert legend_labels(split) == ["Special fund", "Self-raised"]
    # Chinese company names would be empty boxes: the project ids stand in for them.
    expected = seed.projects.sort_values("total", ascending=False)["project_id"]
    assert tick_labels(split) == expected.tolist()
    assert split.get_xlabel() == label("unit_wan_latin", "en")
    assert "Unallocated" in legend_labels(axes[2])


def test_chart_lang_falls_back_only_for_chinese(monkeypatch):
    monkeypatch.setattr(fonts, "installed_families", lambda: {"DejaVu Sans"})
    monkeypatch.setattr(fonts, "_warned", False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert fonts.chart_lang("en") == "en"
        assert caught == []
        assert fonts.chart_lang("zh") == "en"
        assert fonts.chart_lang("zh") == "en"
    assert len(caught) == 1
    with pytest.raises(ValueError):
        fonts.chart_lang("fr")


def test_cjk_font_is_found_among_installed_ones(monkeypatch):
    monkeypatch.setattr(
        fonts, "installed_families", lambda: {"DejaVu Sans", "SimHei", "WenQuanYi Zen Hei"}
    )
    assert fonts.find_cjk_font() == "WenQuanYi Zen Hei"
    assert fonts.font_family() == ("WenQuanYi Zen Hei", "DejaVu Sans")


# --- files ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("chart", ["budget_structure", "structure_heatmap", "funding_flow"])
def test_saved_files_are_byte_identical_for_the_same_data(tmp_path, seed, chart):
    written = []
    for run in ("first", "second"):
        ax = CHARTS[chart](seed)
        written.append(draw.save(ax.figure, tmp_path / run / chart))
        plt.close(ax.figure)
    first, second = written
    assert [p.name for p in first] == [f"{chart}.png", f"{chart}.svg"]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes()
    svg = first[1].read_text(encoding="utf-8")
    assert "<dc:date>" not in svg
    with Image.open(first[0]) as png:
        assert png.info["dpi"] == pytest.approx((PNG_DPI, PNG_DPI), abs=0.01)
        assert "Software" not in png.info


@pytest.mark.parametrize("data", ["seed", "many"])
@pytest.mark.parametrize("chart", list(CHARTS))
def test_every_artist_lies_inside_the_figure(request, data, chart):
    """save() writes the whole figure rather than measuring a tight box for each file:
    that clips nothing only while the layout keeps every label inside the figure."""
    figure = CHARTS[chart](request.getfixturevalue(data)).figure
    figure.draw_without_rendering()
    box = figure.get_tightbbox(figure.canvas.get_renderer())
    width, height = figure.get_size_inches()
    assert box.x0 >= 0 and box.y0 >= 0, box
    assert box.x1 <= width + 1e-9 and box.y1 <= height + 1e-9, (box, width, height)


def test_charts_save_nothing_by_themselves(tmp_path, seed, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for chart in CHARTS.values():
        chart(seed)
    assert list(Path(tmp_path).iterdir()) == []


# --- units ---------------------------------------------------------------------------------------


def is_percent_axis(axis) -> bool:
    formatter = axis.get_major_formatter()
    return getattr(formatter, "func", None) is _percent_tick


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("data", ["seed", "many"])
@pytest.mark.parametrize("chart", list(CHARTS))
def test_a_percentage_axis_carries_no_unit_of_money(request, data, chart, lang):
    ax = CHARTS[chart](request.getfixturevalue(data), lang=lang)
    if not is_percent_axis(ax.xaxis):
        return
    for unit in ("万元", "10,000 yuan", label("unit_wan", lang), label("unit_wan_latin", lang)):
        assert unit not in note(ax)
        assert unit not in ax.get_xlabel()


def test_execution_is_drawn_on_a_percentage_axis(seed):
    # The test above looks only at charts with a percentage axis: make sure it sees one.
    assert is_percent_axis(draw.execution(seed.projects).xaxis)
    assert is_percent_axis(draw.funding_split(seed.projects, percent=True).xaxis)
