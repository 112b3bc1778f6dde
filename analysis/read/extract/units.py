"""Correct a line figure printed in the wrong unit, only where the project's sums prove it."""

from __future__ import annotations

from collections import Counter
from itertools import combinations

from analysis.read.extract.prose import Amount, Figure, Issue, Project
from analysis.words.vocabulary import (
    TOLERANCE_FEN_PER_FIGURE,
)

# --- units the sums prove -----------------------------------------------------------


def reconcile_units(project: Project) -> list[Issue]:
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
            issues.append(about(declared, "doubtful", project, column, reason))
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


def about(figure: Figure, kind: str, project: Project | None, name: str, reason) -> Issue:
    """Return an issue about a figure already read, quoting it and its sentence."""
    return Issue(kind, project, name, figure.where, figure.amount.printed, reason, figure.source)
