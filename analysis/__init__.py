"""fund-analysis: checked figures and charts for the budgets of special-fund R&D projects."""

# The one place the version is written: pyproject.toml reads it (dynamic version), and so do
# `fund-analysis --version` and the manifest of a run.
__version__ = "0.1.0"
