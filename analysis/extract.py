"""Read a self-evaluation report's prose into the brief's tables, each figure with its sentence.

`fund-analysis extract REPORT --out DIR` reads a report (.txt in UTF-8 or GBK, or .docx) and
writes projects.csv, budget_lines.csv and programs.csv in the brief's layout, each row with a
`source` column quoting the sentence its figures came from, and unread.csv listing every figure
of the report that did not make it into the tables. Rules only: no network, no model.

How the prose is read:
- Each paragraph is NFKC-normalised (full-width digits and punctuation become half-width); a map
  keeps every character's place in the printed text, so sources quote the report as printed.
- A project is named as 单位的“项目名称” (quotes of either width, 「」, 『』 or 《》). The figures
  after a project's name, up to the next project's name or the next heading, are that project's.
- A figure is a label followed by an amount in 元, 万元 or 亿元: the labels are FIELD_LABELS
  below, and budget categories are the vocabulary's names and aliases.
- Every amount in the text is either entered in a table or listed as unread with its sentence.
- A line figure printed in another unit than the rest of its project is corrected only when the
  sums prove the intended unit (see `_reconcile`); the line's note says so.

Project ids are {prefix}-{year}-{NN}, NN counting projects in the order the report first names
them. The prefix is the pinyin initials of the program name's first four characters, taken from
the GB2312 code order (its 3,755 common characters are sorted by pinyin), so 县域创新跃升计划
gives XYCX, the prefix of the bundled tables, and 科技小巨人培育计划 gives KJXJ, with no pinyin
dictionary. Rare characters outside that range are skipped; a character with two readings gets
GB2312's. With no usable program name the prefix is P.
"""

from __future__ import annotations

import argparse
import bisect
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations
from pathlib import Path

import pandas as pd

from analysis.errors import InputError
from analysis.facts import TOLERANCE_FEN_PER_FIGURE
from analysis.load import as_utf8, category_lookup
from analysis.vocabulary import (
    CATEGORIES,
    DEFAULT_UNIT,
    FEN_PER_WAN,
    UNIT_ALIASES,
    UNIT_FACTORS,
)

PROJECT_COLUMNS = ["project_id", "year", "program", "organization", "title", "special",
                   "self_raised", "total", "self_raised_actual", "unit", "source"]  # fmt: skip
LINE_COLUMNS = ["project_id", "category", "total", "special", "unit", "note", "source"]
PROGRAM_COLUMNS = ["program", "year", "special_total", "unit", "source"]
UNREAD_COLUMNS = ["kind", "project_id", "field", "where", "text", "reason", "source"]
OUTPUT_FILES = {"projects": "projects.csv", "lines": "budget_lines.csv",
                "programs": "programs.csv", "unread": "unread.csv"}  # fmt: skip

# Old Word and other formats that are not text: say so rather than report a bad encoding.
REJECTED_SUFFIXES = {".doc", ".wps", ".pdf", ".xls", ".xlsx", ".rtf", ".odt"}
REPORT_EXPECTED = "a report as .txt (UTF-8 or GBK) or .docx"

# --- the words of a report, as patterns on NFKC-normalised text ------------------------

_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_UNIT = r"亿元|万元|元"
# After a label, a bare 万 or 亿 at the end of a clause is 万元 or 亿元 ("设备费 40万，").
_LABELLED_UNIT = rf"{_UNIT}|[万亿](?=[\s,;。()]|$)"
# Between a label and its amount: an optional colon, 为 or 是, and 人民币.
_LEAD = r"\s*(?::|为|是)?\s*(?:人民币)?\s*"
_SPECIAL = r"专项(?:资金|经费)"

# field -> the labels that introduce it. Where matches overlap the one that starts first wins,
# so 专项资金累计 is the program's total, not a project's special fund.
FIELD_LABELS: dict[str, str] = {
    "program_total": rf"{_SPECIAL}(?:累计|共计|总计|合计|总额)"
    rf"|(?:累计|共计|总计|合计|共)(?:下达|安排|拨付|投入)?{_SPECIAL}",
    "total": r"(?:公司|企业|项目)?预算(?:总投资|投入|总额)|(?:项目|计划)?总投资|(?:项目)?总预算",
    "special": _SPECIAL,
    "self_raised": r"自筹(?:预算|资金|经费)?",
    "self_raised_actual": r"实际(?:资金)?(?:使用|支出|投入)(?:资金|金额)?",
    # A bare sum is the program's total in a list of projects, a project's total inside one.
    "bare_sum": r"总计|合计|共计|累计",
}

