"""The 自评 scoring reference (财预〔2020〕10号, 项目支出绩效自评表), one table each.

Everything a performance self-evaluation is scored by lives here, so that a province that
scores otherwise changes a row, not the code that uses it:

- INDICATOR_LEVELS: the first-level indicators (一级指标) and the points each is nominally
  worth; LEVEL2: the second-level ones (二级指标) and the first level each belongs to.
- DIRECTIONS: how an indicator of each direction (`>=`, `<=`, `=`, `qualitative`) is
  scored from its target (年度指标值), actual (实际完成值) and weight (分值).
- EXECUTION: the points of 预算执行率 and the rate they are scored on.
- GRADES: the grade (等级) of a total score.

How a project is scored (analysis.measure.evaluation applies it):
    execution_score = min(special_execution_rate, 100%) × 10
    each indicator's score by its direction's row below, between 0 and its weight
    score = execution_score + the indicators' scores, out of 100
    grade: 优 ≥ 90, 良 80 to < 90, 中 60 to < 80, 差 < 60
Each part is rounded to two decimals as the form prints it, and the total is the sum of the
rounded parts, so the printed 自评表 adds up. A project without indicators, or whose
special-fund spending or an indicator's figures are missing, has no score (empty, not 0)
and says why (SCORE_STATUSES).

The rules (analysis.check.rules) read the same table: a project's indicator weights must
add up to TOTAL_POINTS − EXECUTION.points (90), a qualitative score may not exceed its
weight, and every level and direction must be one of these.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

TOTAL_POINTS = 100.0


@dataclass(frozen=True)
class ExecutionRule:
    """The points of 预算执行率 and how they are scored: min(rate, cap) × points."""

    points: float
    rate: str  # a column of Measures.projects
    cap: float
    zh: str
    en: str


EXECUTION = ExecutionRule(
    points=10.0,
    rate="special_execution_rate",
    cap=1.0,
    zh="预算执行率：min(专项资金执行率, 100%) × 10",
    en="Budget execution: min(special-fund execution rate, 100%) × 10",
)

# The points the indicators share: 90 of 100, with the 10 of 预算执行率.
INDICATOR_POINTS = TOTAL_POINTS - EXECUTION.points


@dataclass(frozen=True)
class Level:
    """An indicator level: its code, names, nominal points, and (level 2) its level 1."""

    code: str
    zh: str
    en: str
    points: float | None = None
    parent: str | None = None


INDICATOR_LEVELS: tuple[Level, ...] = (
    Level("output", "产出指标", "Output", 50.0),
    Level("effect", "效益指标", "Benefit", 30.0),
    Level("satisfaction", "满意度指标", "Satisfaction", 10.0),
)

LEVEL2: tuple[Level, ...] = (
    Level("quantity", "数量指标", "Quantity", parent="output"),
    Level("quality", "质量指标", "Quality", parent="output"),
    Level("timeliness", "时效指标", "Timeliness", parent="output"),
    Level("cost", "成本指标", "Cost", parent="output"),
    Level("economic", "经济效益指标", "Economic benefit", parent="effect"),
    Level("social", "社会效益指标", "Social benefit", parent="effect"),
    Level("ecological", "生态效益指标", "Ecological benefit", parent="effect"),
    Level("sustainability", "可持续影响指标", "Sustainable impact", parent="effect"),
    Level("beneficiary_satisfaction", "服务对象满意度指标", "Beneficiary satisfaction",
          parent="satisfaction"),
)  # fmt: skip


# --- how an indicator is scored, by direction -----------------------------------------


def _at_least(target, actual, weight, given, tolerance):
    # A target of 0 or less is met by any actual at or above it.
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(target > 0, actual / target, np.where(actual >= target, 1.0, 0.0))
    return _bounded(share, actual, target) * weight


def _at_most(target, actual, weight, given, tolerance):
    # An actual of 0 (nothing over, no delay, no complaint) earns full marks.
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(actual > 0, target / actual, np.where(actual <= target, 1.0, 0.0))
    return _bounded(share, actual, target) * weight


def _equal_to(target, actual, weight, given, tolerance):
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.minimum(actual / target, target / actual)
    share = np.where(np.abs(actual - target) <= tolerance, 1.0, share)
    return _bounded(share, actual, target) * weight


def _given(target, actual, weight, given, tolerance):
    # The evaluator's score, never more than the weight (rule R26 reports one above it).
    return np.clip(given, 0.0, weight)


def _bounded(share, actual, target) -> np.ndarray:
    """Return share between 0 and 1, NaN where actual or target is missing or it is undefined."""
    share = np.where(np.isfinite(share), np.clip(share, 0.0, 1.0), np.nan)
    return np.where(np.isnan(actual) | np.isnan(target), np.nan, share)


@dataclass(frozen=True)
class Direction:
    """How indicators of one direction are scored.

    score(target, actual, weight, given, tolerance) takes arrays and returns each
    indicator's score (NaN where it cannot be worked out); tolerance is how far apart two
    figures may be and still count as equal (half the last digit of the target as written).
    """

    code: str
    zh: str
    en: str
    formula_zh: str
    formula_en: str
    score: Callable[..., np.ndarray]
    needs: tuple[str, ...]  # the figures without which an indicator cannot be scored


DIRECTIONS: tuple[Direction, ...] = (
    Direction(">=", "正向（≥）", "at least (≥)",
              "min(实际完成值 ÷ 年度指标值, 1) × 分值",
              "min(actual ÷ target, 1) × weight", _at_least, ("target", "actual")),
    Direction("<=", "反向（≤）", "at most (≤)",
              "min(年度指标值 ÷ 实际完成值, 1) × 分值，实际完成值为 0 得满分",
              "min(target ÷ actual, 1) × weight, full marks when the actual is 0",
              _at_most, ("target", "actual")),
    Direction("=", "等于（=）", "equal to (=)",
              "在指标值精度内相等得满分，否则 min(实际 ÷ 指标, 指标 ÷ 实际) × 分值",
              "full marks when equal within the target's precision, else "
              "min(actual ÷ target, target ÷ actual) × weight", _equal_to, ("target", "actual")),
    Direction("qualitative", "定性", "qualitative",
              "评价人给出的得分（不超过分值）",
              "the evaluator's score (at most the weight)", _given, ("score",)),
)  # fmt: skip

DIRECTION_CODES = tuple(d.code for d in DIRECTIONS)

# How a direction is written before a figure (≥3次, 不低于 95%) and as a word of its own.
SIGNS: dict[str, str] = {
    ">=": ">=", "≥": ">=", "≧": ">=", ">": ">=", "不低于": ">=", "不少于": ">=",
    "大于等于": ">=", "<=": "<=", "≤": "<=", "≦": "<=", "<": "<=", "不高于": "<=",
    "不超过": "<=", "不多于": "<=", "小于等于": "<=", "=": "=", "==": "=", "等于": "=",
}  # fmt: skip
DIRECTION_ALIASES: dict[str, str] = {
    **SIGNS, "正向": ">=", "at least": ">=", "反向": "<=", "at most": "<=", "equal": "=",
    "qualitative": "qualitative", "定性": "qualitative",
}  # fmt: skip


@dataclass(frozen=True)
class Grade:
    """A grade: its code, names, and the lowest score that earns it."""

    code: str
    zh: str
    en: str
    minimum: float


# Highest first: a score earns the first grade whose minimum it reaches.
GRADES: tuple[Grade, ...] = (
    Grade("excellent", "优", "Excellent", 90.0),
    Grade("good", "良", "Good", 80.0),
    Grade("fair", "中", "Fair", 60.0),
    Grade("poor", "差", "Poor", -np.inf),
)

# Why a project has a score, or why not: (code, Chinese, English), in order of precedence.
SCORE_STATUSES: tuple[tuple[str, str, str], ...] = (
    ("no_indicators", "无绩效指标", "no indicators"),
    ("no_execution", "无专项资金执行数", "no special-fund spending reported"),
    ("not_scored", "有指标无法评分", "an indicator cannot be scored"),
    ("scored", "已评分", "scored"),
)


def indicator_scores(
    direction: np.ndarray,
    target: np.ndarray,
    actual: np.ndarray,
    weight: np.ndarray,
    given: np.ndarray,
    tolerance: np.ndarray,
) -> np.ndarray:
    """Return each indicator's score by its direction's row of DIRECTIONS, rounded to two
    decimals (NaN where a figure it needs is missing, or the direction is unknown)."""
    direction = np.asarray(direction, dtype=object)
    figures = [np.asarray(a, dtype=np.float64) for a in (target, actual, weight, given, tolerance)]
    score = np.full(len(direction), np.nan)
    for d in DIRECTIONS:
        rows = direction == d.code
        if rows.any():
            score[rows] = d.score(*(a[rows] for a in figures))
    return rounded(score)


def grade_of(score: np.ndarray) -> np.ndarray:
    """Return each score's grade code (None where there is no score)."""
    score = np.asarray(score, dtype=np.float64)
    conditions = [score >= g.minimum for g in GRADES]
    graded = np.select(conditions, [g.code for g in GRADES], default="")
    return np.where(np.isnan(score), None, graded).astype(object)


