"""Checking: the data-quality rules and the reconciliation of declared figures with their parts."""

from analysis.check.reconcile import reconciliation
from analysis.check.rules import ERROR, RULES, WARNING, check, rules_table, summary

__all__ = ["ERROR", "RULES", "WARNING", "check", "reconciliation", "rules_table", "summary"]