_OPEN, _CLOSE = '"“「『《', '"”」』》'
_QUOTED = rf"[{_OPEN}](?P<{{name}}>[^{_OPEN}{_CLOSE}]{{{{2,100}}}})[{_CLOSE}]"
# 单位的“项目名称”: the organization runs back to the previous punctuation or space.
MENTION = re.compile(
    rf"(?:{_QUOTED.format(name='qorg')}|(?P<org>[^\s,;:。、!?(){_OPEN}{_CLOSE}]{{2,40}}?))"
    rf"\s*(?:承担|实施|申报)?的\s*{_QUOTED.format(name='title')}"
)
# Words that may run into an organization's name without punctuation between.
_ORG_LEAD_IN = re.compile(r"(?:\d{4}\s*年度?|其中|以及|另外|另有|还有)+")
_ORG_SUFFIX = re.compile(r"(?:股份有限公司|有限责任公司|有限公司|公司)$")

HEADING = re.compile(
    r"\s*(?:[一二三四五六七八九十]+、|\(?[一二三四五六七八九十]+\)|\d+、|第[一二三四五六七八九十]+[章节部分])"
)
TITLE = re.compile(
    r"(?P<year>\d{4})\s*年度\s*(?P<program>.+?)\s*(?:项目)?\s*(?:绩效|自评|评价|工作报告|总结|报告)"
)
YEAR = re.compile(r"(?P<year>(?:19|20|21)\d{2})\s*年")
SENTENCE_END = re.compile(r"[。;!?]")
# A comma between digits is a thousands separator, not the end of a clause; a tab parts the
# cells of a .docx table's row.
CLAUSE_END = re.compile(r"[。;!?\t]|(?<!\d),|,(?!\d)")

_CN_NUMERALS = "零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟点"
_VAGUE_WORDS = r"若干|待定|不详|未定|另计|另行安排"
# After a number: words that show it is not money (dates, counts, percentages).
_NOT_MONEY = "年月日个项%人次倍天家名条台套篇件"

# Why a figure is not in the tables, or what happened to it: (Chinese, English).
REASONS: dict[str, tuple[str, str]] = {
    "vague": ("金额未以数字给出", "the amount is not given as a number"),
    "words": ("金额以汉字数字书写，无法可靠换算", "the amount is written in Chinese numerals"),
    "colon": ("冒号后不是可读的金额", "what follows the colon is not an amount"),
    "no_unit": ("金额缺少单位（元、万元或亿元）", "the amount has no unit (元, 万元 or 亿元)"),
    "cn_amount": ("金额以汉字数字书写，无法可靠换算", "an amount written in Chinese numerals"),
    "amount": ("金额前没有可识别的科目或字段名称", "no label the parser knows precedes it"),
    "too_precise": ("金额精度超过 0.01 元", "the amount is finer than 0.01 元"),
    "no_project": ("此数字前没有提到任何项目", "no project is named before this figure"),
    "actual_not_self_raised": (
        "实际使用额未指明是自筹资金，而表中只有自筹资金实际使用一列",
        "actual spending not said to be self-raised; the table holds only that",
    ),
    "no_special": ("报告未给出该项目的专项资金", "the report gives no special fund for it"),
    "no_program_name": (
        "标题中没有计划名称，计划专项资金总额无法写入 programs.csv",
        "the title names no program, so its total cannot go into programs.csv",
    ),
    "no_program_total": ("报告未给出计划专项资金总额", "the report gives no program total"),
}


def _amount(name: str, unit: str = _LABELLED_UNIT) -> str:
    return rf"(?P<{name}>{_NUMBER})\s*(?P<{name}_unit>{unit})"


