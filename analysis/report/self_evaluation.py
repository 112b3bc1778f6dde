"""The 自评表 workbook: the program's summary first, then one 项目支出绩效自评表 per project.

`fund-analysis run` writes it as tables/自评表.xlsx (tables/self_evaluation.xlsx with
--lang en). Each project's sheet follows the layout of 财预〔2020〕10号: 项目名称, 主管部门
and 实施单位; 项目资金 (万元) with 年初预算数, 全年预算数, 全年执行数, 分值, 执行率 and 得分;
年度总体目标; 绩效指标 with 一级, 二级 and 三级指标, 年度指标值, 实际完成值, 分值, 得分 and
偏差原因分析及改进措施; 总分. A4, fitted to the page's width, borders, wrapped text and
repeated headings, so it prints as a bureau hands it in.

What goes where, and why:
- 年度资金总额 is the special fund (本年财政拨款), the money the 自评表 accounts for and the
  execution score is worked out on; the company's self-raised money is not part of it, and
  a note under the block gives its budget, receipt and spending where reported.
  上年结转资金 and 其他资金 have no figures in the tables and stay empty.
- A project's 年初预算数 and 全年预算数 are both its special fund (the tables have no
  adjusted budget per project); the summary gives the program's declared special_initial
  and special_total.
- A figure nobody reported stays empty; a project without indicators says 无绩效指标 where
  its indicators and its total score would be, never 0.
- Numbers are numbers with Excel formats (万元 with two decimals, percentages, points);
  every text cell is stored as text, never as a formula, whatever it starts with.
"""

from __future__ import annotations

import math
from copy import copy
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from analysis.measure.evaluation import grade_counts
from analysis.measure.measures import Measures
from analysis.read.load import Dataset
from analysis.report.xlsx import About, about_sheet, as_typed, print_setup, set_widths, write_table
from analysis.words.formats import display_width, missing
from analysis.words.labels import label
from analysis.words.registry import EXCEL_FORMATS
from analysis.words.scoring import EXECUTION, GRADES, TOTAL_POINTS, scoring_note

FILE_NAMES = {"zh": "自评表.xlsx", "en": "self_evaluation.xlsx"}

# Every project's score in one table (the 各项目得分 sheet), to sort and filter.
SCORE_COLUMNS = ("program", "year", "project_id", "organization", "title", "special",
                 "special_actual", "special_execution_rate", "execution_score",
                 "indicator_score", "score", "grade", "score_status")  # fmt: skip

# A 自评表 has nine columns: the indicators' table is the widest part.
WIDTHS = (12, 11, 17, 18, 11, 11, 8, 8, 22)
SUMMARY_WIDTHS = (14, 14, 26, 12, 15, 15, 12, 12, 10, 14)
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FONTS = {"zh": "宋体", "en": "Arial"}
_AMOUNT, _SHARE, _POINTS = EXCEL_FORMATS["amount"], EXCEL_FORMATS["share"], EXCEL_FORMATS["points"]
_SHEET_CHARACTERS = str.maketrans({c: "_" for c in "[]:*?/\\"})


