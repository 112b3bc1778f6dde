"""What a table covers: which programs, which years (and which region, where one is named).

Every chart and table above one program's one year says its scope, so that a figure
summed over five programs and six years never reads as one program's: "2019–2024 年 5 个
计划：各项目撬动比", and the leverage chart's reference line "2019–2024 年 5 个计划合计
1 : 2.81". Over one program in one year the scope goes unsaid, as the bundled data's charts
have always read.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.words.formats import years_text
from analysis.words.labels import label


@dataclass(frozen=True)
class Scope:
    """The programs, years and regions a table's rows belong to (each distinct, sorted).

    regions holds the regions named (an empty region, not given, is left out); all_named
    says whether every row names one.
    """

    programs: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    regions: tuple[str, ...] = ()
    all_named: bool = False

    @property
    def several(self) -> bool:
        """Whether the rows span more than one program or more than one year."""
        return len(self.programs) > 1 or len(self.years) > 1

    @property
    def one_region(self) -> str:
        """The region every row belongs to, or "" when the rows name none or several."""
        return self.regions[0] if len(self.regions) == 1 and self.all_named else ""

    def missing_years(self) -> tuple[int, ...]:
        """Return the years between the first and the last that no row belongs to."""
        if len(self.years) < 2:
            return ()
        held = set(self.years)
        return tuple(y for y in range(self.years[0], self.years[-1] + 1) if y not in held)

    def text(self, lang: str = "zh", *, names: bool = True) -> str:
        """Return the scope as a title says it ("2019–2024 年 5 个计划"), "" for one program's
        one year in no named region. names=False counts a single program instead of naming it
        (for a chart whose fonts cannot draw the name)."""
        region = self.one_region if names else ""
        if not (self.several or region):
            return ""
        parts = [region] if region else []
        if lang == "zh":
            parts += [self.years_text(lang), self.programs_text(lang, names=names)]
            return _joined_zh([p for p in parts if p])
        parts += [self.programs_text(lang, names=names), self.years_text(lang)]
        return ", ".join(p for p in parts if p)

    def named(self, lang: str = "zh") -> str:
        """Return the scope always said, over one program's one year too ("2021 年县域创新
        跃升计划", "县域创新跃升计划, 2021"): what a page's title or a workbook's 说明 names."""
        parts = [self.one_region] if self.one_region else []
        if lang == "zh":
            return _joined_zh([p for p in [*parts, self.years_text(lang), self.programs_text(lang)]
                               if p])  # fmt: skip
        return ", ".join(p for p in [*parts, self.programs_text(lang), self.years_text(lang)] if p)

    def years_text(self, lang: str = "zh") -> str:
        """Return the years as people write them: "2019–2021、2023 年" or "2019–2021, 2023"."""
        if not self.years:
            return ""
        return label(
            "scope_years", lang, years=years_text(self.years, label("list_separator", lang))
        )

    def programs_text(self, lang: str = "zh", *, names: bool = True) -> str:
        """Return the program's name, or how many programs there are ("5 个计划")."""
        if len(self.programs) == 1 and names and self.programs[0]:
            return self.programs[0]
        return label("scope_programs", lang, n=len(self.programs)) if self.programs else ""

    def titled(self, title: str, lang: str = "zh", *, names: bool = True) -> str:
        """Return a title with its scope: "2019–2024 年 5 个计划：title" ("title: scope")."""
        scope = self.text(lang, names=names)
        return label("titled_for", lang, name=scope, title=title) if scope else title

    def reference(self, value: str, lang: str = "zh", *, names: bool = True) -> str:
        """Return the label of a reference line over all the rows: "计划整体 1 : 2.36" for one
        program's one year, "2019–2024 年 5 个计划合计 1 : 2.81" for more."""
        scope = self.text(lang, names=names)
        if not scope:
            return label("program_reference", lang, value=value)
        return label("scope_reference", lang, scope=scope, value=value)


def scope_of(table: pd.DataFrame) -> Scope:
    """Return the scope of a table with program and year columns (and region, if any).

    A row of no program or year (a budget line of no project) adds nothing; a table without
    these columns has an empty scope, which says nothing.
    """
    programs = _distinct(table, "program")
    years = tuple(int(y) for y in _distinct(table, "year"))
    regions: tuple = ()
    all_named = False
    if "region" in table:
        region = table["region"]
        named = region.notna() & region.ne("")
        regions = tuple(sorted(set(region[named].astype(str))))
        all_named = bool(named.all()) and len(table) > 0
    return Scope(tuple(str(p) for p in programs), years, regions, all_named)


def _distinct(table: pd.DataFrame, column: str) -> list:
    if column not in table:
        return []
    values = table[column].dropna()
    return sorted(values.unique().tolist(), key=str if column == "program" else None)


def _joined_zh(parts: list[str]) -> str:
    """Join Chinese phrases, with a space only where a digit or Latin letter meets another
    character ("2019–2024 年 5 个计划", "2019–2024 年县域创新跃升计划")."""
    text = ""
    for part in parts:
        if text and (_latin(text[-1]) or _latin(part[0])):
            text += " "
        text += part
    return text


def _latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()