# --- what was read ------------------------------------------------------------------


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of a report as printed, and where it is (e.g. "line 7")."""

    where: str
    printed: str


@dataclass(frozen=True)
class Amount:
    """A sum of money as printed: its number, its unit and the printed text."""

    number: Decimal
    unit: str
    printed: str = field(compare=False)

    @property
    def fen(self) -> Decimal:
        return self.number * UNIT_FACTORS[self.unit]

    @property
    def wan(self) -> Decimal:
        return self.fen / FEN_PER_WAN

    def shown(self) -> str:
        return f"{_plain(self.number)} {self.unit}"

    def read_in(self, unit: str) -> Amount:
        """Return the same printed number read in another unit."""
        return Amount(self.number, unit, self.printed)


@dataclass(frozen=True)
class Figure:
    """A project's or program's figure, the label it was printed with, and its sentence."""

    amount: Amount
    label: str
    source: str
    where: str


@dataclass
class Line:
    """One budget line: category (vocabulary name), amounts as entered, notes (zh, en)."""

    category: str
    total: Amount
    special: Amount | None
    source: str
    where: str
    notes: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Project:
    """A project named in the report with every figure attributed to it."""

    organization: str
    title: str
    figures: dict[str, Figure] = field(default_factory=dict)
    lines: list[Line] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    project_id: str = ""

    def amounts(self) -> Iterator[Amount]:
        yield from (f.amount for f in self.figures.values())
        for line in self.lines:
            yield line.total
            if line.special is not None:
                yield line.special


@dataclass(frozen=True)
class Issue:
    """Something a person should know about the reading: what, where, why, in which sentence."""

    kind: str
    project: Project | None
    field: str
    where: str
    text: str
    reason: tuple[str, str]
    source: str


# kind -> (Chinese, English, whether a figure of the report is missing from the tables)
ISSUE_KINDS: dict[str, tuple[str, str, bool]] = {
    "unread": ("无法读取", "unread", True),
    "conflict": ("数字冲突", "conflicting figure", True),
    "missing": ("缺少数字", "missing figure", True),
    "corrected": ("已更正", "corrected", False),
    "doubtful": ("单位存疑", "doubtful unit", False),
    "absent": ("未见数字", "not in the report", False),
}


@dataclass(frozen=True)
class Extraction:
    """The tables read from one report (text cells, amounts in 万元) and the issues met."""

    projects: pd.DataFrame
    lines: pd.DataFrame
    programs: pd.DataFrame
    unread: pd.DataFrame
    issues: tuple[Issue, ...]
    report: str

    def complete(self) -> bool:
        """Return whether every figure of the report is in the tables."""
        return self.unread.empty


# --- reading the file ---------------------------------------------------------------


def read_report(path: str | Path) -> list[Paragraph]:
    """Return the report's non-blank paragraphs in order, from a .txt or .docx file."""
    path = Path(path)
    if not path.exists():
        raise InputError("missing_file", path, expected=REPORT_EXPECTED)
    suffix = path.suffix.lower()
    if path.is_dir() or suffix in REJECTED_SUFFIXES:
        raise InputError("bad_value", path, expected=REPORT_EXPECTED, found=path.name)
    if suffix == ".docx":
        texts, word = _docx_paragraphs(path), "paragraph"
    else:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError("missing_file", path, found=exc.strerror) from None
        texts, word = as_utf8(data, path).decode("utf-8").splitlines(), "line"
    paragraphs = [Paragraph(f"{word} {i}", t) for i, t in enumerate(texts, 1) if t.strip()]
    if not paragraphs:
        raise InputError("empty_file", path, expected="a report's text")
    return paragraphs


def _docx_paragraphs(path: Path) -> list[str]:
    """Return the document's paragraphs and table rows (cells joined by tabs) in order."""
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises zip, XML and package errors alike
        raise InputError(
            "malformed", path, expected="a .docx document", found=type(exc).__name__
        ) from None
    texts: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, docx.table.Table):
            for row in block.rows:
                cells = dict.fromkeys(c.text.strip() for c in row.cells)  # merged cells repeat
                texts.append("\t".join(c for c in cells if c))
        else:
            texts.append(block.text)
    return texts


# --- normalised text with a way back to print ---------------------------------------


@dataclass(frozen=True)
class _Text:
    printed: str
    norm: str
    origin: tuple[int, ...]  # origin[i]: where norm[i] came from in printed; one extra at end

    @classmethod
    def of(cls, printed: str) -> _Text:
        norm: list[str] = []
        origin: list[int] = []
        for i, char in enumerate(printed):
            for part in unicodedata.normalize("NFKC", char):
                norm.append(part)
                origin.append(i)
        origin.append(len(printed))
        return cls(printed, "".join(norm), tuple(origin))

    def shown(self, start: int, end: int) -> str:
        return self.printed[self.origin[start] : self.origin[end]].strip().replace("\t", " ")

    def sentence(self, pos: int) -> tuple[int, int]:
        """Return the bounds of the sentence holding pos."""
        starts = [m.end() for m in SENTENCE_END.finditer(self.norm, 0, pos)]
        end = SENTENCE_END.search(self.norm, pos)
        return (starts[-1] if starts else 0), (end.start() if end else len(self.norm))

    def source(self, start: int, end: int, mention: int | None, clause: bool = False) -> str:
        """Return the printed words of a figure at start..end, as a sentence a person can find.

        They end with the figure's clause and start with the project's name when that is in
        the same sentence, else with the sentence, or (clause=True) with the figure's clause.
        """
        first, last = self.sentence(start)
        clause_end = CLAUSE_END.search(self.norm, end)
        stop = min(clause_end.start() if clause_end else len(self.norm), last)
        if clause:
            starts = [m.end() for m in CLAUSE_END.finditer(self.norm, first, start)]
            begin = starts[-1] if starts else first
        else:
            begin = mention if mention is not None and first <= mention < start else first
        return self.shown(begin, max(stop, end))


