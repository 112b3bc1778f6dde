"""Reading: the budget tables from CSV files or a workbook, and a report's prose (extract).

Everything that makes a table unusable stops here with an InputError naming the file, row
and column; everything readable but wrong is left for the checks.
"""

from analysis.read.load import Dataset, load, select

__all__ = ["Dataset", "load", "select"]
