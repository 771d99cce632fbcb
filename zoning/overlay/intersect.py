"""Overlap of one site with one indexed layer, unioned per zone, with tolerance and coverage."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

AREA_EPS = 1e-6  # m²: below this an intersection is floating-point noise, not an overlap


@dataclass
class FeatureHit:
    index: int
    name: str
    overlap_m2: float


@dataclass
class ZoneHit:
    zone: str
    overlap_m2: float          # site ∩ union(zone polygons)
    inner_overlap_m2: float    # the same for the site shrunk by the tolerance
    features: list[FeatureHit]

    @property
    def boundary_contact(self) -> bool:
        return self.inner_overlap_m2 <= AREA_EPS


@dataclass
class Near:
    zone: str
    index: int
    name: str
    distance_m: float


@dataclass
class LayerOverlay:
    covered_share: float
    hits: list[ZoneHit] = field(default_factory=list)
    nearest: Near | None = None
    near: list[Near] = field(default_factory=list)


def covered_share(site, site_area: float, coverage) -> float:
    if coverage is None or shapely.contains(coverage, site):
        return 1.0
    if not shapely.intersects(coverage, site):
        return 0.0
    if site_area <= 0:
        return 1.0
    return float(shapely.area(shapely.intersection(site, coverage)) / site_area)


def overlay_site(site, inner, indexed, *, near_m: float = 0.0) -> LayerOverlay:
    """Measure `site` (and `inner`, the site shrunk by the tolerance) against one indexed layer."""
    layer = indexed.layer
    area = float(site.area)
    result = LayerOverlay(covered_share=covered_share(site, area, indexed.coverage))
    if result.covered_share == 0.0:
        return result
    cand = indexed.tree.query(site, predicate="intersects")
    if len(cand):
        pieces = shapely.intersection(site, indexed.geoms[cand])
        inner_pieces = (shapely.intersection(inner, indexed.geoms[cand]) if inner is not site else pieces)
        zones = layer.zones[cand]
        for zone in dict.fromkeys(zones):
            sel = zones == zone
            overlap = float(shapely.area(shapely.union_all(pieces[sel])))
            inner_overlap = float(shapely.area(shapely.union_all(inner_pieces[sel])))
            feats = [FeatureHit(int(i), str(layer.names[i]), float(shapely.area(p)))
                     for i, p in zip(cand[sel], pieces[sel])]
            feats.sort(key=lambda f: -f.overlap_m2)
            result.hits.append(ZoneHit(str(zone), overlap, inner_overlap, feats))
    if near_m > 0:
        for i in indexed.tree.query(site, predicate="dwithin", distance=near_m):
            if i in cand:
                continue
            result.near.append(Near(str(layer.zones[i]), int(i), str(layer.names[i]),
                                    float(shapely.distance(site, indexed.geoms[i]))))
    if not result.hits and len(indexed.geoms):
        idx, dist = indexed.tree.query_nearest(site, return_distance=True)
        best = int(idx[np.argmin(dist)])
        result.nearest = Near(str(layer.zones[best]), best, str(layer.names[best]), float(np.min(dist)))
    return result
