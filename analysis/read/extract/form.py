"""Read a 项目支出绩效自评表 published as text (a county bureau's web page, a .docx table).

A form starts at a line naming 项目支出绩效自评表 and ends at its 总分 line (or at the next
form, a heading, or the end of the report). Its cells are separated by spaces (tabs in a
.docx table, whose cells may hold spaces):

    项目名称 被动式超低能耗建筑与保温结构一体化技术的研究与应用
    主管部门 县科技局 实施单位 鸿城节能
    项目资金（万元） 年初预算数 全年预算数 全年执行数 分值 执行率 得分
    年度资金总额 42 42 40 10 95.24% 9.52
    其中：本年财政拨款 42 42 40 — — —
    上年结转资金 0 0 0 — — —
    其他资金 0 0 0 — — —
    年度总体目标 预期目标 实际完成情况
    完成技术研究并示范 已完成研究，示范工程竣工
    绩效指标 一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分 偏差原因分析及改进措施
    产出指标 数量指标 开展技术培训 ≥3次 4次 30 30
    质量指标 产品合格率 ≥95% 98% 20 20
    ...
    总分 100 95.52

What goes where: 本年财政拨款 (or, without 其中 rows, 年度资金总额) is the special fund:
全年预算数 → special, 全年执行数 → special_actual. 年度总体目标 → goal and goal_result. Each
indicator row → indicators.csv, its target and actual as printed (the loader reads ≥3次),
its 得分 as the score given (validate checks it against the scoring rule, R28). A level the
row leaves out is the one above it (merged cells, flattened).

What is checked, each a "disagree" issue (listed in unread.csv) where it fails: 年度资金总额
against the sum of its 其中 rows; 执行率 against 全年执行数 ÷ 全年预算数; the execution 得分
against min(执行率, 100%) × 分值, and 分值 against the scoring table's 10; 总分 against the
sum of the scores printed above it. What has no column (上年结转资金, 其他资金, a project's
年初预算数 other than its 全年预算数) is listed as unread, and a form cut off before its
figures, or an indicator row cut short, is listed as missing: nothing is invented.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from analysis.read.extract.execution import rate_agrees
from analysis.read.extract.prose import (
    _ORG_SUFFIX,
    HEADING,
    Amount,
    Figure,
    Issue,
    Paragraph,
    Project,
    _key,
    _Reader,
)
from analysis.words.labels import pair
from analysis.words.scoring import EXECUTION, LEVEL1_LOOKUP, LEVEL2_LOOKUP, term_key
from analysis.words.vocabulary import UNIT_ALIASES

FORM_TITLE = re.compile(r"项目支出绩效自评表")
MONEY_COLUMNS = ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")
_MONEY_HEADER = re.compile(r"^项目资金\s*(?:\(\s*(?P<unit>万元|元|亿元)\s*\))?(?P<rest>.*)$")
_MONEY_ROW = re.compile(
    r"^(?:其中\s*:?\s*)?(?P<label>年度资金总额|(?:本年|当年)?财政拨款|上年结转(?:资金)?|其他资金)"
    r"\s*(?P<rest>.*)$"
)
_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_PERCENT = re.compile(r"^(?P<number>\d+(?:\.\d+)?)\s*%$")
_PLACEHOLDERS = frozenset({"—", "——", "-", "--", "/", "无", ""})
_NAME_PREFIX = re.compile(r"^指标\s*\d+\s*[:：]\s*")

INDICATOR_OUT = ["project_id", "level1", "level2", "name", "target", "actual", "unit",
                 "direction", "weight", "score", "reason", "source"]  # fmt: skip


@dataclass
class Form:
    """One 自评表 as read: who, the money rows, the goal, the indicator rows, the total."""

    where: str
    title: str = ""
    organization: str = ""
    unit: str = "万元"
    columns: tuple[str, ...] = MONEY_COLUMNS
    money: dict[str, tuple[dict[str, str], Paragraph]] = field(default_factory=dict)
    goal: str = ""
    goal_result: str = ""
    indicators: list[dict[str, str]] = field(default_factory=list)
    total: tuple[list[str], Paragraph] | None = None
    cut_rows: list[Paragraph] = field(default_factory=list)
    saw_indicator_header: bool = False


def split_forms(paragraphs: list[Paragraph]) -> tuple[list[Paragraph], list[list[Paragraph]]]:
    """Return the report's prose paragraphs and its forms (each a list of its lines)."""
    prose: list[Paragraph] = []
    forms: list[list[Paragraph]] = []
    inside = False
    for paragraph in paragraphs:
        norm = _norm(paragraph.printed)
        if _is_title(norm):
            forms.append([paragraph])
            inside = True
            continue
        if inside and HEADING.match(norm) and not norm.startswith(("(", "（")):
            inside = False
        if inside:
            forms[-1].append(paragraph)
            if norm.startswith("总分"):
                inside = False
        else:
            prose.append(paragraph)
    return prose, forms


