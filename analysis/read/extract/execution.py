"""How a report writes money received and spent, and its rates (到位, 实际使用, 执行率).

What is read, and how:
- 实际使用 / 实际支出 / 执行数 X 万元: money spent; 到位 X 万元 / 到位资金 X 万元: money
  received. Whose money it is comes from the sentence: the last source named before it
  outside brackets (专项资金 or 专项经费: the special fund; 自筹 …: self-raised money). A
  sum spent after a project's total budget (预算总投资 270 万元，…实际支出 250 万元) is not
  split by source, and the tables have no column for it; it is listed in unread.csv, as is
  a sum whose source the sentence does not say.
- 已到位 / 已全部到位 / 足额到位, with no amount: the money of the source just named was
  received in full (自筹预算 20 万元已全部到位: 20 received). Where no amount of that
  source is given at all, the statement is listed in unread.csv.
- 执行率 X%, 到位率 X%, 占预算（总额）的 X%: a rate, which must agree with the amounts it
  is a rate of (the money spent or received over its budget), within the rounding of the
  printed figures. A rate that disagrees is listed (kind "disagree"), and so is a rate
  whose amount the report does not give: the tables hold amounts, never a figure worked
  back from a rate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from analysis.read.extract.prose import (
    HEADING,
    MENTION,
    Amount,
    Figure,
    Issue,
    Paragraph,
    Project,
    _amount_of,
    _Match,
    _Reader,
    _Text,
    plain_digits,
)

SOURCE_WORDS = re.compile(
    r"(?P<special>专项(?:资金|经费))|(?P<self_raised>自筹(?:资金|经费|预算)?)"
)
# 已到位 with no amount after it: the money just named arrived in full.
WHOLE_RECEIVED = re.compile(
    r"(?:已经?|均已)?(?:全部|足额|全额)?到位(?!\s*(?:资金|金额|率)?\s*(?::|为|是)?\s*[\d.])"
)
RATE = re.compile(
    r"(?P<label>执行率|到位率|占[^,;。()]{0,8}?(?:预算|总额)[^,;。()\d]{0,6}?)"
    r"\s*(?::|为|是|达到?|达)?\s*(?P<number>\d+(?:\.\d+)?)\s*%"
)

# Why a statement of money received or spent is not in the tables: (Chinese, English).
EXECUTION_REASONS: dict[str, tuple[str, str]] = {
    "no_source": (
        "未指明是专项资金还是自筹资金",
        "not said whether it is special-fund or self-raised money",
    ),
    "whole_project": (
        "是项目整体的金额，未分专项资金和自筹资金，表中没有此列",
        "is the whole project's, not split into special fund and self-raised money, "
        "and the tables have no column for it",
    ),
    "no_budget_for_whole": (
        "称资金已全部到位，但报告未给出该来源的预算金额",
        "says the money arrived in full, but the report gives no amount of that source",
    ),
    "rate_without_amount": (
        "只给出比率，未给出对应金额；表中只录入金额",
        "a rate without the amount it is a rate of; the tables hold amounts",
    ),
}


@dataclass(frozen=True)
class Rate:
    """A printed rate, what it is a rate of (e.g. self_raised_actual), and where it was."""

    project: Project
    figure: str
    percent: Decimal
    label: str
    printed: str
    source: str
    where: str


def inside_brackets(text: str, start: int, pos: int) -> bool:
    """Return whether pos lies inside brackets opened after start (NFKC text: ( and ))."""
    depth = 0
    for char in text[start:pos]:
        if char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
    return depth > 0


def subject(scan: str, start: int, pos: int, totals: list[int]) -> str | None:
    """Return whose money the amount at pos is: "special", "self_raised", "total" (the
    project's whole budget was named last) or None, from what the sentence (from start)
    names last outside brackets."""
    named = [
        (m.start(), m.lastgroup)
        for m in SOURCE_WORDS.finditer(scan, start, pos)
        if not inside_brackets(scan, start, m.start())
    ]
    named += [
        (t, "total") for t in totals if start <= t < pos and not inside_brackets(scan, start, t)
    ]
    return max(named)[1] if named else None


def rate_agrees(percent: Decimal, figure: Amount, budget_fen: Decimal) -> bool:
    """Return whether a printed rate agrees with figure / budget, each as exact as printed.

    The rate stands for ± half its last digit; each amount for ± 0.005 万元.
    """
    if budget_fen <= 0:
        return False
    exponent = percent.as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    half = Decimal(5) / Decimal(10) ** (decimals + 1) / 100
    rate = percent / 100
    slack = Decimal(5_000)  # 0.005 万元 in 分
    low = (figure.fen - slack) / (budget_fen + slack)
    high = (figure.fen + slack) / max(budget_fen - slack, Decimal(1))
    return rate + half >= low and rate - half <= high


class EvaluationReader(_Reader):
    """The prose reader, also reading money received and spent, and rates."""

    def __init__(self, categories) -> None:
        super().__init__(categories)
        self.rates: list[Rate] = []
        self.whole: list[tuple[Project, str, Figure]] = []  # received in full, amount to find
        self._paragraph: tuple[_Text, str, list[_Match]] | None = None

    def _scan(self, text: _Text, mentions: list) -> tuple[str, list[_Match]]:
        """Return the paragraph with project names blanked out, and its figures (once)."""
        if self._paragraph is None or self._paragraph[0] is not text:
            scan = list(text.norm)
            for start, end, _ in mentions:
                scan[start:end] = "□" * (end - start)
            scan_text = "".join(scan)
            self._paragraph = (text, scan_text, self.patterns.figure_matches(scan_text))
        return self._paragraph[1], self._paragraph[2]

    def read(self, paragraph: Paragraph) -> None:
        before = self.current
        super().read(paragraph)
        after = self.current
        text = _Text.of(paragraph.printed)
        mentions = [
            (m.start(), m.end(), self._project(m, text)) for m in MENTION.finditer(text.norm)
        ]
        # The project the paragraph is about before it names one, as the prose reader has it.
        self.current = None if HEADING.match(text.norm) else before
        if not mentions or mentions[0][0] > 0:
            self.current = self._known_at_start(text.norm) or self.current
        scan, taken = self._scan(text, mentions)
        read = [(m.start, m.end) for m in taken]
        for found in WHOLE_RECEIVED.finditer(scan):
            if not any(s <= found.start() < e for s, e in read):
                self._received_in_full(found, mentions, text, paragraph.where)
        for found in RATE.finditer(scan):
            if not any(s <= found.start() < e for s, e in read):
                self._rate(found, mentions, text, paragraph.where)
        self.current = after
        self._paragraph = None

    def _figure(self, match: _Match, mentions: list, text: _Text, where: str) -> None:
        if match.kind not in ("actual", "received"):
            super()._figure(match, mentions, text, where)
            return
        project, mention = self._context(match.start, mentions)
        label = str(match.group("label"))
        source = text.source(match.start, match.end, mention)
        shown = text.shown(match.start, match.end)
        amount = _amount_of(match, "amount", text)
        if amount is None:
            self._issue("unread", project, label, where, shown, "too_precise", source)
            return
        if project is None:
            self._issue("unread", None, label, where, shown, "no_project", source)
            return
        which = self._whose(match.start, mentions, text)
        if which in ("special", "self_raised"):
            self._set(project, f"{which}_{match.kind}", Figure(amount, label, source, where))
            return
        reason = EXECUTION_REASONS["whole_project" if which == "total" else "no_source"]
        self.issues.append(Issue("unread", project, label, where, shown, reason, source))

    def _whose(self, pos: int, mentions: list, text: _Text) -> str | None:
        scan, taken = self._scan(text, mentions)
        first, _ = text.sentence(pos)
        totals = [m.start for m in taken if m.kind in ("total", "bare_sum")]
        return subject(scan, first, pos, totals)

    def _received_in_full(self, found, mentions: list, text: _Text, where: str) -> None:
        project, mention = self._context(found.start(), mentions)
        which = self._whose(found.start(), mentions, text)
        if project is None or which is None:
            return  # "资金已到位" names no money: there is no figure to enter or to lose
        scan, taken = self._scan(text, mentions)
        source = text.source(found.start(), found.end(), mention)
        label = text.shown(found.start(), found.end())
        first, _ = text.sentence(found.start())
        named = [
            m for m in taken
            if first <= m.start < found.start() and not inside_brackets(scan, first, m.start)
        ]  # fmt: skip
        last = named[-1] if named else None
        if last is not None and last.kind == which and which != "total":
            amount = _amount_of(last, "amount", text)
            if amount is not None:
                self._set(project, f"{which}_received", Figure(amount, label, source, where))
                return
        # The budget (of one source, or of both where the project's total was named) is
        # known once the whole report is read.
        said = Figure(Amount(Decimal(0), "万元", ""), label, source, where)
        for each in ("special", "self_raised") if which == "total" else (which,):
            self.whole.append((project, each, said))

    def _rate(self, found, mentions: list, text: _Text, where: str) -> None:
        project, mention = self._context(found.start(), mentions)
        if project is None:
            return
        _, taken = self._scan(text, mentions)
        first, _ = text.sentence(found.start())
        label = found["label"]
        if label == "执行率":
            kind = "actual"
        elif label == "到位率":
            kind = "received"
        else:  # 占预算的 X%: a rate of the amount just before it
            before = [m for m in taken if first <= m.start < found.start()]
            kind = before[-1].kind if before and before[-1].kind in ("actual", "received") else ""
        which = self._whose(found.start(), mentions, text)
        printed = text.shown(found.start(), found.end())
        source = text.source(found.start(), found.end(), mention)
        figure = f"{which}_{kind}" if kind and which in ("special", "self_raised") else ""
        self.rates.append(
            Rate(project, figure, Decimal(found["number"]), label, printed, source, where)
        )

    def finish(self, project: Project) -> list[Issue]:
        """Return the issues of a project's statements that needed all of its figures: the
        money received in full, and the rates checked against the amounts."""
        issues = []
        for owner, which, said in self.whole:
            if owner is not project:
                continue
            budget = _budget_fen(project, which)
            if budget is None:
                reason = EXECUTION_REASONS["no_budget_for_whole"]
                issues.append(Issue("missing", project, f"{which}_received", said.where,
                                    said.label, reason, said.source))  # fmt: skip
                continue
            amount = Amount(budget / 1_000_000, "万元", said.label)
            self._set(project, f"{which}_received", Figure(amount, said.label, said.source,
                                                           said.where))  # fmt: skip
        for rate in self.rates:
            if rate.project is project:
                issues.extend(_checked(project, rate))
        return issues


def _budget_fen(project: Project, which: str) -> Decimal | None:
    """Return a source's budget in 分: as given, or (self-raised) the total less special."""
    if which in project.figures:
        return project.figures[which].amount.fen
    if which == "self_raised" and {"total", "special"} <= set(project.figures):
        return project.figures["total"].amount.fen - project.figures["special"].amount.fen
    return None


def _checked(project: Project, rate: Rate) -> list[Issue]:
    """Return the issue of a rate: none where it agrees with its amounts."""
    figure = project.figures.get(rate.figure) if rate.figure else None
    if figure is None:
        reason = EXECUTION_REASONS["rate_without_amount"]
        return [Issue("unread", project, rate.figure or rate.label, rate.where, rate.printed,
                      reason, rate.source)]  # fmt: skip
    which = rate.figure.rsplit("_", 1)[0]
    budget = _budget_fen(project, which)
    if budget is None or rate_agrees(rate.percent, figure.amount, budget):
        return []
    computed = figure.amount.fen / budget * 100
    reason = (
        f"与 {figure.label} {figure.amount.printed} 及预算 {plain_digits(budget / 1_000_000)} 万元"
        f"算得的 {computed:.1f}% 不符",
        f"disagrees with {computed:.1f}% from {figure.amount.printed} over the "
        f"{plain_digits(budget / 1_000_000)} 万元 budget",
    )
    return [Issue("disagree", project, rate.figure, rate.where, rate.printed, reason, rate.source)]