def rounded(points: np.ndarray) -> np.ndarray:
    """Return points rounded half up to two decimals, as a 自评表 prints them."""
    points = np.asarray(points, dtype=np.float64)
    # A hair added first, so that 9.525 stored as 9.52499… still rounds up as printed.
    return np.floor(points * 100 + 0.5 + 1e-9) / 100


def grade_bands(lang: str = "zh") -> str:
    """Return the grades and their bands as a line for people: 优 ≥ 90，良 80–90，…"""
    parts = []
    for higher, grade in zip((None, *GRADES), GRADES, strict=False):
        name = grade.zh if lang == "zh" else grade.en
        if higher is None:
            parts.append(f"{name} ≥ {grade.minimum:g}")
        elif np.isfinite(grade.minimum):
            parts.append(f"{name} {grade.minimum:g}–{higher.minimum:g}")
        else:
            parts.append(f"{name} < {higher.minimum:g}")
    return ("，" if lang == "zh" else ", ").join(parts)


def scoring_note(lang: str = "zh") -> str:
    """Return how a project is scored, in one paragraph for people (a 自评表's note)."""
    if lang == "zh":
        rules = "；".join(f"{d.zh}：{d.formula_zh}" for d in DIRECTIONS)
        return (
            f"说明：{EXECUTION.zh}；绩效指标按方向评分，{rules}；各项得分保留两位小数，"
            f"总分为各项得分之和（满分 {TOTAL_POINTS:g}）；等级：{grade_bands('zh')}。"
        )
    rules = "; ".join(f"{d.en}: {d.formula_en}" for d in DIRECTIONS)
    return (
        f"Notes: {EXECUTION.en}; indicators are scored by direction, {rules}; each score has "
        f"two decimals and the total is their sum (out of {TOTAL_POINTS:g}); grades: "
        f"{grade_bands('en')}."
    )