def write_self_evaluation(
    measures: Measures,
    data: Dataset,
    path: Path,
    lang: str = "zh",
    project_sheets: int | None = None,
    about: About | None = None,
) -> Path:
    """Write the 自评表 workbook at path and return it.

    First the 说明 (About) sheet (analysis.report.xlsx; `about` None: worked out from the
    data, its files hashed), then one summary sheet per program and year listing every
    project, then 各项目得分, every project's score as one table to sort and filter, then a
    sheet per project in the order of the projects table: for every project, or
    (project_sheets = N) for the N largest by special fund, as `run` gives project
    notebooks; a form takes some 40 ms to write, and a province's 100,000 would take an hour.
    """
    book = Workbook()
    book.remove(book.active)
    about = about or About.of(data, lang)
    about_sheet(book, about, lang)
    projects = measures.projects.drop_duplicates("project_id")
    given = data.projects.drop_duplicates("project_id").set_index("project_id")
    names: set[str] = {label("about_sheet", lang).lower()}
    styles: dict = {}  # the workbook's cell styles by look (see _put)
    note = ""
    if project_sheets is not None and len(projects) > project_sheets:
        note = label("form_sheets_note", lang, top=project_sheets, n=len(projects))
    programs = measures.programs
    for row in programs.itertuples(index=False):
        own = projects[projects["program"].eq(row.program) & projects["year"].eq(row.year)]
        title = label("form_sheet_summary", lang)
        if len(programs) > 1:
            title = f"{title} {row.program} {row.year}"
        _summary(book.create_sheet(_sheet_name(title, names)), row, own, lang, styles, note)
    scores = book.create_sheet(_sheet_name(label("sheet_scores", lang), names))
    title = f"{label('sheet_scores', lang)} · {about.scope} · {label('unit_wan', lang)}"
    write_table(scores, projects[list(SCORE_COLUMNS)], lang, title=title)
    if note:
        largest = projects.sort_values("special", ascending=False, kind="stable")
        chosen = set(largest["project_id"].iloc[:project_sheets])
        projects = projects[projects["project_id"].isin(chosen)]
    for project in projects.itertuples(index=False):
        sheet = book.create_sheet(_sheet_name(str(project.project_id), names))
        indicators = measures.indicators[measures.indicators["project_id"].eq(project.project_id)]
        facts = given.loc[project.project_id] if project.project_id in given.index else None
        _project_sheet(sheet, project, facts, indicators, lang, styles)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _sheet_name(text: str, taken: set[str]) -> str:
    """Return a sheet name Excel accepts (≤ 31 characters, none of []:*?/\\), unique."""
    base = text.translate(_SHEET_CHARACTERS).strip("'") or "_"
    name, n = base[:31], 1
    while name.lower() in taken:
        n += 1
        name = f"{base[: 31 - len(str(n)) - 1]}~{n}"
    taken.add(name.lower())
    return name


# --- cells ------------------------------------------------------------------------------


def _put(
    sheet: Worksheet,
    row: int,
    column: int,
    value: object,
    *,
    last_column: int | None = None,
    number_format: str | None = None,
    bold: bool = False,
    size: float = 10.5,
    align: str = "center",
    border: bool = True,
    lang: str = "zh",
    styles: dict | None = None,
) -> None:
    """Write one cell (merged to last_column), as text or as a number, never as a formula.

    styles: the workbook's styles as applied so far, by look. openpyxl hashes every style
    object it is given; a cell that looks like one styled before takes that cell's style
    as it is, which makes a summary of 10,000 projects three times quicker to write.
    """
    styles = {} if styles is None else styles
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, float | int | np.floating | np.integer) and not isinstance(value, bool):
        number = float(value)
        cell.value = None if math.isnan(number) else number
    elif value is None or missing(value):
        cell.value = None
    else:
        cell.value = as_typed(str(value))  # a control character as �, not a crash
        cell.data_type = "s"  # "=1+1" or "@x" stays text: a report holds no live formula
    horizontal = "right" if isinstance(cell.value, float) else align
    fmt = number_format if isinstance(cell.value, float) else None
    look = (lang, bold, size, horizontal, border, fmt)

    def style(target) -> None:
        target.font = Font(name=_FONTS[lang], bold=bold, size=size)
        target.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=True)
        if fmt:
            target.number_format = fmt
        if border:
            target.border = _BORDER

    _styled(cell, styles, look, style)
    end = last_column or column
    if end > column:
        sheet.merge_cells(start_row=row, start_column=column, end_row=row, end_column=end)
        if border:
            for c in range(column + 1, end + 1):
                other = sheet.cell(row=row, column=c)
                _styled(other, styles, "border", lambda t: setattr(t, "border", _BORDER))


def _styled(cell, styles: dict, look: object, style) -> None:
    """Give cell the style of look: as a cell of that look got it before, or anew."""
    known = styles.get(look)
    if known is None:
        style(cell)
        styles[look] = copy(cell._style)
    else:
        cell._style = copy(known)


