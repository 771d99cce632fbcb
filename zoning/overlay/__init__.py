"""Overlay: normalised sites against indexed layers; measures only, judges nothing."""
from .measure import LayerMeasure, measure
from .prepared import LoadedLayer, load_layer, prepare

__all__ = ["LayerMeasure", "LoadedLayer", "load_layer", "measure", "prepare"]