def _is_title(norm: str) -> bool:
    """Return whether a line is a form's title (not a heading or a sentence naming forms)."""
    return bool(FORM_TITLE.search(norm)) and not HEADING.match(norm) and len(norm) <= 40


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _cells(text: str) -> list[str]:
    """Return a line's cells as printed: split at tabs where it has them (a .docx row), else
    at spaces (full-width ones too)."""
    parts = text.split("\t") if "\t" in text else text.split()
    return [p.strip() for p in parts if p.strip()]


def parse_form(lines: list[Paragraph]) -> Form:
    """Return what one form's lines say."""
    form = Form(lines[0].where)
    section = ""
    goal_lines: list[str] = []
    level1 = level2 = ""
    for paragraph in lines[1:]:
        norm = _norm(paragraph.printed)
        cells = _cells(paragraph.printed)
        if not cells or re.fullmatch(r"\(?\d{4}\s*年度?\)?", norm):
            continue
        if norm.startswith("项目名称"):
            form.title = re.sub(r"^项目名称\s*:?\s*", "", norm).strip()
            continue
        if "实施单位" in norm or norm.startswith("主管部门"):
            found = re.search(r"实施单位\s*:?\s*(\S+)", norm)
            if found:
                form.organization = found[1]
            continue
        header = _MONEY_HEADER.match(norm)
        if header:
            form.unit = UNIT_ALIASES.get(header["unit"] or "万元", "万元")
            named = tuple(c for c in header["rest"].split() if c in MONEY_COLUMNS)
            form.columns = named or MONEY_COLUMNS
            section = "money"
            continue
        row = _MONEY_ROW.match(norm)
        if row and section in ("", "money"):
            label = "财政拨款" if "财政拨款" in row["label"] else row["label"]
            label = "上年结转资金" if label.startswith("上年结转") else label
            values = [_norm(c) for c in row["rest"].split()]
            form.money[label] = (dict(zip(form.columns, values, strict=False)), paragraph)
            section = "money"
            continue
        if norm.startswith("年度总体目标"):
            section = "goal"
            rest = re.sub(r"^\s*年度总体目标\s*(?:预期目标)?\s*(?:实际完成情况)?", "",
                          paragraph.printed)  # fmt: skip
            if rest.strip():
                goal_lines.append(rest)
            continue
        if norm.startswith("绩效指标") and "一级指标" in norm:
            section = "indicators"
            form.saw_indicator_header = True
            continue
        if norm.startswith("总分"):
            form.total = (cells[1:], paragraph)
            section = "end"
            continue
        if section == "goal":
            goal_lines.append(paragraph.printed)
        elif section == "indicators":
            if _norm(cells[0]) == "绩效指标":
                cells = cells[1:]
            if cells and term_key(cells[0]) in LEVEL1_LOOKUP:
                level1, cells = cells[0], cells[1:]
            if cells and term_key(cells[0]) in LEVEL2_LOOKUP:
                level2, cells = cells[0], cells[1:]
            parsed = _indicator(cells, level1, level2, paragraph)
            if parsed is None:
                form.cut_rows.append(paragraph)
            else:
                form.indicators.append(parsed)
    form.goal, form.goal_result = _goal(goal_lines)
    return form