def _height(sheet: Worksheet, row: int, texts: list[tuple[str, float]], points: float = 15) -> None:
    """Give a row the height its longest wrapped text needs (width in characters).

    Excel and LibreOffice do not grow a row for wrapped text in merged cells by themselves.
    """
    lines = 1
    for text, width in texts:
        # A CJK character takes about two character widths of the column.
        size = display_width(str(text or ""))
        lines = max(lines, math.ceil(size / max(width * 0.95, 1)))
    sheet.row_dimensions[row].height = max(points, lines * 14 + 4)


def _width(columns: range, widths: tuple[int, ...]) -> float:
    return float(sum(widths[c - 1] for c in columns))


def _print_setup(sheet: Worksheet, widths: tuple[int, ...], landscape: bool, last_row: int) -> None:
    """Set a form up for printing as the 财预 form prints: its own column widths, its title
    rows repeated, the whole form and nothing else on A4 (analysis.report.xlsx)."""
    set_widths(sheet, widths)
    print_setup(sheet, landscape)
    sheet.print_title_rows = "1:2"
    sheet.print_area = f"A1:{get_column_letter(len(widths))}{last_row}"


# --- one project's 自评表 ------------------------------------------------------------------


def _project_sheet(sheet, project, facts, indicators: pd.DataFrame, lang: str, styles) -> None:
    put = _writer(sheet, lang, styles)
    n = len(WIDTHS)
    put(1, 1, label("form_title", lang), last_column=n, bold=True, size=16, border=False)
    sheet.row_dimensions[1].height = 28
    put(2, 1, label("form_year", lang, year=project.year), last_column=n, border=False)
    put(3, 1, label("form_project_name", lang), bold=True)
    title = project.title if isinstance(project.title, str) and project.title else ""
    put(3, 2, title, last_column=n, align="left")
    _height(sheet, 3, [(title, _width(range(2, n + 1), WIDTHS))])
    put(4, 1, label("form_department", lang), bold=True)
    put(4, 2, "", last_column=4)
    put(4, 5, label("form_organization", lang), bold=True, last_column=6)
    put(4, 7, project.organization, last_column=n, align="left")
    _height(sheet, 4, [(label("form_department", lang), WIDTHS[0])])
    row = _money(put, sheet, project, lang, 5)
    row = _goal(put, sheet, facts, lang, row)
    row = _indicators(put, sheet, indicators, lang, row)
    put(row, 1, label("form_total", lang), last_column=6, bold=True)
    put(row, 7, TOTAL_POINTS, number_format=_POINTS, bold=True)
    if missing(project.score):
        put(row, 8, label(project.score_status, lang), last_column=n, bold=True)
    else:
        put(row, 8, project.score, number_format=_POINTS, bold=True)
        grade = label(project.grade, lang)
        put(row, n, f"{label('form_grade', lang)}：{grade}" if lang == "zh" else grade, bold=True)
    note = scoring_note(lang)
    put(row + 1, 1, note, last_column=n, align="left", size=9, border=False)
    _height(sheet, row + 1, [(note, _width(range(1, n + 1), WIDTHS) * 1.1)])
    _print_setup(sheet, WIDTHS, landscape=False, last_row=row + 1)


def _writer(sheet: Worksheet, lang: str, styles: dict):
    def put(row: int, column: int, value: object, **options) -> None:
        _put(sheet, row, column, value, lang=lang, styles=styles, **options)

    return put


