"""Geometries for display only (maps and reports): zone features around a site and the overlap pieces.

Verdicts never come from here; areas shown are those of the findings.
"""
from __future__ import annotations

import numpy as np
import shapely

from ..geometry.repair import polygonal


def features_in(indexed, window, simplify_m: float = 0.0):
    """(feature index, zone, geometry) of the features meeting `window`, clipped to it, in the analysis CRS."""
    idx = np.unique(indexed.own_feature[indexed.own_tree.query(window, predicate="intersects")])
    out = []
    for f in idx:
        g = polygonal(shapely.intersection(indexed.features[f], window))
        if g is None or g.is_empty:
            continue
        if simplify_m:
            g = polygonal(shapely.make_valid(shapely.simplify(g, simplify_m, preserve_topology=True)))
        out.append((int(f), str(indexed.layer.zones[f]), g))
    return out


def overlap_piece(indexed, site, zone: str):
    """The part of `site` inside the union of `zone`'s features (analysis CRS)."""
    cand = indexed.tree.query(site, predicate="intersects")
    cand = cand[indexed.part_zone[cand] == zone]
    if len(cand) == 0:
        return shapely.Polygon()
    return polygonal(shapely.union_all(shapely.intersection(site, indexed.parts[cand])))
