"""Choose the projects a chart names one by one, and sum the rest into one row."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.measure.measures import exact_sum
from analysis.words.registry import kind

# The project_id of the one bar that stands for every project outside the top N.
OTHERS = "__others__"

# --- the one aggregation every project-level chart uses ---------------------------------


def top_projects(
    table: pd.DataFrame, top: int | None = 20, *, detail: str | None = None, by: str = "special"
) -> pd.DataFrame:
    """Return the table with every project outside the top N by special fund (or by the
    amount column ``by``, "total" for a chart that prints totals) summed into one row.

    table is one row per project (Measures.projects) or per project × detail
    (Measures.categories with detail="category" or "group", Measures.groups with "group").
    The result keeps project_id, organization, the detail column and the amount columns
    present (those of kind "amount" in the registry), summed in whole 分, plus
    n_projects; the summed row has project_id OTHERS and comes last, the others are ordered
    by the same amount, largest first. top=None, or at most top + 1 projects, keeps them all
    (one "other" project would hide a name for nothing).
    """
    if top is not None and top < 1:
        raise ValueError(f"top must be a positive number of projects or None, not {top!r}")
    amounts = [c for c in table.columns if kind(c) == "amount"]
    if by not in amounts:
        raise ValueError(f"by must be an amount column of the table, not {by!r}")
    sizes = exact_sum(table, ["project_id"], [by])
    order = sizes.sort_values(by, ascending=False, kind="stable")["project_id"]
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