def _money(put, sheet, project, lang: str, top: int) -> int:
    """Write the 项目资金 block from row top; return the row after it."""
    rows = 5  # header, 年度资金总额, 本年财政拨款, 上年结转资金, 其他资金
    # The heading breaks before its unit, not inside it.
    put(top, 1, label("form_money", lang).replace("（", "\n（"), bold=True)
    sheet.merge_cells(start_row=top, start_column=1, end_row=top + rows - 1, end_column=1)
    put(top, 2, "", last_column=3)
    headers = ["form_initial", "form_full_year", "form_spent", "form_points", "form_rate",
               "form_score"]  # fmt: skip
    for i, key in enumerate(headers):
        put(top, 4 + i, label(key, lang), bold=True)
    _height(sheet, top, [(label("form_money", lang), WIDTHS[0])])
    special, spent = project.special, project.special_actual
    rate, score = project.special_execution_rate, project.execution_score
    figures = [special, special, spent]
    put(top + 1, 2, label("form_annual_total", lang), last_column=3, align="left")
    put(top + 2, 2, label("form_fiscal", lang), last_column=3, align="left")
    for i, value in enumerate(figures):
        put(top + 1, 4 + i, value, number_format=_AMOUNT)
        put(top + 2, 4 + i, value, number_format=_AMOUNT)
    put(top + 1, 7, EXECUTION.points, number_format=_POINTS)
    put(top + 1, 8, rate, number_format=_SHARE)
    put(top + 1, 9, score, number_format=_POINTS)
    for r in (top + 2, top + 3, top + 4):
        for c in (7, 8, 9):
            put(r, c, "—")
    for r, key in ((top + 3, "form_carried_over"), (top + 4, "form_other")):
        put(r, 2, label(key, lang), last_column=3, align="left")
        for c in (4, 5, 6):
            put(r, c, None)
    for r in range(top + 1, top + rows):
        _height(sheet, r, [(label("form_fiscal", lang), WIDTHS[1] + WIDTHS[2])])
    row = top + rows
    reported = [project.self_raised_received, project.self_raised_actual]
    if any(not missing(v) for v in reported):
        unreported = label("form_unreported", lang)

        def amount(value: object) -> str:
            return unreported if missing(value) else f"{float(value):,.2f}"

        rate_text = project.self_raised_execution_rate
        note = label(
            "form_self_raised_note",
            lang,
            budget=amount(project.self_raised),
            received=amount(project.self_raised_received),
            spent=amount(project.self_raised_actual),
            rate=unreported if missing(rate_text) else f"{float(rate_text):.1%}",
        )
        put(row, 1, note, last_column=len(WIDTHS), align="left", size=9.5)
        _height(sheet, row, [(note, _width(range(1, len(WIDTHS) + 1), WIDTHS))])
        row += 1
    return row


def _goal(put, sheet, facts, lang: str, top: int) -> int:
    """Write the 年度总体目标 block from row top; return the row after it."""
    n = len(WIDTHS)
    put(top, 1, label("form_goal", lang), bold=True)
    sheet.merge_cells(start_row=top, start_column=1, end_row=top + 1, end_column=1)
    put(top, 2, label("form_goal_planned", lang), last_column=5, bold=True)
    put(top, 6, label("form_goal_achieved", lang), last_column=n, bold=True)
    goal = "" if facts is None or missing(facts.get("goal")) else str(facts["goal"])
    done = "" if facts is None or missing(facts.get("goal_result")) else str(facts["goal_result"])
    put(top + 1, 2, goal, last_column=5, align="left")
    put(top + 1, 6, done, last_column=n, align="left")
    _height(
        sheet,
        top + 1,
        [(goal, _width(range(2, 6), WIDTHS)), (done, _width(range(6, n + 1), WIDTHS))],
        points=40,
    )
    return top + 2


