"""The table each chart draws, worked out here so that the drawing code only draws.

As seaborn keeps its estimators apart from its plotters, every chart of analysis.draw takes
one of these tables: the top N projects by special fund and one 其他 N 个项目 row, shares
and ratios of sums, the totals at the end of each bar. The notebooks print the same table
under each chart, so the figures printed (which nbval compares) and the bars drawn cannot
disagree. Each function marks its table (``table.attrs["chart"]``) and returns a table it
has already marked unchanged, so a chart given either a measure table or its own table
draws the same thing. Each also carries the scope of the rows it was made from
(``table.attrs["scope"]``, analysis.measure.scope): the programs and years its title names.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.measure.measures import exact_sum, ratio, with_ratios
from analysis.measure.scope import scope_of
from analysis.measure.top import OTHERS, top_projects
from analysis.words.registry import FUNDING
from analysis.words.vocabulary import (
    CATEGORIES,
    FEN_PER_WAN,
    GROUPS,
    UNALLOCATED,
    UNKNOWN_GROUP,
    fen,
)

DETAILS = ("category", "group")


def detail_order(codes: pd.Series, level: str) -> list[str]:
    """Return the codes present, in the vocabulary's order; unknown, then unallocated, last."""
    vocabulary = (CATEGORIES if level == "category" else GROUPS)["code"].tolist()
    present = set(codes.dropna())
    extra = sorted(present - set(vocabulary) - {UNKNOWN_GROUP, UNALLOCATED})
    tail = [c for c in (UNKNOWN_GROUP, UNALLOCATED) if c in present]
    return [c for c in vocabulary if c in present] + extra + tail


def _marked(table: pd.DataFrame, chart: str, **attrs: object) -> pd.DataFrame:
    table.attrs.update(chart=chart, **attrs)
    return table


def _already(table: pd.DataFrame, chart: str) -> bool:
    return table.attrs.get("chart") == chart


def check_level(level: str) -> str:
    """Return level if it is 'category' or 'group', else raise ValueError."""
    if level not in DETAILS:
        raise ValueError(f"level must be 'category' or 'group', not {level!r}")
    return level


def overall(projects: pd.DataFrame) -> pd.Series:
    """Return the sums over all the projects given and their ratios (a ratio of sums).

    This is the program's figure when the projects are one program's, and the reference
    line of the leverage chart: 1 : x over every project, not the mean of their ratios.
    """
    summed = exact_sum(projects.assign(_all=0), ["_all"], list(FUNDING))
    return with_ratios(summed).drop(columns="_all").iloc[0]


def funding(projects: pd.DataFrame, top: int | None = 20) -> pd.DataFrame:
    """Return the funding chart's table: one row per project shown, the rest as one row.

    Columns: project_id, organization, special, self_raised, total (万元), n_projects,
    special_share, self_raised_share, leverage, multiplier; the top N by total budget,
    largest first (the chart prints each total at its bar's end), the OTHERS row last.
    """
    if _already(projects, "funding"):
        return projects
    table = with_ratios(top_projects(projects, top, by="total"))
    return _marked(table, "funding", top=top, by="total", scope=scope_of(projects))


def structure(parts: pd.DataFrame, level: str = "category", top: int | None = 20) -> pd.DataFrame:
    """Return the budget-structure chart's table: one row per project shown × category (or
    group), with each project's total (project_total) for the end of its bar.

    parts is Measures.categories (level category or group) or Measures.groups (group).
    Projects are the top N by total budget, largest first, the OTHERS row last.
    """
    if _already(parts, "structure"):
        return parts
    level = check_level(level)
    shown = top_projects(parts, top, detail=level, by="total")
    totals = exact_sum(shown, ["project_id"], ["total"]).set_index("project_id")["total"]
    shown["project_total"] = shown["project_id"].map(totals).to_numpy()
    return _marked(shown, "structure", top=top, level=level, by="total", scope=scope_of(parts))


def shares(categories: pd.DataFrame, top: int | None = 20) -> pd.DataFrame:
    """Return the heatmap's table: each category's share of its project's summed categories.

    One row per project shown × category (Measures.categories); share_of_total adds up to
    100% over each project's rows, where its lines reconcile with its budget.
    """
    if _already(categories, "shares"):
        return categories
    shown = structure(categories, "category", top)
    table = shown.assign(share_of_total=ratio(fen(shown["total"]), fen(shown["project_total"])))
    return _marked(table, "shares", top=top, level="category", by="total")


def program_structure(parts: pd.DataFrame, level: str = "category") -> pd.DataFrame:
    """Return the program-structure chart's table: per category (or group), the money by
    source and its share of the whole budget.

    parts is Measures.by_category or .by_group, or Measures.categories or .groups (all of
    them or one project's rows); rows over several programs, years or projects are summed
    in whole 分. program, year, project_id and organization are kept where the rows share
    one value (the chart's title names that program or project), empty otherwise.
    """
    if _already(parts, "program_structure"):
        return parts
    level = check_level(level)
    summed = exact_sum(parts, [level], list(FUNDING))
    whole = fen(summed["total"]).sum()
    summed["category_share"] = ratio(fen(summed["total"]), np.full(len(summed), whole))
    for key in ("program", "year", "project_id", "organization"):
        if key in parts:
            values = parts[key].drop_duplicates()
            summed[key] = values.iloc[0] if len(values) == 1 else None
    return _marked(summed, "program_structure", level=level, scope=scope_of(parts))


