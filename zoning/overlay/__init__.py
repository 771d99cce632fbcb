"""Overlay: a normalised site against indexed layers; measures only, judges nothing."""
from .intersect import LayerOverlay, ZoneHit, overlay_site

__all__ = ["LayerOverlay", "ZoneHit", "overlay_site"]
