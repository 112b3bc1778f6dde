"""Write synthetic budget tables in the brief's layout, with a known set of planted faults.

    python benchmarks/generate.py N OUTDIR [--seed S] [--violations K] [--regions]

writes OUTDIR/projects.csv, budget_lines.csv, programs.csv and expected.json for N
projects: the same bytes every time for the same N, seed and K (--regions adds the
optional region column, each company's county, and changes nothing else). The clean data reconcile
exactly: lines sum to the project total, their special parts to the project's special
fund, the projects' special funds to each program-year's declared total. On top of that
exactly K faults are planted, each made so that it trips one error rule once and nothing
else; expected.json holds the findings per rule, errors and warnings, that
`fund-analysis validate` must report, no more and no fewer, and where each fault is.

What makes it look like a province's tables: budgets over the vocabulary's nine
categories, spelled as codes, Chinese names or aliases; now and then an itemised second
equipment or materials line (warning R18); five programs over six years; about 3% of
projects with no breakdown (R16); about 8% of projects written in 元; actual self-raised
spending for a fifth of the projects, a few of them above budget (R15); a few hand
corrections noted on lines (R17).

Amounts are generated as integers of 0.01 万元 (the report's precision) and written as
exact decimal text, so no float noise reaches the files. Everything is vectorised over
projects and lines; only the K planted faults are placed one at a time.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.check.rules import RULES, WARNING
from analysis.words.vocabulary import CATEGORIES

DEFAULT_VIOLATIONS = 24

PROGRAMS = (
    ("XYCX", "县域创新跃升计划"),
    ("ZDYF", "重点研发计划"),
    ("CGZH", "科技成果转化专项"),
    ("CXYH", "产学研合作专项"),
    ("QYCX", "企业技术创新专项"),
)
YEARS = np.arange(2019, 2025)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


COUNTIES = _words(
    "北城 东阳 西平 南河 安丰 宁远 清河 永和 长乐 新安 平山 临泉 双峰 石门 桃源 "
    "青川 龙泉 白水 丰宁 嘉禾 云和 松阳 武义 德清 泰顺 玉山 万年 余干 浦城 建宁"
)
NAMES = _words("天成 鸿城 可得 北塑 瑞丰 恒信 金源 中科 博远 润泽 宏达 永泰 信诚 景明 绿源 鼎盛")
TRADES = _words("科技 新材料 电子 节能 机械 生物 化工 智能装备 环保 农业科技 医药 精密制造")
SUBJECTS = _words(
    "高性能复合材料 高频开关电源 智能传感器 生物降解塑料 精密铸造工艺 工业废水处理 "
    "特种线缆 光伏组件 农产品深加工 中药提取工艺 超低能耗建筑 锂电池回收"
)
AIMS = _words("关键技术研发 技术开发与应用 产业化示范 工艺优化与推广 集成创新")
UNKNOWN_CATEGORIES = ("打印费", "办公费", "间接费用", "招待费", "车辆使用费")

# Per category, in the vocabulary's order (equipment, materials, testing, fuel_power,
# travel, conference, other, expert_consulting, labor): how likely a budget lists it, the
# gamma shape of its size, and the range of the special fund's coverage (where the low
# end is 0, half of such lines are paid by the company alone).
LISTED = np.array([0.95, 0.95, 0.8, 0.6, 0.7, 0.5, 0.4, 0.6, 0.8])
SIZE = np.array([6.0, 4.0, 1.5, 0.8, 0.4, 0.3, 0.6, 0.5, 1.5])
COVER_LOW = np.array([0.3, 0.2, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
COVER_HIGH = np.array([1.0, 0.8, 0.6, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5])

# How a table spells each category: Chinese name, code, or its first alias.
_ALIAS = CATEGORIES["aliases"].str.split("|").str[0]
SPELLINGS = np.array(
    [
        CATEGORIES["name_zh"].to_numpy(dtype=str),
        CATEGORIES["code"].to_numpy(dtype=str),
        np.where(_ALIAS.eq(""), CATEGORIES["name_zh"], _ALIAS).astype(str),
    ]
)

# The error rules the planted faults trip, dealt out in this order.
KINDS = ("R09", "R10", "R01", "R04", "R03", "R05", "R07", "R02", "R06", "R08", "R11", "R12")

# Amounts are integers of 0.01 万元; the rules allow 0.005 万元 per figure summed.
WAN = 100
TOLERANCE_PER_FIGURE = 0.5


def generate(
    n: int,
    out: str | Path,
    seed: int = 0,
    violations: int = DEFAULT_VIOLATIONS,
    *,
    regions: bool = False,
) -> dict:
    """Return the manifest of what was planted, after writing the tables and expected.json.

    regions=True adds the optional region column: each company's county (its name's first
    two characters) + 县, so the same tables are written, with one column more.
    """
    if n < 100:
        raise ValueError("generate at least 100 projects, so that the faults have room")
    rng = np.random.default_rng(seed)
    projects = _projects(rng, n)
    lines = _lines(rng, projects)
    _special_parts(rng, projects, lines)
    _actuals_and_notes(rng, projects, lines)
    _check_reconciles(projects, lines)
    programs = _programs(rng, projects)
    projects, lines, programs, planted = _plant(rng, violations, projects, lines, programs)

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _write(_projects_text(projects, regions), out / "projects.csv")
    _write(_lines_text(lines), out / "budget_lines.csv")
    _write(_programs_text(programs), out / "programs.csv")
    manifest = _manifest(n, seed, projects, lines, planted)
    text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    (out / "expected.json").write_text(text, encoding="utf-8")
    return manifest


# --- the clean data ------------------------------------------------------------------


def _pick(rng: np.random.Generator, words, n: int) -> np.ndarray:
    return np.asarray(words)[rng.integers(0, len(words), n)]


def _join(*parts: np.ndarray | str) -> np.ndarray:
    joined = parts[0]
    for part in parts[1:]:
        joined = np.strings.add(joined, part)
    return joined


def _projects(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Return n projects, numbered within their program and year, without amounts yet."""
    program = rng.integers(0, len(PROGRAMS), n)
    year = rng.choice(YEARS, n)
    order = np.lexsort((program, year))
    program, year = program[order], year[order]
    group = year * len(PROGRAMS) + program
    number = np.arange(n) - np.searchsorted(group, group) + 1
    width = max(4, len(str(number.max())))
    codes = np.array([code for code, _ in PROGRAMS])
    bare = rng.random(n) < 0.03
    # Which figures a row gives (the loader derives the rest): for projects with lines,
    # 55% special and total, 25% all three, 13% special and self-raised, 7% special only
    # (the lines give the total); a project without lines gives total or self-raised.
    shown = np.where(bare, np.where(rng.random(n) < 0.5, 0.0, 0.85), rng.random(n))
    unit = rng.random(n)
    return pd.DataFrame(
        {
            "project_id": _join(
                codes[program],
                "-",
                year.astype(str),
                "-",
                np.strings.zfill(number.astype(str), width),
            ),
            "year": year,
            "program": np.array([name for _, name in PROGRAMS])[program],
            "organization": _join(
                _pick(rng, COUNTIES, n), _pick(rng, NAMES, n), _pick(rng, TRADES, n), "有限公司"
            ),
            "title": _join(_pick(rng, SUBJECTS, n), _pick(rng, AIMS, n)),
            # 20 to 20,000 万元, a few hundred typically; special will be 10–45% of it.
            "target": np.clip(np.exp(rng.normal(np.log(250), 0.9, n)), 20, 20_000) * WAN,
            "share": rng.uniform(0.10, 0.45, n),
            "bare": bare,
            "show_total": shown < 0.80,
            "show_self": (shown >= 0.55) & (shown < 0.93),
            "yuan": unit < 0.08,
            "unit_blank": (unit >= 0.08) & (unit < 0.20),  # left to the default, 万元
        }
    )