def _indicators(put, sheet, indicators: pd.DataFrame, lang: str, top: int) -> int:
    """Write the 绩效指标 block from row top; return the row after it."""
    n = len(WIDTHS)
    headers = ["level1", "level2", "indicator", "target_shown", "actual_shown", "form_points",
               "form_score", "reason"]  # fmt: skip
    put(top, 1, label("form_indicators", lang), bold=True)
    for i, key in enumerate(headers):
        put(top, 2 + i, label(key, lang), bold=True)
    _height(sheet, top, [(label("reason", lang), WIDTHS[-1])])
    if indicators.empty:
        put(top + 1, 2, label("no_indicators", lang), last_column=n)
        sheet.merge_cells(start_row=top, start_column=1, end_row=top + 1, end_column=1)
        return top + 2
    row = top + 1
    for item in indicators.itertuples(index=False):
        values = [label(item.level1, lang) if item.level1 else "",
                  label(item.level2, lang) if item.level2 else "", item.indicator,
                  item.target_shown, item.actual_shown]  # fmt: skip
        for i, value in enumerate(values):
            put(row, 2 + i, value, align="left" if i == 2 else "center")
        put(row, 7, item.weight, number_format=_POINTS)
        put(row, 8, item.earned, number_format=_POINTS)
        reason = "" if missing(item.reason) else str(item.reason)
        put(row, 9, reason, align="left")
        _height(
            sheet,
            row,
            [(str(v), WIDTHS[1 + i]) for i, v in enumerate(values)] + [(reason, WIDTHS[-1])],
        )
        row += 1
    sheet.merge_cells(start_row=top, start_column=1, end_row=row - 1, end_column=1)
    _merge_runs(sheet, indicators["level1"].tolist(), top + 1, 2)
    _merge_runs(sheet, (indicators["level1"] + "/" + indicators["level2"]).tolist(), top + 1, 3)
    return row


def _merge_runs(sheet: Worksheet, values: list[str], first_row: int, column: int) -> None:
    """Merge the cells of a column over each run of equal values (a level's indicators)."""
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            if i - start > 1:
                sheet.merge_cells(
                    start_row=first_row + start,
                    start_column=column,
                    end_row=first_row + i - 1,
                    end_column=column,
                )
            start = i


# --- the program's summary ------------------------------------------------------------------


def _summary(
    sheet: Worksheet, program, projects: pd.DataFrame, lang: str, styles: dict, sheets_note: str
) -> None:
    put = _writer(sheet, lang, styles)
    n = len(SUMMARY_WIDTHS)
    title = label("form_summary_title", lang, program=program.program)
    put(1, 1, title, last_column=n, bold=True, size=16, border=False)
    sheet.row_dimensions[1].height = 28
    put(2, 1, label("form_year", lang, year=program.year), last_column=n, border=False)
    put(3, 1, label("unit_wan", lang), last_column=n, align="right", border=False, size=9)
    row = _program_money(put, program, lang, 4)
    row = _project_results(put, sheet, projects, lang, row + 1)
    row = _grade_table(put, projects, lang, row + 1)
    note = scoring_note(lang) + (f" {sheets_note}" if sheets_note else "")
    put(row + 1, 1, note, last_column=n, align="left", size=9, border=False)
    _height(sheet, row + 1, [(note, _width(range(1, n + 1), SUMMARY_WIDTHS) * 1.1)])
    _print_setup(sheet, SUMMARY_WIDTHS, landscape=True, last_row=row + 1)


def _reported_format(count: object, total: object, lang: str) -> str:
    """Return a percentage format that shows the reporting count after the rate."""
    note = label("reported_of", lang, k=int(count or 0), n=int(total or 0)).replace('"', "")
    return f'{_SHARE}"{note}"'


def _program_money(put, program, lang: str, top: int) -> int:
    """Write the program's money by source: budget, received, arrival, spent, execution."""
    put(top, 1, label("form_program_money", lang), last_column=len(SUMMARY_WIDTHS), bold=True,
        align="left", border=False)  # fmt: skip
    headers = ["form_source", "form_initial", "form_full_year", "form_received",
               "form_arrival", "form_actual", "form_execution"]  # fmt: skip
    spans = [(1, 1), (2, 2), (3, 3), (4, 4), (5, 6), (7, 7), (8, 10)]
    for key, (first, last) in zip(headers, spans, strict=True):
        put(top + 1, first, label(key, lang), last_column=last, bold=True)
    declared = program.declared_special
    sources = [
        ("special", program.special_initial, declared if not missing(declared) else None),
        ("self_raised", None, None),
    ]
    row = top + 2
    for source, initial, full in sources:
        budget = getattr(program, source) if full is None else full
        received = getattr(program, f"{source}_received")
        spent = getattr(program, f"{source}_actual")
        arrival = getattr(program, f"{source}_arrival_rate")
        execution = getattr(program, f"{source}_execution_rate")
        counts = (getattr(program, f"n_{source}_received"), getattr(program, f"n_{source}_actual"))
        put(row, 1, label(source, lang))
        put(row, 2, initial, number_format=_AMOUNT)
        put(row, 3, budget, number_format=_AMOUNT)
        put(row, 4, received, number_format=_AMOUNT)
        value, fmt = _rate_cell(arrival, counts[0], program.n_projects, lang)
        put(row, 5, value, number_format=fmt, last_column=6)
        put(row, 7, spent, number_format=_AMOUNT)
        value, fmt = _rate_cell(execution, counts[1], program.n_projects, lang)
        put(row, 8, value, number_format=fmt, last_column=10)
        row += 1
    return row