def _goal(lines: list[str]) -> tuple[str, str]:
    """Return the goal and what was achieved, from the lines under 年度总体目标."""
    text = " ".join(line.strip() for line in lines).strip()
    if not text:
        return "", ""
    labelled = re.match(
        r"^预期目标\s*[:：]?\s*(?P<goal>.*?)\s*实际完成情况\s*[:：]?\s*(?P<done>.*)$", text
    )
    if labelled:
        return labelled["goal"].strip(), labelled["done"].strip()
    cells = _cells("\t".join(lines)) if any("\t" in line for line in lines) else text.split()
    return cells[0], " ".join(cells[1:])


def _is_points(cell: str) -> bool:
    return bool(_NUMBER.match(_norm(cell))) or _norm(cell) in _PLACEHOLDERS


def _indicator(cells: list[str], level1: str, level2: str, line: Paragraph) -> dict | None:
    """Return an indicator row (None where it is cut short): name, target, actual (which may
    hold spaces), then weight and score, then the reason."""
    if len(cells) < 5:
        return None
    for j in range(3, len(cells) - 1):
        if _NUMBER.match(_norm(cells[j])) and _is_points(cells[j + 1]):
            score = _norm(cells[j + 1])
            return {
                "level1": level1,
                "level2": level2,
                "name": _NAME_PREFIX.sub("", cells[0]),
                "target": cells[1],
                "actual": " ".join(cells[2:j]),
                "weight": _norm(cells[j]),
                "score": "" if score in _PLACEHOLDERS else score,
                "reason": " ".join(cells[j + 2 :]),
                "source": line.printed.strip().replace("\t", " "),
                "where": line.where,
            }
    return None


# --- from a form to the tables ----------------------------------------------------------


def _decimal(cell: str | None) -> Decimal | None:
    if cell is None or cell in _PLACEHOLDERS:
        return None
    cell = cell.replace(",", "")
    try:
        return Decimal(cell)
    except InvalidOperation:
        return None


def _percent(cell: str | None) -> Decimal | None:
    found = _PERCENT.match(cell or "")
    return Decimal(found["number"]) if found else None


def _half_digit(number: Decimal) -> Decimal:
    exponent = number.as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return Decimal(5) / Decimal(10) ** (decimals + 1)


def enter_form(reader: _Reader, form: Form) -> tuple[Project | None, list[Issue]]:
    """Enter a form's money into its project (found by organization and title, or new)
    and return the project and the issues met; (None, issues) where the form is cut off
    before it names its project. Its goal and indicators stay in the form."""
    issues: list[Issue] = []
    title_line = form.where
    if not form.title or not form.organization:
        issue = Issue("missing", None, "project", title_line, form.title or "项目支出绩效自评表",
                      pair("reason.cut_money"), form.title)  # fmt: skip
        return None, [issue]
    key = (_ORG_SUFFIX.sub("", _key(form.organization)), _key(form.title).removesuffix("项目"))
    project = reader.projects.setdefault(key, Project(form.organization, form.title))
    special_row = form.money.get("财政拨款") or form.money.get("年度资金总额")
    if special_row is None:
        issues.append(Issue("missing", project, "special", title_line, form.title,
                            pair("reason.cut_money"), form.title))  # fmt: skip
        return project, issues
    values, line = special_row
    source = line.printed.strip().replace("\t", " ")
    for column, name in (("全年预算数", "special"), ("全年执行数", "special_actual")):
        number = _decimal(values.get(column))
        if number is not None:
            amount = Amount(number, form.unit, f"{values[column]} {form.unit}")
            reader._set(project, name, Figure(amount, f"自评表{column}", source, line.where))
    initial, full = _decimal(values.get("年初预算数")), _decimal(values.get("全年预算数"))
    if initial is not None and full is not None and initial != full:
        issues.append(Issue("unread", project, "年初预算数", line.where, values["年初预算数"],
                            pair("reason.initial"), source))  # fmt: skip
    for label, reason in (("上年结转资金", "carried_over"), ("其他资金", "other_funds")):
        row = form.money.get(label)
        if row is None:
            continue
        amounts = [_decimal(row[0].get(c)) for c in ("年初预算数", "全年预算数", "全年执行数")]
        if any(a not in (None, 0) for a in amounts):
            shown = " ".join(row[0].get(c, "") for c in ("全年预算数", "全年执行数"))
            issues.append(Issue("unread", project, label, row[1].where, f"{label} {shown}",
                                pair(f"reason.{reason}"), row[1].printed.strip()))  # fmt: skip
    issues.extend(_money_checks(project, form))
    if not form.saw_indicator_header:
        issues.append(Issue("missing", project, "indicators", title_line, form.title,
                            pair("reason.no_indicators"), form.title))  # fmt: skip
    for line in form.cut_rows:
        issues.append(Issue("missing", project, "indicator", line.where, line.printed.strip(),
                            pair("reason.cut_row"), line.printed.strip()))  # fmt: skip
    issues.extend(_total_check(project, form))
    return project, issues


