"""Verdicts: the result object and how findings combine into one overall verdict."""
from .result import CheckResult, Finding, LayerReport

__all__ = ["CheckResult", "Finding", "LayerReport"]
