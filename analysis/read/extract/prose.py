"""Read a report's prose: paragraphs, projects named in them, and the figures of each."""

from __future__ import annotations

import bisect
import functools
import io
import re
import unicodedata
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pandas as pd

from analysis.errors import InputError
from analysis.read.bounds import MAX_DOCX_BYTES, MAX_REPORT_BYTES, check_document, file_bytes
from analysis.read.csvfile import as_utf8
from analysis.read.values import category_lookup
from analysis.words.labels import has_label, pair
from analysis.words.vocabulary import (
    FEN_PER_WAN,
    UNIT_ALIASES,
    UNIT_FACTORS,
)

# Old Word and other formats that are not text: say so rather than report a bad encoding.
REJECTED_SUFFIXES = {".doc", ".wps", ".pdf", ".xls", ".xlsx", ".rtf", ".odt"}
REPORT_EXPECTED = "a report as .txt (UTF-8 or GBK) or .docx"

# --- the words of a report, as patterns on NFKC-normalised text ------------------------
# A report may be one line of megabytes, so no pattern may try again from every character of
# a run (of digits, numerals, spaces): a number starts only where no number goes on, and
# spaces and runs are taken possessively (*+, ++), never given back one at a time.

_NUMBER = r"(?<!\d)(?<!\d[,.])(?:\d{1,3}(?:,\d{3})++(?:\.\d++)?|\d++(?:\.\d++)?)"
_UNIT = r"亿元|万元|元"
# After a label, a bare 万 or 亿 at the end of a clause is 万元 or 亿元 ("设备费 40万，").
_LABELLED_UNIT = rf"{_UNIT}|[万亿](?=[\s,;。()]|$)"
# Between a label and its amount: an optional colon, 为 or 是, and 人民币.
_LEAD = r"\s*+(?::|为|是)?+\s*+(?:人民币)?+\s*+"
_SPECIAL = r"专项(?:资金|经费)"

# field -> the labels that introduce it. Where matches overlap the one that starts first wins,
# so 专项资金累计 is the program's total, not a project's special fund.
FIELD_LABELS: dict[str, str] = {
    "program_total": rf"{_SPECIAL}(?:累计|共计|总计|合计|总额)"
    rf"|(?:累计|共计|总计|合计|共)(?:下达|安排|拨付|投入)?{_SPECIAL}",
    "total": r"(?:公司|企业|项目)?预算(?:总投资|投入|总额)|(?:项目|计划)?总投资|(?:项目)?总预算",
    "special": _SPECIAL,
    "self_raised": r"自筹(?:预算|资金|经费)?",
    # Money spent and received: whose money it is, the sentence says (extract/execution.py).
    "actual": r"实际(?:资金)?(?:使用|支出|投入)(?:资金|金额)?|(?:全年)?执行数"
    r"|已(?:使用|支出)(?:资金)?",
    "received": r"(?:已|实际)?到位(?:资金|金额)?",
    # A bare sum is the program's total in a list of projects, a project's total inside one.
    "bare_sum": r"总计|合计|共计|累计",
}

_OPEN, _CLOSE = '"“「『《', '"”」』》'
_QUOTED = rf"[{_OPEN}](?P<{{name}}>[^{_OPEN}{_CLOSE}]{{{{2,100}}}})[{_CLOSE}]"
# 单位的“项目名称”: the organization runs back to the previous punctuation or space.
MENTION = re.compile(
    rf"(?:{_QUOTED.format(name='qorg')}|(?P<org>[^\s,;:。、!?(){_OPEN}{_CLOSE}]{{2,40}}?))"
    rf"\s*+(?:承担|实施|申报)?+的\s*+{_QUOTED.format(name='title')}"
)
# Every mention has 的 before a quoted title: found first, they say where to try MENTION, so
# that it is not tried (with each length of name) from every character of a long paragraph.
_MENTION_ANCHOR = re.compile(rf"的\s*+[{_OPEN}]")
_MENTION_VERBS = ("承担", "实施", "申报")
_LONGEST_NAME = 102  # an organization in quotes: 100 characters and the quotes


def mentions_in(norm: str) -> Iterator[re.Match[str]]:
    """Yield MENTION's matches in the text, as MENTION.finditer would, in linear time."""
    done = 0
    for anchor in _MENTION_ANCHOR.finditer(norm):
        if anchor.start() < done:
            continue
        # The name ends before the verb (if any) and the spaces before 的; it starts at most
        # _LONGEST_NAME before that.
        end = anchor.start() - (
            2 if norm[anchor.start() - 2 : anchor.start()] in _MENTION_VERBS else 0
        )
        while end > done and norm[end - 1].isspace():
            end -= 1
        found = MENTION.search(norm, max(done, end - _LONGEST_NAME), anchor.end() + 101)
        if found is not None:
            yield found
            done = found.end()


