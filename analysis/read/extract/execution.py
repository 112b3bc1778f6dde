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

import bisect
import re
from dataclasses import dataclass
from decimal import Decimal

from analysis.read.extract.prose import (
    HEADING,
    Amount,
    Figure,
    Issue,
    Paragraph,
    Project,
    _amount_of,
    _Match,
    _Mentions,
    _Reader,
    _Text,
    mentions_in,
    plain_digits,
)
from analysis.words.labels import pair

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


class _Scan:
    """One paragraph as the evaluation reads it, worked out once: the text with project
    names blanked out, its figures, and where sources are named and brackets open, so that
    each question about a position costs a search, not a pass over the paragraph."""

    def __init__(self, text: _Text, mentions: _Mentions, patterns) -> None:
        self.text_of = text
        scan = list(text.norm)
        for start, end in zip(mentions.starts, mentions.ends, strict=True):
            scan[start:end] = "□" * (end - start)
        self.text = "".join(scan)
        self.figures = patterns.figure_matches(self.text)
        self.figure_starts = [m.start for m in self.figures]
        self.figure_ends = [m.end for m in self.figures]
        named = [(m.start(), m.lastgroup) for m in SOURCE_WORDS.finditer(self.text)]
        named += [(m.start, "total") for m in self.figures if m.kind in ("total", "bare_sum")]
        named.sort()
        self.named = named
        self.named_at = [pos for pos, _ in named]
        # Bracket depth before each character (a ")" with none open is ignored).
        depth, depths = 0, [0]
        for char in self.text:
            if char == "(":
                depth += 1
            elif char == ")" and depth:
                depth -= 1
            depths.append(depth)
        self.depth = depths

    def in_figure(self, pos: int) -> bool:
        """Return whether pos lies inside a figure the prose reader has read."""
        k = bisect.bisect_right(self.figure_starts, pos)
        return k > 0 and pos < self.figure_ends[k - 1]

    def inside_brackets(self, start: int, pos: int) -> bool:
        """Return whether pos lies inside brackets opened after start."""
        return self.depth[pos] > self.depth[start]

    def subject(self, start: int, pos: int) -> str | None:
        """Return whose money the amount at pos is: "special", "self_raised", "total" (the
        project's whole budget was named last) or None, from what the sentence (from
        start) names last outside brackets."""
        k = bisect.bisect_left(self.named_at, pos)
        while k > 0 and self.named_at[k - 1] >= start:
            k -= 1
            where, kind = self.named[k]
            if not self.inside_brackets(start, where):
                return kind
        return None

    def figures_between(self, first: int, pos: int) -> list[_Match]:
        """Return the figures that start in first..pos (pos excluded)."""
        low = bisect.bisect_left(self.figure_starts, first)
        return self.figures[low : bisect.bisect_left(self.figure_starts, pos)]


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
        self._paragraph: _Scan | None = None

    def _scan(self, text: _Text, mentions: _Mentions) -> _Scan:
        """Return the paragraph as the evaluation reads it (worked out once)."""
        if self._paragraph is None or self._paragraph.text_of is not text:
            self._paragraph = _Scan(text, mentions, self.patterns)
        return self._paragraph

    def read(self, paragraph: Paragraph) -> None:
        before = self.current
        super().read(paragraph)
        after = self.current
        text = _Text.of(paragraph.printed)
        mentions = _Mentions(
            [(m.start(), m.end(), self._project(m, text)) for m in mentions_in(text.norm)]
        )
        # The project the paragraph is about before it names one, as the prose reader has it.
        self.current = None if HEADING.match(text.norm) else before
        if not mentions.starts or mentions.starts[0] > 0:
            self.current = self._known_at_start(text.norm) or self.current
        scan = self._scan(text, mentions)
        for found in WHOLE_RECEIVED.finditer(scan.text):
            if not scan.in_figure(found.start()):
                self._received_in_full(found, mentions, text, paragraph.where)
        for found in RATE.finditer(scan.text):
            if not scan.in_figure(found.start()):
                self._rate(found, mentions, text, paragraph.where)
        self.current = after
        self._paragraph = None

    def _figure(self, match: _Match, mentions: _Mentions, text: _Text, where: str) -> None:
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
        reason = pair("reason." + ("whole_project" if which == "total" else "no_source"))
        self.issues.append(Issue("unread", project, label, where, shown, reason, source))

    def _whose(self, pos: int, mentions: _Mentions, text: _Text) -> str | None:
        first, _ = text.sentence(pos)
        return self._scan(text, mentions).subject(first, pos)

    def _received_in_full(self, found, mentions: _Mentions, text: _Text, where: str) -> None:
        project, mention = self._context(found.start(), mentions)
        which = self._whose(found.start(), mentions, text)
        if project is None or which is None:
            return  # "资金已到位" names no money: there is no figure to enter or to lose
        scan = self._scan(text, mentions)
        source = text.source(found.start(), found.end(), mention)
        label = text.shown(found.start(), found.end())
        first, _ = text.sentence(found.start())
        named = [
            m for m in scan.figures_between(first, found.start())
            if not scan.inside_brackets(first, m.start)
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

    def _rate(self, found, mentions: _Mentions, text: _Text, where: str) -> None:
        project, mention = self._context(found.start(), mentions)
        if project is None:
            return
        scan = self._scan(text, mentions)
        first, _ = text.sentence(found.start())
        label = found["label"]
        if label == "执行率":
            kind = "actual"
        elif label == "到位率":
            kind = "received"
        else:  # 占预算的 X%: a rate of the amount just before it
            before = scan.figures_between(first, found.start())
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
                reason = pair("reason.no_budget_for_whole")
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
        reason = pair("reason.rate_without_amount")
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