def _key(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


# --- the parser ---------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Match:
    kind: str  # a FIELD_LABELS key, "line", or a REASONS key for what cannot be read
    found: re.Match[str]

    @property
    def start(self) -> int:
        return self.found.start()

    @property
    def end(self) -> int:
        return self.found.end()

    def group(self, name: str) -> str | None:
        return self.found.groupdict().get(name)


class _Patterns:
    """The compiled patterns: figures, then the shapes of figures that cannot be read."""

    def __init__(self, categories: pd.DataFrame) -> None:
        lookup = category_lookup(categories)
        names = categories.set_index("code")["name_zh"]
        # Only Chinese spellings appear in a report's prose; longest first in the regex.
        spellings = sorted((k for k in lookup if re.search(r"[\u4e00-\u9fff]", k)), key=len)
        self.category_names = {k: names[lookup[k]] for k in spellings}
        category = "|".join(re.escape(s) for s in reversed(spellings))
        labels = "|".join(v for k, v in FIELD_LABELS.items() if k != "bare_sum")
        any_label = rf"(?P<label>{category}|{labels})"
        special_part = rf"(?:\s*\(\s*(?:其中)?|\s*,\s*其中)\s*{_SPECIAL}{_LEAD}{_amount('special')}"
        line = rf"(?P<label>{category}){_LEAD}{_amount('total')}(?:{special_part}\s*\)?)?"
        self.figures: list[tuple[str, re.Pattern[str]]] = [
            ("line", re.compile(line)),
            *(
                (kind, re.compile(rf"(?P<label>{label}){_LEAD}{_amount('amount')}"))
                for kind, label in FIELD_LABELS.items()
            ),
        ]
        # The shapes of figures that cannot be read (REASONS says why); "text" is what fails.
        no_unit = (
            rf"(?:{_NUMBER})(?!\s*(?:[\d.,]|{_UNIT}))\s*(?![{_NOT_MONEY}])[^\s,;。()\d]{{0,2}}"
        )
        shapes = {
            "vague": rf"{any_label}\s*(?::|为)?\s*(?P<text>{_VAGUE_WORDS})",
            "words": rf"{any_label}{_LEAD}(?P<text>[{_CN_NUMERALS}]+\s*(?:{_UNIT}))",
            "colon": rf"{any_label}\s*:\s*(?P<text>[^,;。()]{{1,20}})",
            "no_unit": rf"{any_label}{_LEAD}(?P<text>{no_unit})",
            "cn_amount": rf"(?P<text>[{_CN_NUMERALS}]{{2,}}\s*(?:{_UNIT}))(?!化)",
            "amount": rf"(?P<text>{_amount('amount', _UNIT)})",
        }
        self.unread = [(name, re.compile(pattern)) for name, pattern in shapes.items()]

    def figure_matches(self, text: str) -> list[_Match]:
        found = [_Match(kind, m) for kind, pattern in self.figures for m in pattern.finditer(text)]
        return _first_of_overlaps(found)

    def unread_matches(self, text: str, taken: list[_Match]) -> list[_Match]:
        """Return the figure-like words that overlap no figure read."""
        found = [
            _Match(name, m)
            for name, pattern in self.unread
            for m in pattern.finditer(text)
            if name != "colon" or _looks_like_money(m["text"])
        ]
        kept = _first_of_overlaps([*taken, *found])
        return [m for m in kept if m.kind in REASONS]


def _looks_like_money(text: str) -> bool:
    """Return whether the words after a label's colon look like an amount rather than prose."""
    text = text.strip()
    return bool(text) and ("元" in text or bool(re.search(r"\d", text)) or len(text) <= 8)


def _first_of_overlaps(matches: list[_Match]) -> list[_Match]:
    """Return the matches that overlap no earlier one; at one start the longest wins."""
    kept: list[_Match] = []
    end = -1
    for m in sorted(matches, key=lambda m: (m.start, -m.end)):
        if m.start >= end:
            kept.append(m)
            end = m.end
    return kept


class _Reader:
    """Reads paragraphs one after another, keeping which project the text is about."""

    def __init__(self, categories: pd.DataFrame) -> None:
        self.patterns = _Patterns(categories)
        self.projects: dict[tuple[str, str], Project] = {}
        self.program_total: Figure | None = None
        self.program_sources: list[str] = []
        self.issues: list[Issue] = []
        self.current: Project | None = None

    def read(self, paragraph: Paragraph) -> None:
        text = _Text.of(paragraph.printed)
        if HEADING.match(text.norm):
            self.current = None
        found = MENTION.finditer(text.norm)
        mentions = [(m.start(), m.end(), self._project(m, text)) for m in found]
        if not mentions or mentions[0][0] > 0:
            self.current = self._known_at_start(text.norm) or self.current
        # Titles may hold digits and 元: look for figures with the names blanked out.
        scan = list(text.norm)
        for start, end, _ in mentions:
            scan[start:end] = "□" * (end - start)
        scan_text = "".join(scan)
        taken = self.patterns.figure_matches(scan_text)
        for match in taken:
            self._figure(match, mentions, text, paragraph.where)
        for match in self.patterns.unread_matches(scan_text, taken):
            project, mention = self._context(match.start, mentions)
            source = text.source(match.start, match.end, mention)
            shown = text.shown(match.start, match.end)
            label = match.group("label") or ""
            self._issue("unread", project, label, paragraph.where, shown, match.kind, source)
        if mentions:
            self.current = mentions[-1][2]

    def _project(self, m: re.Match[str], text: _Text) -> Project:
        start, end = m.span("qorg") if m["qorg"] else m.span("org")
        lead = _ORG_LEAD_IN.match(text.norm, start, end)
        organization = text.shown(lead.end() if lead else start, end)
        title = text.shown(*m.span("title"))
        key = (_ORG_SUFFIX.sub("", _key(organization)), _key(title).removesuffix("项目"))
        return self.projects.setdefault(key, Project(organization, title))

    def _known_at_start(self, norm: str) -> Project | None:
        """Return the project whose organization opens the paragraph, if just one has it."""
        by_org: dict[str, list[Project]] = {}
        for project in self.projects.values():
            by_org.setdefault(_key(project.organization), []).append(project)
        opening = _key(norm)
        for org in sorted(by_org, key=len, reverse=True):
            if opening.startswith(org) and len(by_org[org]) == 1:
                return by_org[org][0]
        return None

    def _context(self, pos: int, mentions: list) -> tuple[Project | None, int | None]:
        """Return the project the text at pos is about, and where it was named (if here)."""
        before = [(start, project) for start, _, project in mentions if start <= pos]
        if before:
            return before[-1][1], before[-1][0]
        return self.current, None

    def _figure(self, match: _Match, mentions: list, text: _Text, where: str) -> None:
        project, mention = self._context(match.start, mentions)
        label = str(match.group("label"))
        # A budget line's project is in its row; its own clause is the sentence to quote.
        source = text.source(match.start, match.end, mention, clause=match.kind == "line")
        shown = text.shown(match.start, match.end)
        amount = _amount_of(match, "total" if match.kind == "line" else "amount", text)
        special = _amount_of(match, "special", text) if match.group("special") else None
        if amount is None or (match.group("special") and special is None):
            self._issue("unread", project, label, where, shown, "too_precise", source)
            return
        first, last = text.sentence(match.start)
        in_list = sum(first <= start < last for start, _, _ in mentions) > 1
        kind = match.kind
        if kind == "bare_sum":
            kind = "program_total" if project is None or in_list else "total"
        elif kind == "special" and project is None:
            kind = "program_total"
        if kind == "program_total":
            self._set_program(Figure(amount, label, source, where))
        elif project is None:
            self._issue("unread", None, label, where, shown, "no_project", source)
        elif kind == "line":
            category = self.patterns.category_names[_key(label)]
            project.lines.append(Line(category, amount, special, source, where))
        elif kind == "self_raised_actual" and "自筹" not in text.norm[first:last]:
            self._issue("unread", project, label, where, shown, "actual_not_self_raised", source)
        else:
            self._set(project, kind, Figure(amount, label, source, where))

    def _set(self, project: Project, name: str, figure: Figure) -> None:
        held = project.figures.setdefault(name, figure)
        if held.amount.fen != figure.amount.fen:
            self._conflict(project, name, held, figure)
        else:
            _add_source(project.sources, figure.source)

    def _set_program(self, figure: Figure) -> None:
        held = self.program_total = self.program_total or figure
        if held.amount.fen != figure.amount.fen:
            self._conflict(None, "special_total", held, figure)
        else:
            _add_source(self.program_sources, figure.source)

    def _conflict(self, project: Project | None, name: str, held: Figure, figure: Figure) -> None:
        reason = (
            f"与先前读到的 {held.amount.printed}（{held.where}）不符，保留先读到的数字",
            f"differs from {held.amount.printed} read at {held.where}; the first is kept",
        )
        text = f"{figure.label} {figure.amount.printed}"
        self.issues.append(
            Issue("conflict", project, name, figure.where, text, reason, figure.source)
        )

    def _issue(self, kind, project, name, where, text, reason: str, source) -> None:
        self.issues.append(Issue(kind, project, name, where, text, REASONS[reason], source))


def _amount_of(match: _Match, name: str, text: _Text) -> Amount | None:
    """Return the amount in the match's group name, or None when it is finer than 0.01 元."""
    start, end = match.found.start(name), match.found.end(f"{name}_unit")
    number = Decimal(str(match.group(name)).replace(",", ""))
    unit = UNIT_ALIASES[str(match.group(f"{name}_unit"))]
    amount = Amount(number, unit, text.shown(start, end))
    return amount if amount.fen == amount.fen.to_integral_value() else None


def _add_source(sources: list[str], source: str) -> None:
    """Add a sentence to a row's sources unless one already holds it; a longer one replaces."""
    if any(source in s for s in sources):
        return
    sources[:] = [s for s in sources if s not in source]
    sources.append(source)


# --- units the sums prove -----------------------------------------------------------


def _reconcile(project: Project) -> list[Issue]:
    """Correct line figures whose printed unit the project's sums prove wrong; note the rest.

    A line figure printed in another unit than most of the project's figures is read in that
    majority unit only when: the lines do not sum to the declared figure as printed (within
    the brief's 0.005 万元 per figure), they do when it is re-read, and exactly one choice of
    re-read figures does. Otherwise it is kept as printed with a note that says why.
    """
    units = Counter(a.unit for a in project.amounts())
    if not units:
        return []
    unit, count = units.most_common(1)[0]
    if count * 2 <= units.total():
        return []  # no majority unit to measure the others against
    issues = []
    for column in ("total", "special"):
        declared = project.figures.get(column)
        entries = [(line, getattr(line, column)) for line in project.lines]
        entries = [(line, a) for line, a in entries if a is not None]
        odd = [i for i, (_, a) in enumerate(entries) if a.unit != unit]
        proofs = _unit_proofs([a for _, a in entries], odd, unit, declared)
        if proofs == [()]:
            continue  # the sum holds as printed: the printed units are proven
        if declared is not None and declared.amount.unit != unit and entries:
            reason = (
                f"与该项目其余金额的单位（{unit}）不同，且各科目合计与之不符，按原文录入",
                f"the project's other figures are in {unit} and the lines do not sum to it;"
                " kept as printed",
            )
            issues.append(_about(declared, "doubtful", project, column, reason))
        others_all = units[unit] + len(odd) == units.total()
        for i in odd:
            line, amount = entries[i]
            if len(proofs) == 1:
                entered = amount.read_in(unit)
                setattr(line, column, entered)
                note = _correction_note(amount, entered, column, declared, len(odd), others_all)
                kind = "corrected"
            else:
                note = _doubtful_note(amount, unit, column, declared, len(proofs))
                kind = "doubtful"
            line.notes.append(note)
            issues.append(
                Issue(kind, project, line.category, line.where, amount.printed, note, line.source)
            )
    return issues


def _unit_proofs(
    amounts: list[Amount], odd: list[int], unit: str, declared: Figure | None
) -> list[tuple[int, ...]]:
    """Return the choices of odd figures that, read in unit, make the amounts sum to declared.

    [()] means the sum holds as printed. At most 2**8 choices are tried; beyond that, none.
    """
    if declared is None or not amounts or len(odd) > 8:
        return []
    tolerance = TOLERANCE_FEN_PER_FIGURE * len(amounts)

    def reconciles(reread: tuple[int, ...]) -> bool:
        fen = sum(a.read_in(unit).fen if i in reread else a.fen for i, a in enumerate(amounts))
        return abs(fen - declared.amount.fen) <= tolerance

    if reconciles(()):
        return [()]
    choices = (c for k in range(1, len(odd) + 1) for c in combinations(odd, k))
    return [c for c in choices if reconciles(c)]


_SUMS = {
    "total": ("各科目合计", "the lines sum to", "total"),
    "special": ("各科目专项经费合计", "the lines' special parts sum to", "special fund"),
}


def _correction_note(
    printed: Amount, entered: Amount, column: str, declared: Figure, n_odd: int, others_all: bool
) -> tuple[str, str]:
    """Return the note (zh, en) of a corrected unit, in the manner of the bundled data's note."""
    unit = entered.unit
    sums_zh, sums_en, declared_en = _SUMS[column]
    rest_zh, rest_en = ("均", "") if others_all else ("大多", "most of ")
    if n_odd == 1:
        when_zh, when_en = f"仅当此项为 {entered.shown()}时", "only then"
    else:
        when_zh = f"仅当单位不同的 {n_odd} 项均按{unit}计时"
        when_en = f"only when all {n_odd} figures in other units are read in {unit}"
    zh = (
        f"更正：报告原文印作“{printed.printed}”，按 {entered.shown()}录入：该项目其余金额"
        f"{rest_zh}以{unit}计，且{when_zh}{sums_zh}等于{declared.label} {declared.amount.shown()}。"
    )
    en = (
        f'corrected: printed as "{printed.printed}"; entered as {entered.shown()} because '
        f"{rest_en}the project's other figures are in {unit} and {sums_en} the "
        f"{declared.amount.shown()} {declared_en} {when_en}."
    )
    return zh, en


def _doubtful_note(
    printed: Amount, unit: str, column: str, declared: Figure | None, n_proofs: int
) -> tuple[str, str]:
    """Return the note (zh, en) of a figure kept as printed although its unit stands out."""
    sums_zh, sums_en, declared_en = _SUMS[column]
    if declared is None:
        why_zh, why_en = "报告未给出可核对的合计", "the report gives no figure to check the sum"
    elif n_proofs > 1:
        why_zh = f"有多种读法都能使{sums_zh}等于{declared.label} {declared.amount.shown()}"
        why_en = f"several readings make {sums_en} the {declared.amount.shown()} {declared_en}"
    else:
        why_zh = f"按原文或按{unit}计，{sums_zh}都不等于{declared.label} {declared.amount.shown()}"
        why_en = f"{sums_en} the {declared.amount.shown()} {declared_en} in neither reading"
    zh = (
        f"存疑：报告原文印作“{printed.printed}”，与该项目其余金额的单位（{unit}）不同，"
        f"但{why_zh}，无法证明应以{unit}计，按原文录入。"
    )
    en = (
        f'doubtful: printed as "{printed.printed}" while the project\'s other figures are in '
        f"{unit}, but {why_en}; kept as printed."
    )
    return zh, en


def _about(figure: Figure, kind: str, project: Project | None, name: str, reason) -> Issue:
    """Return an issue about a figure already read, quoting it and its sentence."""
    return Issue(kind, project, name, figure.where, figure.amount.printed, reason, figure.source)


# --- project ids --------------------------------------------------------------------

# The first GB2312 character of each pinyin initial: level-1 characters are in pinyin order.
_PINYIN_ANCHORS = "啊芭擦搭蛾发噶哈击喀垃妈拿哦啪期然撒塌挖昔压匝"
_PINYIN_INITIALS = "ABCDEFGHJKLMNOPQRSTWXYZ"
_ANCHOR_CODES = [int.from_bytes(c.encode("gb2312"), "big") for c in _PINYIN_ANCHORS]
_LAST_LEVEL_1 = 0xD7F9


def id_prefix(program: str) -> str:
    """Return the pinyin initials of the program name's first four characters (or "P")."""
    initials = []
    for char in program[:4]:
        if char.isascii():
            initials.append(char.upper() if char.isalnum() else "")
            continue
        try:
            number = int.from_bytes(char.encode("gb2312"), "big")
        except UnicodeEncodeError:
            continue
        if _ANCHOR_CODES[0] <= number <= _LAST_LEVEL_1:
            initials.append(_PINYIN_INITIALS[bisect.bisect_right(_ANCHOR_CODES, number) - 1])
    return "".join(initials) or "P"


# --- the whole report ---------------------------------------------------------------


def extract(
    path: str | Path, *, categories: pd.DataFrame | None = None, prefix: str | None = None
) -> Extraction:
    """Return the tables read from the report at path, with every issue met on the way."""
    paragraphs = read_report(path)
    reader = _Reader(CATEGORIES if categories is None else categories)
    for paragraph in paragraphs:
        reader.read(paragraph)
    projects = [p for p in reader.projects.values() if p.figures or p.lines]
    if not projects:
        raise InputError(
            "bad_value",
            path,
            expected="a self-evaluation report naming projects as 单位的“项目名称” with figures",
            found=paragraphs[0].printed.strip(),
        )
    program, year = _program_and_year(paragraphs, path)
    prefix = prefix or id_prefix(program)
    issues = list(reader.issues)
    for n, project in enumerate(projects, 1):
        project.project_id = f"{prefix}-{year}-{n:02d}"
        issues.extend(_reconcile(project))
        if "special" not in project.figures:
            source = " | ".join(project.sources)
            reason = REASONS["no_special"]
            issues.append(Issue("missing", project, "special", "", project.title, reason, source))
    total = reader.program_total
    if total is None:
        reason = REASONS["no_program_total"]
        issues.append(Issue("absent", None, "special_total", "", program, reason, ""))
    elif not program:
        issues.append(_about(total, "missing", None, "program", REASONS["no_program_name"]))
    return Extraction(
        projects=_projects_table(projects, program, year),
        lines=_lines_table(projects),
        programs=_programs_table(reader, program, year),
        unread=_unread_table(issues),
        issues=tuple(issues),
        report=str(path),
    )


def _program_and_year(paragraphs: list[Paragraph], path: str | Path) -> tuple[str, int]:
    """Return the program's name and year from the title ("2021 年度…计划项目…报告").

    Without such a title the name is empty and the year is the one the text names most.
    """
    for paragraph in paragraphs[:3]:
        m = TITLE.search(_Text.of(paragraph.printed).norm)
        if m:
            return _key(m["program"]), int(m["year"])
    years = Counter(m["year"] for p in paragraphs for m in YEAR.finditer(_Text.of(p.printed).norm))
    if not years:
        raise InputError(
            "missing_value", path, column="year", expected="the year, e.g. '2021 年度' in the title"
        )
    return "", int(years.most_common(1)[0][0])


def _plain(number: Decimal) -> str:
    """Return the number as plain digits: 170, 1.5, 0.0005 (no exponent, no trailing zeros)."""
    return format(number.normalize(), "f")


def _wan(amount: Amount | None) -> str:
    return "" if amount is None else _plain(amount.wan)


def _projects_table(projects: list[Project], program: str, year: int) -> pd.DataFrame:
    amounts = ("special", "self_raised", "total", "self_raised_actual")
    rows = [
        {
            "project_id": p.project_id,
            "year": str(year),
            "program": program,
            "organization": p.organization,
            "title": p.title,
            **{name: _wan(p.figures[name].amount) if name in p.figures else "" for name in amounts},
            "unit": DEFAULT_UNIT,
            "source": " | ".join(p.sources),
        }
        for p in projects
    ]
    return pd.DataFrame(rows, columns=PROJECT_COLUMNS)


def _lines_table(projects: list[Project]) -> pd.DataFrame:
    rows = [
        {
            "project_id": p.project_id,
            "category": line.category,
            "total": _wan(line.total),
            "special": _wan(line.special) or "0",
            "unit": DEFAULT_UNIT,
            "note": _note(line.notes),
            "source": line.source,
        }
        for p in projects
        for line in p.lines
    ]
    return pd.DataFrame(rows, columns=LINE_COLUMNS)


def _note(notes: list[tuple[str, str]]) -> str:
    """Return notes as one "中文 / English" text, the form the rules module splits."""
    if not notes:
        return ""
    return "；".join(zh for zh, _ in notes) + " / " + " ".join(en for _, en in notes)


def _programs_table(reader: _Reader, program: str, year: int) -> pd.DataFrame:
    rows = []
    if reader.program_total is not None and program:
        rows.append(
            {
                "program": program,
                "year": str(year),
                "special_total": _wan(reader.program_total.amount),
                "unit": DEFAULT_UNIT,
                "source": " | ".join(reader.program_sources),
            }
        )
    return pd.DataFrame(rows, columns=PROGRAM_COLUMNS)


def _unread_table(issues: list[Issue]) -> pd.DataFrame:
    rows = [
        {
            "kind": issue.kind,
            "project_id": issue.project.project_id if issue.project else "",
            "field": issue.field,
            "where": issue.where,
            "text": issue.text,
            "reason": " / ".join(issue.reason),
            "source": issue.source,
        }
        for issue in issues
        if ISSUE_KINDS[issue.kind][2]
    ]
    return pd.DataFrame(rows, columns=UNREAD_COLUMNS)


# --- writing and the command --------------------------------------------------------


def write(extraction: Extraction, out: str | Path) -> list[Path]:
    """Write the tables as plain UTF-8 CSV files into out (created if need be); return them."""
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise InputError("bad_value", folder, expected="an output folder", found="a file")
    written = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for attribute, name in OUTPUT_FILES.items():
            path = folder / name
            table: pd.DataFrame = getattr(extraction, attribute)
            table.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
            written.append(path)
    except OSError as exc:
        raise InputError(
            "bad_value", folder, expected="a writable folder", found=exc.strerror
        ) from None
    return written


def issue_text(issue: Issue, report: str) -> str:
    """Return the one line a person reads about an issue: where, what, why, which sentence."""
    zh, en, _ = ISSUE_KINDS[issue.kind]
    where = f"{report}, {issue.where}" if issue.where else report
    who = f" {issue.project.project_id}（{issue.project.organization}）" if issue.project else ""
    text = f"{where}: {zh} / {en}{who}: “{issue.text}”: {' / '.join(issue.reason)}"
    if issue.source:
        text += f"; 原句 / sentence: “{issue.source}”"
    return text.replace("\n", " ")


def command(args: argparse.Namespace) -> int:
    """Run `extract`: 0 when every figure was read, 1 when some were not (tables still written)."""
    extraction = extract(args.report, prefix=getattr(args, "id_prefix", None))
    write(extraction, args.out)
    lines = [issue_text(issue, extraction.report) for issue in extraction.issues]
    sys.stderr.buffer.write("".join(line + "\n" for line in lines).encode("utf-8"))
    sys.stderr.flush()
    counts = (
        len(extraction.projects),
        len(extraction.lines),
        len(extraction.programs),
        sum(issue.kind == "corrected" for issue in extraction.issues),
        len(extraction.unread),
    )
    summary = (
        "{}: 项目 {} 个，预算明细 {} 行，计划 {} 个，更正 {} 处，未能录入 {} 处 / "
        "{} projects, {} budget lines, {} programs, {} corrected, {} not entered\n"
    ).format(args.out, *counts, *counts)
    sys.stdout.buffer.write(summary.encode("utf-8"))
    sys.stdout.flush()
    return 0 if extraction.complete() else 1