def _rate_cell(value: object, count: object, total: object, lang: str) -> tuple[object, str]:
    """Return a rate's cell value and format: the rate with its reporting count shown after
    it by the number format (the figure stays a number), or, with no rate, the count as text."""
    fmt = _reported_format(count, total, lang)
    if missing(value):
        return "—" + label("reported_of", lang, k=int(count or 0), n=int(total or 0)), fmt
    return value, fmt


def _project_results(put, sheet, projects: pd.DataFrame, lang: str, top: int) -> int:
    """Write one row per project: its money, execution, scores and grade."""
    n = len(SUMMARY_WIDTHS)
    put(top, 1, label("form_projects", lang), last_column=n, bold=True, align="left",
        border=False)  # fmt: skip
    columns = ["project_id", "organization", "title", "special", "special_actual",
               "special_execution_rate", "execution_score", "indicator_score", "score",
               "grade"]  # fmt: skip
    for i, column in enumerate(columns, 1):
        put(top + 1, i, label(column, lang), bold=True)
    _height(sheet, top + 1, [(label(c, lang), SUMMARY_WIDTHS[i]) for i, c in enumerate(columns)])
    formats = {"special": _AMOUNT, "special_actual": _AMOUNT, "special_execution_rate": _SHARE,
               "execution_score": _POINTS, "indicator_score": _POINTS,
               "score": _POINTS}  # fmt: skip
    row = top + 2
    for project in projects.itertuples(index=False):
        for i, column in enumerate(columns, 1):
            value = getattr(project, column)
            if column == "score" and missing(value):
                put(row, i, label(project.score_status, lang))
            elif column == "grade":
                put(row, i, "" if missing(value) else label(value, lang))
            else:
                align = "left" if column in ("organization", "title") else "center"
                put(row, i, value, number_format=formats.get(column), align=align)
        status = "" if not missing(project.score) else label(project.score_status, lang)
        _height(sheet, row, [(project.title, SUMMARY_WIDTHS[2]),
                             (project.organization, SUMMARY_WIDTHS[1]),
                             (status, SUMMARY_WIDTHS[8])])  # fmt: skip
        row += 1
    return row


def _grade_table(put, projects: pd.DataFrame, lang: str, top: int) -> int:
    """Write how many projects earned each grade, and how many have no score."""
    put(top, 1, label("form_grades", lang), last_column=len(SUMMARY_WIDTHS), bold=True,
        align="left", border=False)  # fmt: skip
    counts = grade_counts(projects, [])
    for i, grade in enumerate(GRADES, 1):
        put(top + 1, i, label(grade.code, lang), bold=True)
        n = counts.loc[counts["grade"].eq(grade.code), "n_projects"]
        put(top + 2, i, int(n.iloc[0]) if len(n) else 0, number_format=EXCEL_FORMATS["count"])
    put(top + 1, len(GRADES) + 1, label("form_unscored", lang), bold=True)
    unscored = int(counts["n_unscored"].iloc[0]) if len(counts) else 0
    put(top + 2, len(GRADES) + 1, unscored, number_format=EXCEL_FORMATS["count"])
    return top + 3
