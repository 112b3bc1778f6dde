"""Charts a bureau would publish: funding split, budget structure, leverage, execution and flow.

Every chart takes a measure table (see analysis.measure), keyword options and an optional
``ax``, and returns the Axes it drew on (a new figure sized for the data when ``ax`` is
None); nothing is shown or saved. `save` writes a figure as PNG and SVG, byte for byte the
same for the same data.

What every chart keeps to, so a reader learns it once:
- amounts in 万元 on axes that start at zero, labelled 单位：万元, ticks with thousands
  separators, value labels with two decimals (analysis.words.formats);
- special fund and self-raised money always in SPECIAL_COLOR and SELF_RAISED_COLOR, a
  budget category always in its CATEGORY_COLORS entry; both palettes are colour-blind safe;
- project-level charts show the top N projects by special fund and one bar for the rest,
  其他 N 个项目, summed exactly in 分 (`top_projects`);
- labels in Chinese, in English with lang="en", and in English when the machine has no CJK
  font (analysis.draw.theme), so a chart never shows empty boxes.
"""

from analysis.draw.bars import (
    budget_structure,
    execution,
    funding_split,
    leverage_bars,
    program_structure,
)
from analysis.draw.distributions import spread
from analysis.draw.evaluation import (
    arrival_execution,
    category_variance,
    grades,
    leverage_minimum,
    scores,
)
from analysis.draw.flow import funding_flow
from analysis.draw.heatmap import structure_heatmap
from analysis.draw.save import save
from analysis.draw.trends import trend_panels, year_structure, years_bars

__all__ = [
    "arrival_execution",
    "budget_structure",
    "category_variance",
    "execution",
    "funding_flow",
    "funding_split",
    "grades",
    "leverage_bars",
    "leverage_minimum",
    "program_structure",
    "save",
    "scores",
    "spread",
    "structure_heatmap",
    "trend_panels",
    "year_structure",
    "years_bars",
]
