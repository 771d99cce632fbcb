"""Overlay: normalised sites against indexed layers; measures only, judges nothing."""
from .measure import LayerMeasure, measure

__all__ = ["LayerMeasure", "measure"]