# Words that may run into an organization's name without punctuation between.
_ORG_LEAD_IN = re.compile(r"(?:\d{4}\s*年度?|其中|以及|另外|另有|还有)+")
_ORG_SUFFIX = re.compile(r"(?:股份有限公司|有限责任公司|有限公司|公司)$")

HEADING = re.compile(
    r"\s*(?:[一二三四五六七八九十]+、|\(?[一二三四五六七八九十]+\)|\d+、|第[一二三四五六七八九十]+[章节部分])"
)
TITLE = re.compile(
    r"(?P<year>\d{4})\s*+年度\s*+(?P<program>.{1,80}?)\s*+(?:项目)?+\s*+(?:绩效|自评|评价|工作报告|总结|报告)"
)
YEAR = re.compile(r"(?P<year>(?:19|20|21)\d{2})\s*+年")
SENTENCE_END = re.compile(r"[。;!?]")
# A comma between digits is a thousands separator, not the end of a clause; a tab parts the
# cells of a .docx table's row.
CLAUSE_END = re.compile(r"[。;!?\t]|(?<!\d),|,(?!\d)")

_CN_NUMERALS = "零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟点"
_VAGUE_WORDS = r"若干|待定|不详|未定|另计|另行安排"
# After a number: words that show it is not money (dates, counts, percentages).
_NOT_MONEY = "年月日个项%人次倍天家名条台套篇件"


def _amount(name: str, unit: str = _LABELLED_UNIT) -> str:
    return rf"(?P<{name}>{_NUMBER})\s*+(?P<{name}_unit>{unit})"


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
        return f"{plain_digits(self.number)} {self.unit}"

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


# What extract says about a figure (labels "issue.<kind>"); these kinds mean a figure of the
# report is missing from the tables, and are listed in unread.csv.
MISSING_KINDS = frozenset({"unread", "conflict", "missing", "disagree"})


# --- reading the file ---------------------------------------------------------------


def read_report(path: str | Path) -> list[Paragraph]:
    """Return the report's non-blank paragraphs in order, from a .txt or .docx file.

    Only a regular file within the bounds is read (bounds.py): not /dev/zero, not a FIFO.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in REJECTED_SUFFIXES:
        raise InputError("bad_value", path, expected=REPORT_EXPECTED, found=path.name)
    if suffix == ".docx":
        data = file_bytes(path, limit=MAX_DOCX_BYTES, expected=REPORT_EXPECTED)
        texts, word = _docx_paragraphs(path, data), "paragraph"
    else:
        data = file_bytes(path, limit=MAX_REPORT_BYTES, expected=REPORT_EXPECTED)
        texts, word = as_utf8(data, path).decode("utf-8").splitlines(), "line"
    paragraphs = [Paragraph(f"{word} {i}", t) for i, t in enumerate(texts, 1) if t.strip()]
    if not paragraphs:
        raise InputError("empty_file", path, expected="a report's text")
    return paragraphs


def _docx_paragraphs(path: Path, data: bytes) -> list[str]:
    """Return the document's paragraphs and table rows (cells joined by tabs) in order."""
    import docx

    check_document(str(path), data)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises zip, XML and package errors alike
        raise InputError(
            "malformed", path, expected="a .docx document", found=type(exc).__name__
        ) from None
    texts: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, docx.table.Table):
            for row in block.rows:
                # A merged cell repeats in row.cells as the same cell; two cells that only
                # hold the same text (a 自评表's 42 42 40) are both kept.
                cells = {id(c._tc): c.text.strip() for c in row.cells}
                texts.append("\t".join(c for c in cells.values() if c))
        else:
            texts.append(block.text)
    return texts


# --- normalised text with a way back to print ---------------------------------------


