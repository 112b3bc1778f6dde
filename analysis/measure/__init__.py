"""Measuring: who paid for each project, how its budget splits, what each special yuan drew in."""

from analysis.measure.measures import Measures, exact_sum, measure, ratio, with_ratios
from analysis.measure.top import OTHERS, top_projects

__all__ = ["OTHERS", "Measures", "exact_sum", "measure", "ratio", "top_projects", "with_ratios"]