def _disagree(project: Project, name: str, line: Paragraph, text: str, zh: str, en: str):
    return Issue("disagree", project, name, line.where, text, (zh, en), line.printed.strip())


def _money_checks(project: Project, form: Form) -> list[Issue]:
    """Return the disagreements among the money rows' figures."""
    issues = []
    whole = form.money.get("年度资金总额")
    parts = [form.money[k] for k in ("财政拨款", "上年结转资金", "其他资金") if k in form.money]
    if whole is not None and parts:
        for column in ("全年预算数", "全年执行数"):
            declared = _decimal(whole[0].get(column))
            given = [_decimal(p[0].get(column)) for p in parts]
            summed = sum((g for g in given if g is not None), Decimal(0))
            tolerance = Decimal("0.005") * len(given)
            if declared is not None and abs(declared - summed) > tolerance:
                issues.append(_disagree(
                    project, column, whole[1], f"年度资金总额 {column} {whole[0][column]}",
                    f"与其中各项之和 {summed} 不符", f"differs from the sum of its parts, {summed}",
                ))  # fmt: skip
    row = whole or form.money.get("财政拨款")
    if row is None:
        return issues
    values, line = row
    budget, spent = _decimal(values.get("全年预算数")), _decimal(values.get("全年执行数"))
    rate = _percent(values.get("执行率"))
    points, score = _decimal(values.get("分值")), _decimal(values.get("得分"))
    if rate is not None and budget and spent is not None:
        amount = Amount(spent, form.unit, values["全年执行数"])
        if not rate_agrees(rate, amount, Amount(budget, form.unit, "").fen):
            computed = spent / budget * 100
            issues.append(_disagree(
                project, "执行率", line, f"执行率 {values['执行率']}",
                f"与全年执行数 ÷ 全年预算数 = {computed:.2f}% 不符",
                f"disagrees with spent ÷ budget = {computed:.2f}%",
            ))  # fmt: skip
    if points is not None and points != Decimal(str(EXECUTION.points)):
        issues.append(_disagree(
            project, "分值", line, f"分值 {values['分值']}",
            f"评分规则中预算执行率为 {EXECUTION.points:g} 分",
            f"the scoring table gives budget execution {EXECUTION.points:g} points",
        ))  # fmt: skip
    if score is not None and points is not None and budget and spent is not None:
        expected = min(spent / budget, Decimal(1)) * points
        if abs(expected - score) > _half_digit(score) + Decimal("0.005"):
            issues.append(_disagree(
                project, "得分", line, f"得分 {values['得分']}",
                f"与 min(执行率, 100%) × 分值 = {expected:.2f} 不符",
                f"disagrees with min(execution, 100%) × weight = {expected:.2f}",
            ))  # fmt: skip
    return issues


def _total_check(project: Project, form: Form) -> list[Issue]:
    """Return the disagreement of 总分 with the scores printed above it, if any."""
    if form.total is None:
        return []
    cells, line = form.total
    numbers = [_decimal(c) for c in cells if _NUMBER.match(c)]
    if not numbers:
        return []
    printed = numbers[-1]  # 总分 100 95.52: the weight, then the score
    row = form.money.get("年度资金总额") or form.money.get("财政拨款")
    execution = _decimal(row[0].get("得分")) if row else None
    scores = [_decimal(i["score"]) for i in form.indicators]
    if execution is None or any(s is None for s in scores):
        return []
    summed = execution + sum(scores, Decimal(0))
    if abs(summed - printed) > _half_digit(printed) + Decimal("0.005") * (len(scores) + 1):
        return [_disagree(
            project, "总分", line, f"总分 {printed}",
            f"与各项得分之和 {summed} 不符", f"differs from the sum of the scores, {summed}",
        )]  # fmt: skip
    return []