def leverage(projects: pd.DataFrame, top: int | None = 20) -> pd.DataFrame:
    """Return the leverage chart's table: the projects shown, highest leverage first, the
    OTHERS row last, and those without a leverage (no special fund) at the end.

    attrs["reference"] is the leverage over every project given (see `overall`), the
    chart's reference line; attrs["scope"] says what it is the ratio over.
    """
    if _already(projects, "leverage"):
        return projects
    shown = with_ratios(top_projects(projects, top))
    others = shown["project_id"].eq(OTHERS).to_numpy()
    missing = shown["leverage"].isna().to_numpy()
    ranked = shown[~others & ~missing].sort_values("leverage", ascending=False, kind="stable")
    table = pd.concat([ranked, shown[others & ~missing], shown[missing]], ignore_index=True)
    reference = float(overall(projects)["leverage"])
    return _marked(table, "leverage", top=top, reference=reference, scope=scope_of(projects))


def execution(projects: pd.DataFrame, top: int | None = 20) -> pd.DataFrame:
    """Return the execution chart's table: the projects that report an actual figure, their
    self-raised budget, actual and execution_rate (a ratio of sums for the OTHERS row).

    attrs["not_reported"] counts the projects without an actual figure (not drawn).
    """
    if _already(projects, "execution"):
        return projects
    reported = projects[projects["self_raised_actual"].notna()]
    ids = projects["project_id"].drop_duplicates()
    not_reported = len(ids) - reported["project_id"].nunique()
    shown = top_projects(reported, top) if len(reported) else reported.iloc[:0]
    rate = ratio(fen(shown["self_raised_actual"]), fen(shown["self_raised"]))
    table = shown.assign(execution_rate=rate)
    return _marked(table, "execution", top=top, not_reported=not_reported, scope=scope_of(projects))


def flow(parts: pd.DataFrame, level: str = "category", top: int | None = 10) -> pd.DataFrame:
    """Return the funding flow's table: its nodes and links, in the order they are drawn.

    One row per node (part "node": column 0 sources, 1 projects, 2 categories or groups;
    key; value) and per link (part "link": column 0 source → project, 1 project → detail;
    key is the source, target the destination; value). Only positive money flows: a zero
    amount has no band, nor has a negative one (which rule R01 reports), and
    attrs["left_out"] counts the negative ones. A node's value is the larger of the money
    that reaches it and the money that leaves it, so every band starts and ends within it.
    """
    if _already(parts, "flow"):
        return parts
    level = check_level(level)
    shown = top_projects(parts, top, detail=level)
    projects = shown["project_id"].drop_duplicates().tolist()
    sources = list(FUNDING[:2])
    per_project = exact_sum(shown, ["project_id"], sources).set_index("project_id")
    inflow = per_project.reindex(projects)[sources].stack().rename("value").reset_index()
    inflow.columns = ["target", "key", "value"]
    inflow = inflow.sort_values("key", key=lambda s: s.map(sources.index), kind="stable")
    details = detail_order(shown[level], level)
    outflow = pd.DataFrame(
        {"key": shown["project_id"], "target": shown[level], "value": shown["total"]}
    )
    outflow = outflow.sort_values(
        "target", key=lambda s: s.map({c: i for i, c in enumerate(details)}), kind="stable"
    )
    links = pd.concat([inflow.assign(column=0), outflow.assign(column=1)], ignore_index=True)
    positive = links["value"].to_numpy() > 0
    left_out = int((links["value"].to_numpy() < 0).sum())
    links = links[positive].reset_index(drop=True)

    def node_values(column: int, keys: list) -> np.ndarray:
        leaving = links[links["column"].eq(column)]
        reaching = links[links["column"].eq(column - 1)]
        out = exact_sum(leaving, ["key"], ["value"]).set_index("key")["value"]
        into = exact_sum(reaching, ["target"], ["value"]).set_index("target")["value"]
        return np.fmax(out.reindex(keys).to_numpy(), into.reindex(keys).to_numpy())

    nodes = pd.concat(
        [
            pd.DataFrame({"column": c, "key": keys, "value": node_values(c, keys)})
            for c, keys in ((0, sources), (1, projects), (2, details))
        ],
        ignore_index=True,
    )
    nodes = nodes[nodes["value"].to_numpy() > 0]
    names = shown.drop_duplicates("project_id").set_index("project_id")
    table = pd.concat([nodes.assign(part="node"), links.assign(part="link")], ignore_index=True)
    table["organization"] = table["key"].map(names["organization"])
    table["n_projects"] = table["key"].map(names["n_projects"])
    table["value"] = np.rint(table["value"].to_numpy() * FEN_PER_WAN) / FEN_PER_WAN
    return _marked(
        table[["part", "column", "key", "target", "value", "organization", "n_projects"]],
        "flow",
        top=top,
        level=level,
        left_out=left_out,
        scope=scope_of(parts),
    )