class _Text:
    """A paragraph as printed and NFKC-normalised, with the way back from one to the other.

    Where sentences and clauses end is found once, so that quoting a figure's sentence costs
    a lookup, not a scan from the paragraph's start: a one-line report of megabytes must
    read in time linear in its length.
    """

    def __init__(self, printed: str) -> None:
        # NFKC one character at a time keeps each character's place; a few hundred distinct
        # characters make up a report, so each is normalised once.
        normal = {char: unicodedata.normalize("NFKC", char) for char in set(printed)}
        parts = [normal[char] for char in printed]
        self.printed = printed
        self.norm = "".join(parts)
        # origin[i]: where norm[i] came from in printed; one extra at the end.
        if all(len(part) == 1 for part in normal.values()):
            self.origin = array("q", range(len(printed)))
        else:
            self.origin = array("q", (i for i, part in enumerate(parts) for _ in part))
        self.origin.append(len(printed))

    @classmethod
    def of(cls, printed: str) -> _Text:
        return cls(printed)

    @functools.cached_property
    def sentence_ends(self) -> list[int]:
        return [m.start() for m in SENTENCE_END.finditer(self.norm)]

    @functools.cached_property
    def clause_ends(self) -> list[int]:
        return [m.start() for m in CLAUSE_END.finditer(self.norm)]

    def shown(self, start: int, end: int) -> str:
        return self.printed[self.origin[start] : self.origin[end]].strip().replace("\t", " ")

    def sentence(self, pos: int) -> tuple[int, int]:
        """Return the bounds of the sentence holding pos."""
        ends = self.sentence_ends
        k = bisect.bisect_left(ends, pos)  # sentence ends before pos
        return (ends[k - 1] + 1 if k else 0), (ends[k] if k < len(ends) else len(self.norm))

    def source(self, start: int, end: int, mention: int | None, clause: bool = False) -> str:
        """Return the printed words of a figure at start..end, as a sentence a person can find.

        They end with the figure's clause and start with the project's name when that is in
        the same sentence, else with the sentence, or (clause=True) with the figure's clause.
        """
        first, last = self.sentence(start)
        ends = self.clause_ends
        k = bisect.bisect_left(ends, end)
        stop = min(ends[k] if k < len(ends) else len(self.norm), last)
        if clause:
            k = bisect.bisect_left(ends, start)  # clause ends before the figure
            begin = ends[k - 1] + 1 if k and ends[k - 1] >= first else first
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
        # Each pattern says with which characters its label may start (see _starting).
        starts = {s[0] for s in spellings}
        any_label = rf"{_starting(starts, labels)}(?P<label>{category}|{labels})"
        special_part = (
            rf"(?:\s*+\(\s*+(?:其中)?+|\s*+,\s*+其中)\s*+{_SPECIAL}{_LEAD}{_amount('special')}"
        )
        line = (
            rf"{_starting(starts)}(?P<label>{category}){_LEAD}{_amount('total')}"
            rf"(?:{special_part}\s*+\)?)?"
        )
        self.figures: list[tuple[str, re.Pattern[str]]] = [
            ("line", re.compile(line)),
            *(
                (
                    kind,
                    re.compile(
                        rf"{_starting((), label)}(?P<label>{label}){_LEAD}{_amount('amount')}"
                    ),
                )
                for kind, label in FIELD_LABELS.items()
            ),
        ]
        # The shapes of figures that cannot be read (labels "reason.<kind>" say why); "text"
        # is what fails.
        no_unit = (
            rf"(?:{_NUMBER})(?!\s*+(?:[\d.,]|{_UNIT}))\s*+(?![{_NOT_MONEY}])[^\s,;。()\d]{{0,2}}"
        )
        shapes = {
            "vague": rf"{any_label}\s*+(?::|为)?+\s*+(?P<text>{_VAGUE_WORDS})",
            "words": rf"{any_label}{_LEAD}(?P<text>[{_CN_NUMERALS}]++\s*+(?:{_UNIT}))",
            "colon": rf"{any_label}\s*+:\s*+(?P<text>[^,;。()]{{1,20}})",
            "no_unit": rf"{any_label}{_LEAD}(?P<text>{no_unit})",
            "cn_amount": (
                rf"(?<![{_CN_NUMERALS}])(?P<text>[{_CN_NUMERALS}]{{2,}}+\s*+(?:{_UNIT}))(?!化)"
            ),
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
        return [m for m in kept if has_label(f"reason.{m.kind}")]


def _starting(first: Iterable[str], *patterns: str) -> str:
    """Return a lookahead for the characters a match may start with: the given ones and every
    character outside ASCII that the patterns are spelled with (FIELD_LABELS: Chinese words).

    Without it the engine tries some forty spellings at every character of a paragraph; with
    it, a character that starts none of them is passed over at once.
    """
    chars = {*first, *(c for pattern in patterns for c in pattern if not c.isascii())}
    return f"(?=[{''.join(re.escape(c) for c in sorted(chars))}])"


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


class _Mentions:
    """The projects named in a paragraph, in order: where each name starts and ends."""

    def __init__(self, found: list[tuple[int, int, Project]]) -> None:
        self.starts = [start for start, _, _ in found]
        self.ends = [end for _, end, _ in found]
        self.projects = [project for _, _, project in found]

    def between(self, first: int, last: int) -> int:
        """Return how many names start in first..last (last excluded)."""
        return bisect.bisect_left(self.starts, last) - bisect.bisect_left(self.starts, first)


class _Reader:
    """Reads paragraphs one after another, keeping which project the text is about."""

    def __init__(self, categories: pd.DataFrame) -> None:
        self.patterns = _Patterns(categories)
        self.projects: dict[tuple[str, str], Project] = {}
        self.by_organization: dict[str, list[Project]] = {}
        self.longest_organization = 0
        self.program_total: Figure | None = None
        self.program_sources: list[str] = []
        self.issues: list[Issue] = []
        self.current: Project | None = None

    def read(self, paragraph: Paragraph) -> None:
        text = _Text.of(paragraph.printed)
        if HEADING.match(text.norm):
            self.current = None
        found = mentions_in(text.norm)
        mentions = _Mentions([(m.start(), m.end(), self._project(m, text)) for m in found])
        if not mentions.starts or mentions.starts[0] > 0:
            self.current = self._known_at_start(text.norm) or self.current
        # Titles may hold digits and 元: look for figures with the names blanked out.
        pieces, done = [], 0
        for start, end in zip(mentions.starts, mentions.ends, strict=True):
            pieces += [text.norm[done:start], "□" * (end - start)]
            done = end
        scan_text = "".join([*pieces, text.norm[done:]])
        taken = self.patterns.figure_matches(scan_text)
        for match in taken:
            self._figure(match, mentions, text, paragraph.where)
        for match in self.patterns.unread_matches(scan_text, taken):
            project, mention = self._context(match.start, mentions)
            source = text.source(match.start, match.end, mention)
            shown = text.shown(match.start, match.end)
            label = match.group("label") or ""
            self._issue("unread", project, label, paragraph.where, shown, match.kind, source)
        if mentions.projects:
            self.current = mentions.projects[-1]

    def _project(self, m: re.Match[str], text: _Text) -> Project:
        start, end = m.span("qorg") if m["qorg"] else m.span("org")
        lead = _ORG_LEAD_IN.match(text.norm, start, end)
        organization = text.shown(lead.end() if lead else start, end)
        title = text.shown(*m.span("title"))
        key = (_ORG_SUFFIX.sub("", _key(organization)), _key(title).removesuffix("项目"))
        if key not in self.projects:
            self.projects[key] = Project(organization, title)
            self.by_organization.setdefault(_key(organization), []).append(self.projects[key])
            self.longest_organization = max(self.longest_organization, len(_key(organization)))
        return self.projects[key]

    def _known_at_start(self, norm: str) -> Project | None:
        """Return the project whose organization opens the paragraph, if just one has it."""
        opening = _key(norm)
        longest = min(self.longest_organization, len(opening))
        for length in range(longest if self.projects else -1, -1, -1):  # the longest first
            found = self.by_organization.get(opening[:length], [])
            if len(found) == 1:
                return found[0]
        return None

    def _context(self, pos: int, mentions: _Mentions) -> tuple[Project | None, int | None]:
        """Return the project the text at pos is about, and where it was named (if here)."""
        k = bisect.bisect_right(mentions.starts, pos)  # mentions starting at or before pos
        if k:
            return mentions.projects[k - 1], mentions.starts[k - 1]
        return self.current, None

    def _figure(self, match: _Match, mentions: _Mentions, text: _Text, where: str) -> None:
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
        in_list = mentions.between(first, last) > 1
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
        self.issues.append(
            Issue(kind, project, name, where, text, pair(f"reason.{reason}"), source)
        )


def _amount_of(match: _Match, name: str, text: _Text) -> Amount | None:
    """Return the amount in the match's group name, or None when it is finer than 0.01 元."""
    start, end = match.found.start(name), match.found.end(f"{name}_unit")
    number = Decimal(str(match.group(name)).replace(",", ""))
    unit = UNIT_ALIASES[str(match.group(f"{name}_unit"))]
    amount = Amount(number, unit, text.shown(start, end))
    return amount if amount.fen == amount.fen.to_integral_value() else None


# A row quotes at most this many sentences: a report that gives one figure in thousands of
# sentences (no real one does) must not cost their square.
MAX_SOURCES = 20


def _add_source(sources: list[str], source: str) -> None:
    """Add a sentence to a row's sources unless one already holds it; a longer one replaces."""
    if len(sources) >= MAX_SOURCES or any(source in s for s in sources):
        return
    sources[:] = [s for s in sources if s not in source]
    sources.append(source)


def plain_digits(number: Decimal) -> str:
    """Return the number as plain digits: 170, 1.5, 0.0005 (no exponent, no trailing zeros)."""
    return format(number.normalize(), "f")