def _lines(rng: np.random.Generator, projects: pd.DataFrame) -> pd.DataFrame:
    """Return the budget lines, and set each project's total to their exact sum."""
    n = len(projects)
    has_lines = ~projects["bare"].to_numpy()
    # Mostly all nine categories; drawn without replacement in proportion to LISTED
    # (the Gumbel top-k trick, one argsort for all projects at once).
    k = rng.choice([9, 8, 7], size=n, p=[0.7, 0.2, 0.1])
    score = np.log(LISTED) + rng.gumbel(size=(n, len(LISTED)))
    rank = np.argsort(np.argsort(-score, axis=1), axis=1)
    listed = (rank < k[:, None]) & has_lines[:, None]
    project, category = np.nonzero(listed)
    # 4% of budgets split equipment (else materials) into two lines.
    item = np.where(listed[:, 0], 0, np.where(listed[:, 1], 1, -1))
    itemised = np.flatnonzero(has_lines & (item >= 0) & (rng.random(n) < 0.04))
    second = np.r_[np.zeros(len(project), bool), np.ones(len(itemised), bool)]
    project = np.r_[project, itemised]
    category = np.r_[category, item[itemised]]
    order = np.lexsort((second, category, project))
    project, category, second = project[order], category[order], second[order]

    weight = rng.gamma(SIZE[category])
    raw = weight / np.bincount(project, weight, minlength=n)[project]
    raw *= projects["target"].to_numpy()[project]
    # Large lines are budgeted in whole 万元, middling ones in 0.1 万元.
    step = np.where(raw >= 10 * WAN, WAN, np.where(raw >= WAN, 10, 1))
    total = np.maximum(np.rint(raw / step) * step, 1).astype(np.int64)

    style = rng.choice(3, size=n, p=[0.7, 0.2, 0.1])[project]
    # An itemised second line is spelled by its alias where there is one (设备购置费).
    text = SPELLINGS[np.where(second, 2, style), category]
    line_sum = np.bincount(project, total, minlength=n).astype(np.int64)
    bare_total = np.rint(projects["target"].to_numpy() / WAN).astype(np.int64) * WAN
    projects["total"] = np.where(has_lines, line_sum, bare_total)
    projects["itemised"] = np.isin(np.arange(n), itemised)
    return pd.DataFrame(
        {
            "project": project,
            "category": text,
            "total": total,
            "special": np.zeros(len(project), np.int64),
            "second": second,
            "note": np.full(len(project), "", dtype=object),
            "corrected": np.zeros(len(project), bool),
        }
    )


