"""Every word a person reads, in Chinese and English, from one dictionary.

`label(key, lang)` gives one label: a column's header from the registry
(analysis.words.registry), any other word from LABELS; `lang="en"` switches every table
header, chart label and message at once. Category and group names come from the
vocabulary tables.
"""

from __future__ import annotations

import pandas as pd

from analysis.words.registry import COLUMNS
from analysis.words.scoring import term_names
from analysis.words.vocabulary import (
    CATEGORIES,
    GROUPS,
    UNALLOCATED,
    UNALLOCATED_NAMES,
    UNKNOWN_GROUP,
)

LANGS = ("zh", "en")

LABELS: dict[str, tuple[str, str]] = {
    # words inside tables
    "error": ("错误", "error"),
    "warning": ("警告", "warning"),
    # reconciliation
    "yes": ("相符", "yes"),
    "no": ("不符", "NO"),
    "project": ("项目", "Project"),
    "no_findings": ("未发现问题", "No findings"),
    "derived_total": ("总预算 = 专项资金 + 自筹资金", "total = special + self-raised"),
    "derived_self_raised": ("自筹资金 = 总预算 − 专项资金", "self-raised = total − special"),
    "derived_total+self_raised": (
        "总预算 = 明细合计；自筹资金 = 总预算 − 专项资金",
        "total = sum of lines; self-raised = total − special",
    ),
    "program_whole": ("计划整体", "Program as a whole"),
    # words around tables and charts
    "unit_wan": ("单位：万元", "Unit: 万元 (10,000 yuan)"),
    "accounting_caveat": (
        "撬动比与放大倍数是会计比率，不能证明专项资金带动了企业投入（额外性）。",
        "Leverage and multiplier are accounting ratios, not proof that the subsidy "
        "caused the company's spending (additionality).",
    ),
    "all_projects": ("全部项目", "All projects"),
    "others": ("其他 {n} 个项目", "{n} other projects"),
    "validate_ok": ("未发现错误", "no errors found"),
    "validate_counts": (
        "错误 {errors} 项，警告 {warnings} 项",
        "{errors} errors, {warnings} warnings",
    ),
    "data": ("数据", "data"),
    "bundled_data": ("内置示例数据", "the bundled data"),
    # charts
    "unit_wan_latin": ("单位：万元", "Unit: 10,000 yuan"),
    "chart_funding_split": ("各项目资金来源", "Funding by source, per project"),
    "chart_funding_mix": ("各项目资金来源构成", "Funding mix, per project"),
    "chart_structure_category": ("各项目预算结构（按预算科目）", "Project budgets by category"),
    "chart_structure_group": ("各项目预算结构（按费用类别）", "Project budgets by cost group"),
    "chart_heatmap": (
        "各预算科目占项目总预算的比例",
        "Each category's share of the project budget",
    ),
    "chart_program_category": ("计划预算结构（按预算科目）", "Program budget by category"),
    "chart_program_group": ("计划预算结构（按费用类别）", "Program budget by cost group"),
    "chart_project_category": ("项目预算结构（按预算科目）", "Project budget by category"),
    "chart_project_group": ("项目预算结构（按费用类别）", "Project budget by cost group"),
    "chart_leverage": ("各项目撬动比", "Leverage per project"),
    "leverage_axis": (
        "每 1 元专项资金对应的自筹资金（元）",
        "Self-raised yuan per yuan of special fund",
    ),
    "leverage_note": (
        "撬动比 = 自筹资金 ÷ 专项资金，为会计比率，不证明专项资金带动了企业投入。",
        "Leverage = self-raised ÷ special fund: an accounting ratio, not proof of additionality.",
    ),
    "program_reference": ("计划整体 {value}", "Program {value}"),
    "chart_execution": ("自筹资金预算执行率", "Execution of the self-raised budget"),
    "execution_axis": ("实际使用 ÷ 预算", "Actual ÷ budget"),
    "execution_amounts": (
        "{rate}（实际 {actual} / 预算 {budget}）",
        "{rate} (actual {actual} / budget {budget})",
    ),
    "execution_full": ("预算 100%", "Budget 100%"),
    "no_actuals": (
        "{n} 个项目无实际数，未列入",
        "{n} projects report no actual figure (not shown)",
    ),
    "none_with_actuals": ("没有项目报告实际数", "No project reports an actual figure"),
    "no_leverage": (
        "{n} 个项目无法计算撬动比，未列入",
        "{n} projects without a leverage (not shown)",
    ),
    "chart_flow": (
        "资金流向：来源 → 项目 → 预算科目",
        "Funding flow: source → project → category",
    ),
    "chart_flow_group": (
        "资金流向：来源 → 项目 → 费用类别",
        "Funding flow: source → project → cost group",
    ),
    "cut_note": (
        "“{name}”条形过长，在断开处截断，右端数字为其合计",
        "The bar '{name}' is cut at the break; the figure at its end is its full total",
    ),
    "flow_sources": ("资金来源", "Source"),
    "no_money": ("没有可绘制的正数金额", "No positive amounts to draw"),
    "flow_left_out": (
        "{n} 笔负数金额无法绘出（见数据质量）",
        "{n} negative amounts are not drawn (see data quality)",
    ),
    "top_note": (
        "按专项资金取前 {top} 个项目，其余合并",
        "Top {top} projects by special fund; the rest combined",
    ),
    # performance self-evaluation (绩效自评)
    "reported_of": ("（{k}/{n} 个项目报告）", " ({k} of {n} projects report)"),
    # the codes of the 自评 vocabulary: indicator levels, directions, grades, score statuses
    **term_names(),
}

_INDEX = {"zh": 0, "en": 1}


def check_lang(lang: str) -> str:
    """Return lang if it is one we write in, else raise ValueError."""
    if lang not in _INDEX:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    return lang


def label(key: str, lang: str = "zh", **fields: object) -> str:
    """Return the label for key in lang (a column's header, or a word), {fields} filled in."""
    found = LABELS.get(key)
    if found is None:
        found = (COLUMNS[key].zh, COLUMNS[key].en)
    text = found[_INDEX[check_lang(lang)]]
    return text.format(**fields) if fields else text


def has_label(key: str) -> bool:
    """Return whether key is a column or word the dictionary knows."""
    return key in LABELS or key in COLUMNS


def category_names(
    codes: pd.Series, lang: str = "zh", categories: pd.DataFrame | None = None
) -> pd.Series:
    """Return the display name of each category code (unknown codes as given)."""
    table = CATEGORIES if categories is None else categories
    names = dict(zip(table["code"], table[f"name_{check_lang(lang)}"], strict=True))
    names[UNALLOCATED] = UNALLOCATED_NAMES[lang]
    return codes.map(names).fillna(codes)


def group_names(codes: pd.Series, lang: str = "zh") -> pd.Series:
    """Return the display name of each 2021-reform group code."""
    names = dict(zip(GROUPS["code"], GROUPS[f"name_{check_lang(lang)}"], strict=True))
    names[UNALLOCATED] = UNALLOCATED_NAMES[lang]
    names[UNKNOWN_GROUP] = "未知科目" if lang == "zh" else "Unknown category"
    return codes.map(names).fillna(codes)
