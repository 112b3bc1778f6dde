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
    UNKNOWN_GROUP,
)

LANGS = ("zh", "en")

# The data-quality rules by their code names (analysis.check.rules RULES), as people read them.
RULE_NAMES: dict[str, tuple[str, str]] = {
    "negative_amount": ("金额为负数", "Negative amount"),
    "duplicate_project_id": ("项目编号重复", "Project id repeated"),
    "line_of_unknown_project": ("明细所属项目不存在", "Budget line of an unknown project"),
    "unknown_category": ("未知预算科目", "Unknown budget category"),
    "line_special_above_total": ("科目专项经费超过科目预算",
                                 "A line's special part above its total"),
    "project_special_above_total": ("专项资金超过项目总预算",
                                    "Special fund above the project total"),
    "project_figures_disagree": ("专项与自筹之和不等于总预算",
                                 "Special plus self-raised is not the total"),
    "project_total_unknown": ("总预算无法确定", "Project total unknown"),
    "lines_total_mismatch": ("科目预算合计与总预算不符", "Lines do not add up to the total"),
    "lines_special_mismatch": ("科目专项经费合计与专项资金不符",
                               "Lines' special parts do not add up to the special fund"),
    "program_special_mismatch": ("项目专项资金合计与计划总额不符",
                                 "Projects do not add up to the program's total"),
    "duplicate_program": ("计划重复申报", "Program declared twice"),
    "program_not_declared": ("计划未申报专项资金总额", "Program total not declared"),
    "program_without_projects": ("计划没有项目", "Program without projects"),
    "execution_above_100": ("执行率超过 100%", "Execution above 100%"),
    "no_breakdown": ("没有分科目明细", "No budget breakdown"),
    "corrected_figure": ("更正过的数字", "Corrected figure"),
    "repeated_category": ("科目重复出现", "Category on several lines"),
    "received_above_budget": ("到位数超过预算", "Received above budget"),
    "actual_above_budget": ("实际支出超过预算", "Spent above budget"),
    "actual_without_budget": ("无预算却有到位或支出", "Received or spent without a budget"),
    "line_actuals_mismatch": ("科目实际支出合计与项目不符",
                              "Lines' actuals do not add up to the project's"),
    "leverage_below_minimum": ("撬动比低于计划最低要求", "Leverage below the program's minimum"),
    "indicator_weights_off": ("绩效指标分值合计不符", "Indicator weights do not add up"),
    "unknown_indicator_term": ("绩效指标用语无法识别", "Unknown indicator term"),
    "qualitative_score_above_weight": ("定性指标得分超过分值",
                                       "Qualitative score above its weight"),
    "indicator_not_scored": ("绩效指标无法评分", "Indicator cannot be scored"),
    "indicator_score_disagrees": ("指标得分与评分规则不符", "Score differs from the scoring rule"),
    "indicator_of_unknown_project": ("指标所属项目不存在", "Indicator of an unknown project"),
}  # fmt: skip

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
    "not_given": ("未填", "not given"),
    "all_programs": ("全部计划", "All programs"),
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
        "{rate}（实际 {actual} / 预算 {budget} 万元）",
        "{rate} (actual {actual} / budget {budget}, 10,000 yuan)",
    ),
    "one_with_actuals": (
        "仅 1 个项目报告实际数；另 {n} 个项目无实际数，未列入",
        "Only one project reports an actual figure; {n} more report none (not shown)",
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
    "amount_and_share": ("{amount}（{share}）", "{amount} ({share})"),
    "titled_for": ("{name}：{title}", "{title}: {name}"),
    "unknown_group": ("未知科目", "Unknown category"),
    "unallocated": ("未分项", "Unallocated"),
    "no_money": ("没有可绘制的正数金额", "No positive amounts to draw"),
    "flow_left_out": (
        "{n} 笔负数金额无法绘出（见数据质量）",
        "{n} negative amounts are not drawn (see data quality)",
    ),
    # scope: which programs and years a table or chart covers (analysis.measure.scope)
    "list_separator": ("、", ", "),
    "sentence_separator": ("", " "),
    "and_then": ("{first}；{then}", "{first}; {then}"),
    "scope_programs": ("{n} 个计划", "{n} programs"),
    "scope_years": ("{years} 年", "{years}"),
    "scope_reference": ("{scope}合计 {value}", "Overall ({scope}) {value}"),
    "scope_statement": (
        "数据范围：{years}，{n_years} 个年度，{programs}，{n_projects} 个项目。",
        "The data: {years}, {n_years} years, {programs}, {n_projects} projects.",
    ),
    "scope_one_year": (
        "数据只有 {year} 年一个年度（{programs}，{n_projects} 个项目）：下列图表列出该年度的数字，"
        "不画趋势，也没有可比较的上一年度。",
        "The data hold one year only, {year} ({programs}, {n_projects} projects): the charts "
        "below show that year's figures; no trend is drawn and there is no earlier year to "
        "compare with.",
    ),
    "scope_region": ("地区：{region}。", "Region: {region}."),
    "missing_years": ("缺少 {years} 年的数据。", "No data for {years}."),
    # comparisons across years, programs and organizations
    "chart_years": ("各年度资金来源", "Funding by source, per year"),
    "chart_trend_ratios": ("各年度撬动比与专项资金占比", "Leverage and special share per year"),
    "chart_program_ratios": (
        "各计划撬动比与专项资金占比",
        "Leverage and special share per program",
    ),
    "chart_year_category": ("各年度预算结构（按预算科目）", "Budget per year, by category"),
    "chart_year_group": ("各年度预算结构（按费用类别）", "Budget per year, by cost group"),
    "chart_spread_leverage": ("项目撬动比的分布", "How project leverage is spread"),
    "chart_spread_special_share": ("项目专项资金占比的分布", "How the special share is spread"),
    "chart_spread_total": ("项目总预算的分布", "How project size (total budget) is spread"),
    "one_year_note": ("仅 {year} 年一个年度：不构成趋势", "One year only ({year}): not a trend"),
    "missing_years_note": ("缺少 {years} 年的数据", "No data for {years}"),
    "ratio_of_sums_note": (
        "各点为该年度该计划全部项目的合计之比，不是各项目比值的平均",
        "Each point is a ratio of the sums of that year's projects, not a mean of ratios",
    ),
    "spread_note": (
        "箱体为上、下四分位数，中线为中位数，须线至第 5 和第 95 百分位数；◆ 为合计之比",
        "Boxes span the quartiles, the line is the median, whiskers reach the 5th and 95th "
        "percentiles; ◆ is the ratio of the sums",
    ),
    "spread_total_note": (
        "箱体为上、下四分位数，中线为中位数，须线至第 5 和第 95 百分位数；◆ 为平均总预算",
        "Boxes span the quartiles, the line is the median, whiskers reach the 5th and 95th "
        "percentiles; ◆ is the mean total budget",
    ),
    "spread_points_note": ("每个点为一个项目", "Each dot is one project"),
    "ratio_of_sums_marker": ("合计之比", "Ratio of the sums"),
    "median_label": ("中位数 {value}", "median {value}"),
    "no_figure": ("{n} 个项目无此项数字，未列入", "{n} projects without this figure (not shown)"),
    "none_with_figure": ("没有项目有此项数字", "No project has this figure"),
    "n_projects_short": ("{n} 个项目", "{n} projects"),
    "log_scale_note": ("对数刻度", "Log scale"),
    "no_changes": (
        "只有一个年度，没有可比较的上一年度",
        "One year only: there is no earlier year to compare with",
    ),
    "top_organizations": (
        "共 {n} 家单位，列出前 {top} 家",
        "{n} organizations; the first {top} listed",
    ),
    "no_returning": (
        "没有在一个以上年度获得资助的单位",
        "No organization was funded in more than one year",
    ),
    "share_of_year": ("占该年度总预算", "Share of the year's budget"),
    "share_axis": ("专项资金占总预算的比例", "Special fund as a share of the total budget"),
    # the index of a run --by year|program|region (analysis.report.slices)
    "index_title": ("专项资金项目分析报告", "Special-fund projects: the report"),
    "index_all": ("全部数据", "All the data"),
    "index_by_year": ("按年度", "By year"),
    "index_by_program": ("按计划", "By program"),
    "index_by_region": ("按地区", "By region"),
    "index_pages": ("页面", "Pages"),
    "index_failed": ("未能生成", "failed"),
    "index_unsliced": (
        "另有 {n} 个项目未填地区，不在任何地区的页面中。",
        "{n} more projects name no region and are in no region's pages.",
    ),
    "notebook_overview": ("总览", "Overview"),
    "notebook_categories": ("预算结构", "Budget structure"),
    "notebook_leverage": ("撬动比", "Leverage"),
    "notebook_trends": ("跨年度比较", "Across years"),
    "notebook_data_quality": ("数据质量", "Data quality"),
    "notebook_evaluation": ("绩效自评", "Self-evaluation"),
    "notebook_project": ("单个项目", "One project"),
    "heatmap_unallocated_note": (
        "灰色斜线格为未分项（项目未填预算明细），不计入色阶",
        "Hatched grey cells are unallocated money (no budget lines): not on the colour scale",
    ),
    "by_total_note": ("按总预算从大到小排列", "Ordered by total budget, largest first"),
    "by_total_top_note": (
        "按总预算从大到小排列，取前 {top} 个项目，其余合并为最后一行",
        "Top {top} projects by total budget, largest first; the rest combined in the last row",
    ),
    "top_note": (
        "按专项资金取前 {top} 个项目，其余合并",
        "Top {top} projects by special fund; the rest combined",
    ),
    # performance self-evaluation (绩效自评)
    "reported_of": ("（{k}/{n} 个项目报告）", " ({k}/{n} projects reporting)"),
    # the evaluation's charts (analysis.draw.evaluation)
    "chart_arrival_execution": ("资金到位率与执行率", "Money received and spent, by source"),
    "no_rates": (
        "{n} 个项目未报告到位数或执行数，未列入",
        "{n} projects report no money received or spent (not shown)",
    ),
    "none_with_rates": (
        "没有项目报告资金到位数或执行数",
        "No project reports money received or spent",
    ),
    "rate_axis": ("到位数或实际支出 ÷ 预算", "Received or spent ÷ budget"),
    "full_mark_note": ("虚线为预算的 100%", "The dashed line is 100% of the budget"),
    "others_rates_note": (
        "按专项资金取前 {top} 个项目，其余合并：其比率为报告该数字的项目之和之比",
        "Top {top} projects by special fund; the rest combined, their rates ratios of the "
        "sums of the projects that report each figure",
    ),
    "chart_category_variance": ("分科目预算与实际支出", "Budget against actual, by category"),
    "none_with_line_actuals": (
        "没有预算明细报告实际支出（决算）",
        "No budget line reports what was spent",
    ),
    "variance_note": (
        "只计报告了实际支出的预算明细；括号内为偏差率（实际 − 预算）÷ 预算",
        "Only the budget lines that report what was spent; in brackets the variance share, "
        "(actual − budget) ÷ budget",
    ),
    "chart_leverage_minimum": ("撬动比与计划最低要求", "Leverage against the program's minimum"),
    "shortfall_text": ("，差 {amount} 万元", ", {amount} 万元 short"),
    "no_minimum": ("计划未规定最低撬动比", "The program sets no minimum leverage"),
    "chart_scores": ("自评得分及其构成", "Self-evaluation scores and their parts"),
    "unscored_note": ("{n} 个项目{why}，未评分", "{n} projects not scored: {why}"),
    "none_scored": ("没有可评分的项目", "No project can be scored"),
    "score_axis": ("得分（满分 100）", "Score (out of 100)"),
    "bands_note": ("点线为等级界限：{bands}", "Dotted lines are the grade bands: {bands}"),
    "chart_grades": ("自评等级分布", "Grades"),
    "unscored_total": ("另有 {n} 个项目未评分", "{n} more projects have no score"),
    "unscored": ("未评分", "Not scored"),
    "no_rows": ("（无）", "(none)"),
    "rows_shown": (
        "…… 共 {n} 行，此处列出前 {shown} 行；全部见 tables/ 下的表格",
        "… the first {shown} of {n} rows; every row is in the tables/ folder",
    ),
    # the 项目支出绩效自评表 (analysis.report.self_evaluation)
    "form_title": ("项目支出绩效自评表", "Project expenditure performance self-evaluation"),
    "form_summary_title": (
        "{program}项目支出绩效自评汇总表",
        "{program}: performance self-evaluation, summary",
    ),
    "form_year": ("（{year} 年度）", "({year})"),
    "form_project_name": ("项目名称", "Project"),
    "form_department": ("主管部门", "Supervising department"),
    "form_organization": ("实施单位", "Implementing organization"),
    "form_money": ("项目资金（万元）", "Funds (万元)"),
    "form_initial": ("年初预算数", "Initial budget"),
    "form_full_year": ("全年预算数", "Full-year budget"),
    "form_spent": ("全年执行数", "Spent in the year"),
    "form_points": ("分值", "Weight"),
    "form_rate": ("执行率", "Execution rate"),
    "form_score": ("得分", "Score"),
    "form_annual_total": ("年度资金总额", "Total funds of the year"),
    "form_fiscal": ("其中：本年财政拨款", "of which: this year's appropriation"),
    "form_carried_over": ("上年结转资金", "Carried over from last year"),
    "form_other": ("其他资金", "Other funds"),
    "form_self_raised_note": (
        "企业自筹资金 {budget} 万元，到位 {received}，实际使用 {spent}（执行率 {rate}），"
        "不计入年度资金总额。",
        "The company's own money: {budget} 万元 budgeted, {received} received, {spent} spent "
        "(execution {rate}); not part of the total funds of the year.",
    ),
    "form_goal": ("年度总体目标", "Overall goal of the year"),
    "form_goal_planned": ("预期目标", "Planned"),
    "form_goal_achieved": ("实际完成情况", "Achieved"),
    "form_indicators": ("绩效指标", "Performance indicators"),
    "form_total": ("总分", "Total score"),
    "form_grade": ("自评等级", "Grade"),
    "form_unreported": ("未报告", "not reported"),
    "form_program_money": ("计划资金", "The program's funds"),
    "form_source": ("资金来源", "Source"),
    "form_budget": ("预算数", "Budget"),
    "form_received": ("到位数", "Received"),
    "form_arrival": ("到位率", "Arrival rate"),
    "form_actual": ("实际支出", "Spent"),
    "form_execution": ("执行率", "Execution rate"),
    "form_projects": ("各项目自评结果", "Each project's self-evaluation"),
    "form_grades": ("等级分布", "Grades"),
    "form_unscored": ("未评分", "Not scored"),
    "form_sheet_summary": ("汇总", "Summary"),
    "form_sheets_note": (
        "本工作簿为专项资金最多的 {top} 个项目（共 {n} 个）各附一张自评表。",
        "A form follows for each of the {top} projects with the largest special fund (of {n}).",
    ),
    # the codes of the 自评 vocabulary: indicator levels, directions, grades, score statuses
    **term_names(),
    # the data-quality rules (analysis.check.rules), by their code names
    **RULE_NAMES,
    # the fields of the rules' messages, where `fund-analysis rules` prints a template
    # (the other fields are columns of the registry)
    "field_note_zh": ("更正说明", "the correction's note (Chinese)"),
    "field_note_en": ("更正说明（英文）", "the correction's note"),
    "field_figure_zh": ("资金项", "figure (Chinese)"),
    "field_figure_en": ("资金项（英文）", "figure"),
    "field_done_zh": ("到位或支出", "received or spent (Chinese)"),
    "field_done_en": ("到位或支出（英文）", "received or spent"),
    "field_problem_zh": ("问题", "problem (Chinese)"),
    "field_problem_en": ("问题（英文）", "problem"),
    "field_lacking_zh": ("缺少的内容", "what is missing (Chinese)"),
    "field_lacking_en": ("缺少的内容（英文）", "what is missing"),
    "field_rate": ("比率", "rate"),
    "field_points": ("分数", "points"),
    "field_computed": ("按规则计算的得分", "computed score"),
    "field_weight_points": ("分值", "weight"),
    "field_leverage_text": ("撬动比", "leverage"),
    "field_minimum_text": ("最低撬动比", "minimum leverage"),
    # the sheets of summary.xlsx, by the file stem of each table (analysis.report.tables)
    "sheet_programs": ("计划汇总", "Programs"),
    "sheet_projects": ("项目", "Projects"),
    "sheet_by_category": ("科目结构", "By category"),
    "sheet_by_group": ("费用类别", "By group"),
    "sheet_categories": ("项目科目明细", "Project categories"),
    "sheet_years": ("年度", "Years"),
    "sheet_organizations": ("承担单位", "Organizations"),
    "sheet_regions": ("地区", "Regions"),
    "sheet_reconciliation": ("核对", "Reconciliation"),
    "sheet_findings": ("数据质量", "Data quality"),
    "sheet_indicators": ("绩效指标", "Indicators"),
    "sheet_by_category_variance": ("科目执行", "Budget vs actual"),
    "sheet_scores": ("各项目得分", "Scores"),
    "header_unit": ("{header}（万元）", "{header} (万元)"),
    # the 说明 (About) sheet of every workbook (analysis.report.xlsx)
    "about_sheet": ("说明", "About"),
    "about_title": ("说明", "About this workbook"),
    "about_scope": ("数据范围", "Data"),
    "about_source": ("数据来源", "Source"),
    "about_file": ("源文件", "Source file"),
    "about_sha256": ("SHA-256 校验值", "SHA-256"),
    "about_time": ("生成时间", "Written"),
    "about_version": ("程序版本", "Program"),
    "about_unit": ("金额单位", "Amounts"),
    "about_unit_text": (
        "万元（保留两位小数；工作表中的数字可直接计算）",
        "万元 (10,000 yuan), two decimals; the figures are numbers, ready for formulas",
    ),
    "about_manifest": (
        "各文件的校验值与 manifest.json 一致，可据此核对数据未被改动。",
        "The checksums match manifest.json: they show the data was not changed.",
    ),
    # pages, the index and the Word report (analysis.report.html, index, docx)
    "page_scope": ("数据范围：{scope}", "Data: {scope}"),
    "page_back": ("← 报告目录", "← The report's index"),
    "page_title": ("{heading} · {scope}", "{heading} · {scope}"),
    "headline": (
        "{n} 个项目 · 专项资金 {special} 万元 · 总预算 {total} 万元 · 撬动比 {leverage}",
        "{n} projects · special fund {special} 万元 · total budget {total} 万元 · "
        "leverage {leverage}",
    ),
    "index_written": ("生成于 {time}", "Written {time}"),
    "index_documents": ("文档与表格", "Documents and tables"),
    "index_projects": ("各项目", "Projects"),
    "file_docx": ("分析报告（Word）", "The report (Word)"),
    "file_summary": ("汇总表（Excel）", "Tables (Excel)"),
    "file_self_evaluation": ("绩效自评表（Excel）", "Self-evaluation forms (Excel)"),
    "file_manifest": ("运行记录（manifest.json）", "The run's record (manifest.json)"),
    "doc_figure": ("图", "Figure"),
    "doc_table": ("表", "Table"),
    "doc_contents": (
        "本报告由 fund-analysis 生成，图表与网页版一致。",
        "Written by fund-analysis; its charts and tables are those of the HTML pages.",
    ),
    "doc_rows_left": (
        "表中列出前 {top} 行（共 {n} 行），全部见 tables/summary.xlsx。",
        "The first {top} of {n} rows; every row is in tables/summary.xlsx.",
    ),
    "doc_no_evaluation": (
        "数据中没有资金到位、实际支出或绩效指标，本报告不含绩效自评部分。",
        "The data report no money received or spent and no indicators: there is no "
        "self-evaluation part.",
    ),
    "doc_missing_figure": ("（图未生成）", "(the chart was not drawn)"),
    "doc_caption": ("{kind} {n}　{text}", "{kind} {n}. {text}"),
    "doc_table_caption": ("{caption}（{unit}）", "{caption}. {unit}"),
    "doc_missing_notebook": (
        "（本部分未生成：笔记本 {name} 没有运行成功，见 manifest.json。）",
        "(This part is missing: the notebook {name} did not run; see manifest.json.)",
    ),
    "doc_error": (
        "（此处一步运行出错，结果未列出，见 notebooks/{name}.ipynb。）",
        "(A step failed here and its result is left out; see notebooks/{name}.ipynb.)",
    ),
    # unusable input: read.* and errors.InputError
    "input.missing_file": ("找不到文件", "file not found"),
    "input.not_a_file": ("不是普通文件", "not a regular file"),
    "input.unreadable": ("无法读取", "cannot be read"),
    "input.too_large": ("超出可读取的上限", "beyond what can be read"),
    "input.repeated": ("重复出现", "appears twice"),
    "input.unwritable": ("无法写入", "cannot be written"),
    "input.would_overwrite": ("已有同名文件，未加 --force 不覆盖", "holds files it would replace"),
    "input.empty_file": ("文件为空", "file is empty"),
    "input.bad_encoding": ("无法识别文件编码", "unreadable encoding"),
    "input.malformed": ("表格结构有误", "malformed table"),
    "input.missing_column": ("缺少列", "missing column"),
    "input.missing_value": ("缺少必填值", "missing value"),
    "input.not_a_number": ("应为数字", "not a number"),
    "input.too_precise": ("金额精度超过 0.01 元", "amount finer than 0.01 yuan"),
    "input.out_of_range": ("金额超出范围", "amount out of range"),
    "input.unknown_unit": ("未知金额单位", "unknown unit"),
    "input.bad_value": ("取值无效", "invalid value"),
    "input.no_match": ("数据中没有符合条件的项目", "no project in the data matches"),
    "input.usage": ("用法错误", "usage error"),
    # why a report's figure is not in extract's tables (or what became of it)
    "reason.vague": ("金额未以数字给出", "the amount is not given as a number"),
    "reason.words": (
        "金额以汉字数字书写，无法可靠换算",
        "the amount is written in Chinese numerals",
    ),
    "reason.colon": ("冒号后不是可读的金额", "what follows the colon is not an amount"),
    "reason.no_unit": (
        "金额缺少单位（元、万元或亿元）",
        "the amount has no unit (元, 万元 or 亿元)",
    ),
    "reason.cn_amount": (
        "金额以汉字数字书写，无法可靠换算",
        "an amount written in Chinese numerals",
    ),
    "reason.amount": ("金额前没有可识别的科目或字段名称", "no label the parser knows precedes it"),
    "reason.too_precise": ("金额精度超过 0.01 元", "the amount is finer than 0.01 元"),
    "reason.no_project": ("此数字前没有提到任何项目", "no project is named before this figure"),
    "reason.no_special": ("报告未给出该项目的专项资金", "the report gives no special fund for it"),
    "reason.no_program_name": (
        "标题中没有计划名称，计划专项资金总额无法写入 programs.csv",
        "the title names no program, so its total cannot go into programs.csv",
    ),
    "reason.no_program_total": ("报告未给出计划专项资金总额", "the report gives no program total"),
    "reason.no_source": (
        "未指明是专项资金还是自筹资金",
        "not said whether it is special-fund or self-raised money",
    ),
    "reason.whole_project": (
        "是项目整体的金额，未分专项资金和自筹资金，表中没有此列",
        "is the whole project's, not split into special fund and self-raised money, "
        "and the tables have no column for it",
    ),
    "reason.no_budget_for_whole": (
        "称资金已全部到位，但报告未给出该来源的预算金额",
        "says the money arrived in full, but the report gives no amount of that source",
    ),
    "reason.rate_without_amount": (
        "只给出比率，未给出对应金额；表中只录入金额",
        "a rate without the amount it is a rate of; the tables hold amounts",
    ),
    "reason.carried_over": (
        "上年结转资金在表中没有对应的列",
        "the tables have no column for carry-over",
    ),
    "reason.other_funds": (
        "其他资金不是专项资金，表中没有对应的列",
        "other funds are not the special fund, and the tables have no column for them",
    ),
    "reason.initial": (
        "项目的年初预算数与全年预算数不同，表中只录入全年预算数",
        "the project's initial budget differs from its full-year one; the tables hold the "
        "full-year budget",
    ),
    "reason.cut_money": (
        "自评表在项目资金之前中断，未录入任何数字",
        "the form stops before its figures; nothing of it is entered",
    ),
    "reason.cut_row": (
        "绩效指标行不完整（应有三级指标、年度指标值、实际完成值、分值和得分），未录入",
        "an indicator row cut short (it needs the indicator, target, actual, weight and "
        "score); not entered",
    ),
    "reason.no_indicators": ("自评表在绩效指标之前中断", "the form stops before its indicators"),
    # the kinds of what extract says about a report's figures
    "issue.unread": ("无法读取", "unread"),
    "issue.conflict": ("数字冲突", "conflicting figure"),
    "issue.missing": ("缺少数字", "missing figure"),
    "issue.corrected": ("已更正", "corrected"),
    "issue.doubtful": ("单位存疑", "doubtful unit"),
    "issue.absent": ("未见数字", "not in the report"),
    "issue.disagree": ("前后数字不符", "figures disagree"),
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


def pair(key: str) -> tuple[str, str]:
    """Return a word of the dictionary in both languages: (Chinese, English)."""
    return LABELS[key]


def has_label(key: str) -> bool:
    """Return whether key is a column or word the dictionary knows."""
    return key in LABELS or key in COLUMNS


def category_names(
    codes: pd.Series, lang: str = "zh", categories: pd.DataFrame | None = None
) -> pd.Series:
    """Return the display name of each category code (unknown codes as given)."""
    table = CATEGORIES if categories is None else categories
    names = dict(zip(table["code"], table[f"name_{check_lang(lang)}"], strict=True))
    names[UNALLOCATED] = label("unallocated", lang)
    return codes.map(names).fillna(codes)


def group_names(codes: pd.Series, lang: str = "zh") -> pd.Series:
    """Return the display name of each 2021-reform group code."""
    names = dict(zip(GROUPS["code"], GROUPS[f"name_{check_lang(lang)}"], strict=True))
    names[UNALLOCATED] = label("unallocated", lang)
    names[UNKNOWN_GROUP] = label("unknown_group", lang)
    return codes.map(names).fillna(codes)