def _last_per_project(project: np.ndarray, value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the projects with lines and, for each, the line with the largest value."""
    order = np.lexsort((value, project))
    ends = np.r_[np.flatnonzero(np.diff(project[order])), len(order) - 1]
    return project[order][ends], order[ends]


def _special_parts(rng: np.random.Generator, projects: pd.DataFrame, lines: pd.DataFrame) -> None:
    """Set each project's special fund and split it over its lines, never above a line."""
    n = len(projects)
    project, total = lines["project"].to_numpy(), lines["total"].to_numpy()
    low, high = COVER_LOW[_codes(lines)], COVER_HIGH[_codes(lines)]
    cover = rng.uniform(low, high)
    cover[(low == 0) & (rng.random(len(cover)) < 0.5)] = 0
    _, biggest = _last_per_project(project, total)
    cover[biggest] = np.maximum(cover[biggest], 0.5)
    weight = total * cover
    covered = np.bincount(project, weight, minlength=n)
    has_lines = ~projects["bare"].to_numpy()
    # Special at most 90% of the covered amount, so that each line's part stays at
    # most 90% of the line: special_i = S·w_i/Σw ≤ 0.9·total_i·cover_i.
    wanted = projects["share"].to_numpy() * projects["total"].to_numpy()
    wanted = np.where(has_lines, np.minimum(wanted, 0.9 * covered), wanted)
    step = np.where(wanted >= WAN, WAN, 10)  # granted in whole 万元 where it can be
    special = (np.floor(wanted / step) * step).astype(np.int64)
    part = np.floor(special[project] * weight / covered[project]).astype(np.int64)
    # The parts are floored; what is left (fewer 0.01 万元 than lines) goes to the line
    # with the most room.
    rest = special - np.bincount(project, part, minlength=n).astype(np.int64)
    with_lines, roomiest = _last_per_project(project, total - part)
    part[roomiest] += rest[with_lines]
    lines["special"] = part
    projects["special"] = special
    projects["self_raised"] = projects["total"] - special


def _codes(lines: pd.DataFrame) -> np.ndarray:
    """Return each line's category as its index in the vocabulary."""
    index = {spelling: i for row in SPELLINGS for i, spelling in enumerate(row)}
    return lines["category"].map(index).to_numpy(dtype=np.int64)


def _actuals_and_notes(
    rng: np.random.Generator, projects: pd.DataFrame, lines: pd.DataFrame
) -> None:
    """Give a fifth of projects an actual figure (a few above budget) and a few lines notes."""
    n = len(projects)
    self_raised = projects["self_raised"].to_numpy()
    actual = np.floor(self_raised * rng.uniform(0.6, 1.0, n))
    has_actual = rng.random(n) < 0.2
    over = np.zeros(n, bool)
    over[rng.choice(n, max(1, n // 500), replace=False)] = True
    actual = np.where(over, self_raised + np.ceil(self_raised * rng.uniform(0.02, 0.3, n)), actual)
    projects["actual"] = np.where(has_actual | over, actual, np.nan)
    projects["over"] = over

    m = len(lines)
    project = lines["project"].to_numpy()
    year = projects["year"].to_numpy()[project].astype(str)
    sourced = rng.random(m) < 0.01
    notes = lines["note"].to_numpy()
    notes[sourced] = _join(
        "来源：", year[sourced], "年度项目申报书 / source: the ", year[sourced], " application"
    )
    # A hand correction, like the seed's "5 元" read as 5 万元: only on tables in 万元.
    in_wan = ~projects["yuan"].to_numpy()[project]
    corrected = np.flatnonzero(in_wan)[rng.choice(in_wan.sum(), max(1, m // 3000), replace=False)]
    shown = _amount_text(lines["total"].to_numpy()[corrected], False)
    notes[corrected] = _join(
        "更正：原表印作“", shown, " 元”，按 ", shown, ' 万元录入 / corrected: printed as "',
        shown, ' 元" (yuan); entered as ', shown, " 万元",
    )  # fmt: skip
    lines["note"] = notes
    lines.loc[corrected, "corrected"] = True
    projects["noted"] = np.isin(np.arange(n), project[corrected])


def _check_reconciles(projects: pd.DataFrame, lines: pd.DataFrame) -> None:
    """Raise AssertionError unless the clean data reconcile exactly (a bug here, not a fault)."""
    n = len(projects)
    project = lines["project"].to_numpy()
    with_lines = ~projects["bare"].to_numpy()
    for column in ("total", "special"):
        summed = np.bincount(project, lines[column].to_numpy(), minlength=n)
        assert (summed[with_lines] == projects[column].to_numpy()[with_lines]).all(), column
    assert (lines["special"] >= 0).all() and (lines["special"] <= lines["total"]).all()
    assert (projects["special"] <= 0.45 * projects["total"]).all()
    assert (projects["self_raised"] > 0).all()


def _programs(rng: np.random.Generator, projects: pd.DataFrame) -> pd.DataFrame:
    """Return each program-year with projects and the special total it declares."""
    programs = (
        projects.groupby(["program", "year"], sort=False)
        .agg(special_total=("special", "sum"), n=("special", "size"))
        .reset_index()
    )
    programs["yuan"] = rng.random(len(programs)) < 0.2
    return programs


# --- the planted faults --------------------------------------------------------------


class _Faults:
    """Places faults one at a time, each on a project (or program) no other fault touches."""

    def __init__(self, rng: np.random.Generator, projects, lines, programs) -> None:
        self.rng, self.projects, self.lines, self.programs = rng, projects, lines, programs
        p = projects
        # Plain projects carry no warning and give their total (directly or as special +
        # self-raised), so changing a line shows up as one error only.
        plain = (
            ~p["bare"]
            & ~p["itemised"]
            & ~p["over"]
            & ~p["noted"]
            & (p["show_total"] | p["show_self"])
        )
        bare = p["bare"] & ~p["over"]
        self.pools = {
            "plain": self._shuffled(plain),
            "full": self._shuffled(plain & p["show_total"] & p["show_self"]),
            "bare": self._shuffled(bare),
            "bare_total": self._shuffled(bare & p["show_total"] & ~p["show_self"]),
            "programs": list(rng.permutation(len(programs))),
        }
        self.used: set[tuple[str, int]] = set()
        self.starts = np.searchsorted(lines["project"].to_numpy(), np.arange(len(p) + 1))
        self.extra_projects: list[pd.DataFrame] = []
        self.extra_lines: list[pd.DataFrame] = []
        self.extra_programs: list[pd.DataFrame] = []

    def _shuffled(self, mask: pd.Series) -> list[int]:
        return list(self.rng.permutation(np.flatnonzero(mask.to_numpy())))

    def take(self, pool: str) -> int | None:
        """Return an untouched project (or program row) from the pool, None when it is empty."""
        table = "programs" if pool == "programs" else "projects"
        while self.pools[pool]:
            i = int(self.pools[pool].pop())
            if (table, i) not in self.used:
                self.used.add((table, i))
                return i
        return None

    def line_range(self, p: int) -> np.ndarray:
        return np.arange(self.starts[p], self.starts[p + 1])

    def where(self, p: int) -> str:
        return str(self.projects.at[p, "project_id"])

    # One method per rule (r09 plants an R09 fault): each returns where the fault is and
    # what was done, or None when no project is left with room for it.

    def r09(self) -> tuple[str, str] | None:
        p = self.take("plain")
        if p is None:
            return None
        line = self.rng.choice(self.line_range(p))
        raise_by = int(self.rng.integers(1, 50)) * WAN
        self.lines.at[line, "total"] += raise_by  # its special part is untouched: no R05
        return self.where(p), f"one line's total raised by {raise_by / WAN:g} 万元"

    def r10(self) -> tuple[str, str] | None:
        p = self.take("plain")
        if p is None:
            return None
        lines = self.line_range(p)
        line = lines[np.argmax(self.lines.loc[lines, "special"].to_numpy())]
        dropped = int(self.lines.at[line, "special"])
        assert dropped > TOLERANCE_PER_FIGURE * len(lines)
        self.lines.at[line, "special"] = 0
        return self.where(p), f"one line's special part ({dropped / WAN:g} 万元) left out"

    def r01(self) -> tuple[str, str] | None:
        p = self.take("plain")
        if p is None:
            return None
        spent = np.floor(self.projects.at[p, "self_raised"] * self.rng.uniform(0.3, 1.0))
        self.projects.at[p, "actual"] = -max(spent, 1)  # negative, so never above budget
        return self.where(p), "self_raised_actual written as a negative figure"

    def r04(self) -> tuple[str, str] | None:
        p = self.take("plain")
        if p is None:
            return None
        line = self.rng.choice(self.line_range(p))
        name = str(self.rng.choice(UNKNOWN_CATEGORIES))
        self.lines.at[line, "category"] = name  # one per project: never a repeated category
        return self.where(p), f"a line's category written as {name}"

    def r03(self) -> tuple[str, str] | None:
        p = self.take("plain")
        if p is None:
            return None
        # A copy of its last line under a mistyped id (one digit too many: it matches no
        # project, and the project's own lines still reconcile).
        line = self.lines.loc[[self.line_range(p)[-1]]].copy()
        orphan = self.where(p) + "0"
        line["project_id"] = orphan
        self.extra_lines.append(line)
        return orphan, f"a copy of a line of {self.where(p)} under a project id that does not exist"

    def r05(self) -> tuple[str, str] | None:
        while (p := self.take("plain")) is not None:
            lines = self.line_range(p)
            total = self.lines.loc[lines, "total"].to_numpy()
            special = self.lines.loc[lines, "special"].to_numpy()
            # Move special money from the line with most to the line with least room, past
            # its total: the project's special sum is unchanged, so only R05 fires.
            to, source = np.argmin(total - special), np.argmax(special)
            moved = int(total[to] - special[to]) + int(self.rng.integers(1, 100))
            if to != source and special[source] >= moved:
                self.lines.at[lines[to], "special"] += moved
                self.lines.at[lines[source], "special"] -= moved
                return self.where(p), "special money moved onto a line beyond its total"
        return None

    def r07(self) -> tuple[str, str] | None:
        p = self.take("full")
        if p is None:
            return None
        raise_by = int(self.rng.integers(1, 30)) * WAN  # higher budget: R15 stays quiet
        self.projects.at[p, "self_raised"] += raise_by
        return self.where(p), f"self_raised written {raise_by / WAN:g} 万元 too high"

    def r02(self) -> tuple[str, str] | None:
        p = self.take("plain")
        if p is None:
            return None
        self.extra_projects.append(self.projects.loc[[p]])
        return self.where(p), "the project's row entered twice"

    def r06(self) -> tuple[str, str] | None:
        p = self.take("bare_total")
        if p is None:
            return None
        special = self.projects.at[p, "special"]
        self.projects.at[p, "total"] = int(special * self.rng.uniform(0.5, 0.95))
        # Its self-raised figure is derived (total − special), so R01 and R07 stay quiet;
        # without an actual figure, so does R15.
        self.projects.at[p, "actual"] = np.nan
        return self.where(p), "total written below the special fund (no lines)"

    def r08(self) -> tuple[str, str] | None:
        p = self.take("bare")
        if p is None:
            return None
        self.projects.loc[p, ["show_total", "show_self"]] = False
        return self.where(p), "neither total nor self_raised given, and no lines"

    def r11(self) -> tuple[str, str] | None:
        q = self.take("programs")
        if q is None:
            return None
        row = self.programs.loc[q]
        beyond = int(np.ceil(TOLERANCE_PER_FIGURE * row["n"])) + int(self.rng.integers(1, 50)) * WAN
        sign = -1 if row["special_total"] > beyond and self.rng.random() < 0.5 else 1
        self.programs.at[q, "special_total"] += sign * beyond
        return (
            f"{row['program']} ({row['year']})",
            f"declared total off by {sign * beyond / WAN:g} 万元",
        )

    def r12(self) -> tuple[str, str] | None:
        q = self.take("programs")
        if q is None:
            return None
        self.extra_programs.append(self.programs.loc[[q]])
        row = self.programs.loc[q]
        return f"{row['program']} ({row['year']})", "the program-year declared twice"


def _plant(rng: np.random.Generator, k: int, projects, lines, programs):
    """Return the tables with k faults planted, and the list of what was planted where."""
    owner = lines["project"].to_numpy()
    for column in ("project_id", "yuan", "unit_blank"):  # a line is written in its project's unit
        lines[column] = projects[column].to_numpy()[owner]
    faults = _Faults(rng, projects, lines, programs)
    planted: list[dict[str, str]] = []
    kind, full = 0, set()
    while len(planted) < k:
        if len(full) == len(KINDS):
            raise ValueError(f"room for only {len(planted)} planted faults in this data set")
        rule = KINDS[kind % len(KINDS)]
        kind += 1
        if rule in full:
            continue
        placed = getattr(faults, rule.lower())()
        if placed is None:
            full.add(rule)
            continue
        planted.append({"rule": rule, "where": placed[0], "what": placed[1]})

    # The added rows sit right after the row they copy, as a person's slip would.
    def merged(table: pd.DataFrame, extra: list[pd.DataFrame]) -> pd.DataFrame:
        if not extra:
            return table.reset_index(drop=True)
        both = pd.concat([table, *extra])
        return both.iloc[np.argsort(both.index.to_numpy(), kind="stable")].reset_index(drop=True)

    return (
        merged(projects, faults.extra_projects),
        merged(lines, faults.extra_lines),
        merged(programs, faults.extra_programs),
        planted,
    )


# --- writing -------------------------------------------------------------------------


def _amount_text(amount: np.ndarray, yuan: np.ndarray | bool) -> np.ndarray:
    """Return amounts held in 0.01 万元 as exact decimal text: 万元 ('1.5') or 元 ('15000')."""
    amount = np.asarray(amount, dtype=np.int64)
    sign = np.where(amount < 0, "-", "")
    whole, cents = np.divmod(np.abs(amount), WAN)
    tenths = np.strings.add(".", (cents // 10).astype(str))
    hundredths = np.strings.add(".", np.strings.zfill(cents.astype(str), 2))
    fraction = np.where(cents == 0, "", np.where(cents % 10 == 0, tenths, hundredths))
    wan = np.strings.add(whole.astype(str), fraction)
    in_yuan = (np.abs(amount) * 100).astype(str)  # 0.01 万元 = 100 元, exactly
    return np.strings.add(sign, np.where(yuan, in_yuan, wan))


def _optional_amount(amount: np.ndarray, yuan: np.ndarray, present: np.ndarray) -> np.ndarray:
    amount = np.asarray(amount, dtype=np.float64)
    present = present & ~np.isnan(amount)
    text = _amount_text(np.nan_to_num(amount).astype(np.int64), yuan)
    return np.where(present, text, "")


def _unit_text(yuan: np.ndarray, blank: np.ndarray) -> np.ndarray:
    return np.where(yuan, "元", np.where(blank, "", "万元"))


def _projects_text(projects: pd.DataFrame, regions: bool = False) -> pd.DataFrame:
    p = projects
    yuan = p["yuan"].to_numpy()
    table = pd.DataFrame(
        {
            "project_id": p["project_id"],
            "year": p["year"],
            "program": p["program"],
            "organization": p["organization"],
            "title": p["title"],
            "special": _amount_text(p["special"].to_numpy(), yuan),
            "self_raised": _optional_amount(p["self_raised"], yuan, p["show_self"].to_numpy()),
            "total": _optional_amount(p["total"], yuan, p["show_total"].to_numpy()),
            "self_raised_actual": _optional_amount(p["actual"], yuan, np.ones(len(p), bool)),
            "unit": _unit_text(yuan, p["unit_blank"].to_numpy()),
        }
    )
    if regions:  # drawn from nothing random: the other columns stay as they are without it
        table["region"] = p["organization"].str.slice(0, 2) + "县"
    return table


def _lines_text(lines: pd.DataFrame) -> pd.DataFrame:
    yuan = lines["yuan"].to_numpy()
    return pd.DataFrame(
        {
            "project_id": lines["project_id"],
            "category": lines["category"],
            "total": _amount_text(lines["total"].to_numpy(), yuan),
            "special": _amount_text(lines["special"].to_numpy(), yuan),
            "unit": _unit_text(yuan, lines["unit_blank"].to_numpy()),
            "note": lines["note"],
        }
    )


def _programs_text(programs: pd.DataFrame) -> pd.DataFrame:
    yuan = programs["yuan"].to_numpy()
    return pd.DataFrame(
        {
            "program": programs["program"],
            "year": programs["year"],
            "special_total": _amount_text(programs["special_total"].to_numpy(), yuan),
            "unit": _unit_text(yuan, np.zeros(len(yuan), bool)),
        }
    )


def _write(table: pd.DataFrame, path: Path) -> None:
    table.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def _manifest(n: int, seed: int, projects, lines, planted: list[dict[str, str]]) -> dict:
    """Return the findings per rule that validate must report, and what was planted."""
    errors = {r.id: 0 for r in RULES if r.severity != WARNING}
    warnings = {r.id: 0 for r in RULES if r.severity == WARNING}
    for fault in planted:
        errors[fault["rule"]] += 1
    unique = projects.drop_duplicates("project_id")
    warnings["R15"] = int(unique["over"].sum())
    warnings["R16"] = int(unique["bare"].sum())
    warnings["R17"] = int(lines["corrected"].sum())
    warnings["R18"] = int(lines["second"].sum())
    return {
        "projects": n,
        "project_rows": len(projects),
        "lines": len(lines),
        "seed": seed,
        "errors": errors,
        "warnings": warnings,
        "planted": planted,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of projects")
    parser.add_argument("out", type=Path, help="folder to write the tables into")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--violations", type=int, default=DEFAULT_VIOLATIONS, metavar="K", help="faults to plant"
    )
    parser.add_argument(
        "--regions", action="store_true", help="add a region column (the company's county)"
    )
    args = parser.parse_args(argv)
    manifest = generate(
        args.n, args.out, seed=args.seed, violations=args.violations, regions=args.regions
    )
    print(
        f"{args.out}: {manifest['project_rows']} project rows, {manifest['lines']} lines; "
        f"expected {sum(manifest['errors'].values())} errors, "
        f"{sum(manifest['warnings'].values())} warnings (expected.json)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