def rules_table(lang: str = "zh") -> pd.DataFrame:
    """Return this table's scoring rules for people: item, points (weight), rule."""
    zh = lang == "zh"
    execution = EXECUTION.zh if zh else EXECUTION.en
    item, rule = execution.split("：" if zh else ": ", 1)
    rows: list[tuple[str, float | None, str]] = [(item, EXECUTION.points, rule)]
    shared = (
        f"原则上的分值；各项指标的分值合计 {INDICATOR_POINTS:g}"
        if zh
        else f"nominal points; the indicators' weights add up to {INDICATOR_POINTS:g}"
    )
    rows += [(level.zh if zh else level.en, level.points, shared) for level in INDICATOR_LEVELS]
    rows += [(d.zh if zh else d.en, None, d.formula_zh if zh else d.formula_en) for d in DIRECTIONS]
    bands = grade_bands(lang).split("，" if zh else ", ")
    rows += [(g.zh if zh else g.en, None, band) for g, band in zip(GRADES, bands, strict=True)]
    return pd.DataFrame(rows, columns=["scoring_item", "weight", "scoring_rule"])


# --- reading the vocabulary -------------------------------------------------------------


def term_key(text: object) -> str:
    """Return how an indicator term is compared: NFKC, no spaces, lower case, no 指标 suffix."""
    key = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return re.sub(r"\s+", "", key).removesuffix("指标")


def _lookup(levels: tuple[Level, ...]) -> dict[str, str]:
    found: dict[str, str] = {}
    for level in levels:
        for spelling in (level.code, level.zh, level.en):
            found.setdefault(term_key(spelling), level.code)
    return found


LEVEL1_LOOKUP = _lookup(INDICATOR_LEVELS)
LEVEL2_LOOKUP = _lookup(LEVEL2)
LEVEL2_PARENT = {level.code: level.parent for level in LEVEL2}


def direction_code(text: object) -> str | None:
    """Return the direction code of a spelling (None when unknown)."""
    key = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return DIRECTION_ALIASES.get(key) or DIRECTION_ALIASES.get(re.sub(r"\s+", "", key))


def term_names() -> dict[str, tuple[str, str]]:
    """Return the Chinese and English name of every code of this module (for the labels)."""
    names: dict[str, tuple[str, str]] = {}
    for level in (*INDICATOR_LEVELS, *LEVEL2):
        names[level.code] = (level.zh, level.en)
    for direction in DIRECTIONS:
        names[direction.code] = (direction.zh, direction.en)
    for grade in GRADES:
        names[grade.code] = (grade.zh, grade.en)
    for code, zh, en in SCORE_STATUSES:
        names[code] = (zh, en)
    return names
