"""Every column a table of ours can hold: its name, kind, Chinese and English label, format.

One row per column answers every question about it: whether it is money (and so summed in
whole 分 and shown in 万元 with two decimals), a share (shown as a percentage), leverage
(1 : x), a count, a code that people read as a name, or text. Adding a measure is one row
here and one computation in analysis.measure.

Kinds and how people read them:
    amount      万元, two decimals, thousands separators: 1,234.50
    share       a fraction shown as a percentage with one decimal: 21.7%
    leverage    company yuan per special-fund yuan: 1 : 3.62
    ratio       a plain ratio with two decimals: 4.62
    change      a signed change in 万元 (or in a ratio), two decimals: +1,234.50, -0.25
    change_pct  a signed relative change, one decimal: +12.5%
    change_count  a signed change in a count: +3
    tolerance   a reconciliation tolerance in 万元, three decimals: 0.035
    points      points of a 自评 score, two decimals: 9.52
    count       a whole number, thousands separated: 1,200
    integer     a whole number as it is written: a year (2021), a row number (1234)
    category    a budget category code, read as its name (设备费)
    group       a 2021-reform group code, read as its name (业务费)
    word        a code read as a label of the dictionary (error → 错误)
    text        text shown as it is
    given       text shown as it is; an empty cell reads 未填 / not given (an optional column)

A rate above project level names the count of projects it is worked out over (`reported`):
beside the table's n_projects people then read 87.9%（4/5 个项目报告） in one cell.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.words.scoring import INDICATOR_LEVELS

KINDS = ("amount", "share", "leverage", "ratio", "change", "change_pct", "change_count",
         "tolerance", "count", "integer", "category", "group", "word", "text", "given",
         "points")  # fmt: skip

# How each numeric kind is written for people (Python) and in a workbook (Excel).
PYTHON_FORMATS = {
    "amount": "{:,.2f}",
    "share": "{:.1%}",
    "leverage": "1 : {:,.2f}",
    "ratio": "{:,.2f}",
    # "z": a change that rounds to nothing is +0.00, not -0.00
    "change": "{:+z,.2f}",
    "change_pct": "{:+z.1%}",
    "change_count": "{:+z,.0f}",
    "tolerance": "{:,.3f}",
    "count": "{:,.0f}",
    "integer": "{:.0f}",
    "points": "{:,.2f}",
}
EXCEL_FORMATS = {
    "amount": "#,##0.00",
    "share": "0.0%",
    "leverage": '"1 : "#,##0.00',
    "ratio": "0.00",
    "change": "+#,##0.00;-#,##0.00;0.00",
    "change_pct": "+0.0%;-0.0%;0.0%",
    "change_count": "+#,##0;-#,##0;0",
    "tolerance": "#,##0.000",
    "count": "#,##0",
    "integer": "0",
    "points": "0.00",
}


@dataclass(frozen=True)
class Column:
    """One column: its code name, kind (see KINDS), and its label in Chinese and English.

    reported: for a rate above project level, the column counting the projects it is
    worked out over (shown beside it as （k/n 个项目报告）).
    """

    name: str
    kind: str
    zh: str
    en: str
    reported: str | None = None

    def label(self, lang: str = "zh") -> str:
        """Return the column's header in lang ('zh' or 'en')."""
        return self.zh if lang == "zh" else self.en

    @property
    def python_format(self) -> str | None:
        """The format string people read the column's figures in (None: shown as they are)."""
        return PYTHON_FORMATS.get(self.kind)

    @property
    def excel_format(self) -> str | None:
        """The Excel number format of the column's figures (None: text or general)."""
        return EXCEL_FORMATS.get(self.kind)


COLUMNS: dict[str, Column] = {
    column.name: column
    for column in (
        # who and what
        Column("project_id", "text", "项目编号", "Project ID"),
        Column("year", "integer", "年度", "Year"),
        Column("program", "text", "计划", "Program"),
        Column("organization", "text", "承担单位", "Organization"),
        Column("region", "given", "地区", "Region"),
        Column("title", "text", "项目名称", "Project title"),
        Column("category", "category", "预算科目", "Category"),
        Column("group", "group", "费用类别", "Cost group"),
        Column("unit", "text", "单位", "Unit"),
        Column("note", "text", "备注", "Note"),
        # money (万元)
        Column("special", "amount", "专项资金", "Special fund"),
        Column("self_raised", "amount", "自筹资金", "Self-raised"),
        Column("total", "amount", "总预算", "Total budget"),
        Column("self_raised_actual", "amount", "自筹实际使用", "Self-raised spent"),
        Column(
            "self_raised_budget_reported", "amount", "对应自筹预算", "Self-raised budget (reported)"
        ),
        Column("declared_special", "amount", "计划专项总额", "Declared special total"),
        Column("special_total", "amount", "计划专项总额", "Declared special total"),
        Column("value", "amount", "金额", "Amount"),
        Column("expected", "amount", "应为", "Expected"),
        Column("declared", "amount", "申报数", "Declared"),
        Column("summed", "amount", "明细合计", "Sum of parts"),
        Column("difference", "amount", "差额", "Difference"),
        Column("tolerance", "tolerance", "容差", "Tolerance"),
        # ratios
        Column("special_share", "share", "专项资金占比", "Special share"),
        Column("self_raised_share", "share", "自筹资金占比", "Self-raised share"),
        Column("category_share", "share", "占总预算", "Share of budget"),
        Column("special_coverage", "share", "专项覆盖率", "Special coverage"),
        Column("special_split", "share", "占专项资金", "Share of special fund"),
        Column("execution_rate", "share", "预算执行率", "Execution rate"),
        Column("share_of_total", "share", "占项目总预算", "Share of the project's budget"),
        Column("leverage", "leverage", "撬动比", "Leverage"),
        Column("multiplier", "ratio", "放大倍数", "Multiplier"),
        # how a measure is spread over projects (analysis.measure.compare.spread)
        *(
            Column(f"{name}_{stat}", of, f"{zh}{stat_zh}", f"{en}, {stat_en}")
            for name, of, zh, en in (
                ("leverage", "leverage", "撬动比", "Leverage"),
                ("special_share", "share", "专项资金占比", "Special share"),
                ("total", "amount", "总预算", "Total budget"),
            )
            for stat, stat_zh, stat_en in (
                ("p25", "下四分位数", "lower quartile"),
                ("median", "中位数", "median"),
                ("p75", "上四分位数", "upper quartile"),
            )
        ),
        Column("total_mean", "amount", "平均总预算", "Mean total budget"),
        # counts
        Column("n_lines", "count", "明细行数", "Lines"),
        Column("n_projects", "count", "项目数", "Projects"),
        Column("n_summed", "count", "合计项数", "Figures summed"),
        Column("n_findings", "count", "发现数", "Findings"),
        Column("n_organizations", "count", "单位数", "Organizations"),
        Column("n_programs", "count", "计划数", "Programs"),
        Column("n_years", "count", "年度数", "Years"),
        Column("first_year", "integer", "首个年度", "First year"),
        Column("last_year", "integer", "最近年度", "Last year"),
        Column("years_present", "text", "出现年度", "Years present"),
        # year-over-year change (analysis.measure.compare.changes)
        Column("previous_year", "integer", "比较年度", "Compared with"),
        Column("n_projects_change", "change_count", "项目数增减", "Projects, change"),
        Column("special_change", "change", "专项资金增减", "Special fund, change"),
        Column("special_change_pct", "change_pct", "专项资金增减率", "Special fund, change %"),
        Column("self_raised_change", "change", "自筹资金增减", "Self-raised, change"),
        Column("self_raised_change_pct", "change_pct", "自筹资金增减率", "Self-raised, change %"),
        Column("total_change", "change", "总预算增减", "Total budget, change"),
        Column("total_change_pct", "change_pct", "总预算增减率", "Total budget, change %"),
        Column("leverage_change", "change", "撬动比增减", "Leverage, change"),
        Column("source_row", "integer", "行号", "Row"),
        # findings and reconciliation
        Column("rule", "text", "规则", "Rule"),
        Column("name", "word", "规则名", "Rule name"),
        Column("severity", "word", "级别", "Severity"),
        Column("file", "text", "文件", "File"),
        Column("column", "text", "列", "Column"),
        Column("message", "text", "说明", "Message"),
        Column("message_zh", "text", "说明", "Message (Chinese)"),
        Column("message_en", "text", "说明（英文）", "Message"),
        Column("level", "word", "层级", "Level"),
        Column("key", "text", "对象", "Item"),
        Column("figure", "word", "核对项", "Figure"),
        Column("ok", "word", "是否相符", "Reconciles"),
        Column("derived", "word", "推算项", "Derived"),
        Column("files", "text", "涉及文件", "Files"),
        # the nodes of a funding flow
        Column("stage", "text", "环节", "Stage"),
        Column("node", "text", "名称", "Name"),
        # performance self-evaluation (绩效自评): money received and spent, per source
        Column("special_received", "amount", "专项资金到位数", "Special fund received"),
        Column("special_actual", "amount", "专项资金实际支出", "Special fund spent"),
        Column("self_raised_received", "amount", "自筹资金到位数", "Self-raised received"),
        Column("special_received_budget", "amount", "对应专项预算（到位）",
               "Special budget (reporting receipt)"),
        Column("special_actual_budget", "amount", "对应专项预算（执行）",
               "Special budget (reporting spending)"),
        Column("self_raised_received_budget", "amount", "对应自筹预算（到位）",
               "Self-raised budget (reporting receipt)"),
        Column("special_initial", "amount", "年初预算数", "Initial budget"),
        Column("min_leverage", "leverage", "最低撬动比", "Minimum leverage"),
        Column("special_arrival_rate", "share", "专项到位率", "Special arrival",
               reported="n_special_received"),
        Column("special_execution_rate", "share", "专项执行率", "Special execution",
               reported="n_special_actual"),
        Column("self_raised_arrival_rate", "share", "自筹到位率", "Self-raised arrival",
               reported="n_self_raised_received"),
        Column("self_raised_execution_rate", "share", "自筹执行率", "Self-raised execution",
               reported="n_self_raised_actual"),
        Column("n_special_received", "count", "报告专项到位数的项目", "Reporting special received"),
        Column("n_special_actual", "count", "报告专项执行数的项目", "Reporting special spent"),
        Column("n_self_raised_received", "count", "报告自筹到位数的项目",
               "Reporting self-raised received"),
        Column("n_self_raised_actual", "count", "报告自筹执行数的项目",
               "Reporting self-raised spent"),
        # budget against actual, per category (决算)
        Column("budget", "amount", "预算数", "Budget"),
        Column("actual", "amount", "实际支出", "Actual"),
        Column("variance", "amount", "偏差（实际 − 预算）", "Variance (actual − budget)"),
        Column("variance_share", "share", "偏差率", "Variance share"),
        Column("special_budget", "amount", "专项预算数", "Special budget"),
        Column("special_variance", "amount", "专项偏差", "Special variance"),
        Column("special_variance_share", "share", "专项偏差率", "Special variance share"),
        Column("n_lines_actual", "count", "报告实际数的明细行", "Lines reporting actual"),
        Column("n_lines_special_actual", "count", "报告专项实际数的明细行",
               "Lines reporting special actual"),
        # the 自评 score (analysis.words.scoring)
        Column("n_indicators", "count", "绩效指标数", "Indicators"),
        Column("execution_score", "points", "预算执行率得分", "Execution score"),
        *(Column(f"{level.code}_score", "points", f"{level.zh}得分", f"{level.en} score")
          for level in INDICATOR_LEVELS),
        Column("indicator_score", "points", "绩效指标得分", "Indicator score"),
        Column("score", "points", "总分", "Score"),
        Column("grade", "word", "等级", "Grade"),
        Column("score_status", "word", "评分情况", "Scoring"),
        Column("n_scored", "count", "已评分项目", "Projects scored"),
        Column("n_unscored", "count", "未评分项目", "Projects not scored"),
        Column("level1", "word", "一级指标", "Level 1"),
        Column("level2", "word", "二级指标", "Level 2"),
        Column("indicator", "text", "三级指标", "Indicator"),
        Column("direction", "word", "指标方向", "Direction"),
        Column("target_shown", "text", "年度指标值", "Target"),
        Column("actual_shown", "text", "实际完成值", "Actual"),
        Column("target_value", "ratio", "年度指标值（数值）", "Target (number)"),
        Column("actual_value", "ratio", "实际完成值（数值）", "Actual (number)"),
        Column("weight", "points", "分值", "Weight"),
        Column("earned", "points", "得分", "Points earned"),
        Column("given_score", "points", "评价人给分", "Score given"),
        Column("reason", "text", "偏差原因分析及改进措施", "Deviation: causes and remedies"),
        Column("not_reported", "text", "未报告的数字", "Figures not reported"),
        Column("scoring_item", "text", "评分项目", "Item"),
        Column("scoring_rule", "text", "评分规则", "Rule"),
        Column("shortfall", "amount", "自筹缺口", "Self-raised shortfall"),
    )
}  # fmt: skip

# The three amounts every level of the measures holds, in the order people read them.
FUNDING = ("special", "self_raised", "total")


def column(name: str) -> Column | None:
    """Return the registry's row for a column name (None for a column it does not know)."""
    return COLUMNS.get(name)


def kind(name: str) -> str | None:
    """Return the kind of a column (None for a column the registry does not know)."""
    found = COLUMNS.get(name)
    return None if found is None else found.kind


def of_kind(*kinds: str) -> frozenset[str]:
    """Return the names of every column of the given kinds."""
    return frozenset(c.name for c in COLUMNS.values() if c.kind in kinds)
