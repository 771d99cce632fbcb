"""A layer reprojected into one analysis CRS and cut into small indexed parts.

Features of one zone are made disjoint (an overlap is kept by the first feature), so a zone's overlap is the
sum of its parts' overlaps: unions per zone stay exact without a union per site. Each feature is then split
into parts of at most MAX_VERTICES vertices (like PostGIS ST_Subdivide) so that the STRtree is tight and
most sites fall inside one part, which is the cheap case.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from ..geometry.project import reproject
from ..geometry.repair import polygonal

MAX_VERTICES = 128


@dataclass
class IndexedLayer:
    layer: object               # LoadedLayer
    epsg: int
    features: np.ndarray        # projected features (as loaded, repaired)
    parts: np.ndarray           # disjoint-per-zone parts of the features
    part_feature: np.ndarray    # feature index of each part
    part_zone: np.ndarray       # zone code of each part
    tree: shapely.STRtree       # over the parts
    coverage: object            # projected coverage polygon, or None = unbounded

    @classmethod
    def build(cls, layer, epsg: int) -> "IndexedLayer":
        dst = f"EPSG:{epsg}"
        features = reproject(layer.geoms, layer.crs, dst)
        disjoint = _disjoint_per_zone(features, layer.zones)
        parts, owner = [], []
        for i, g in enumerate(disjoint):
            for p in _subdivide(g):
                parts.append(p)
                owner.append(i)
        parts = np.array(parts, dtype=object)
        owner = np.array(owner, dtype=np.int64)
        shapely.prepare(parts)
        shapely.prepare(features)
        coverage = None
        if layer.coverage is not None:
            coverage = reproject(shapely.segmentize(layer.coverage, _segment(layer.coverage)), layer.crs, dst)
            shapely.prepare(coverage)
        return cls(layer=layer, epsg=epsg, features=features, parts=parts, part_feature=owner,
                   part_zone=layer.zones[owner] if len(owner) else np.array([], dtype=object),
                   tree=shapely.STRtree(parts), coverage=coverage)


def _disjoint_per_zone(features, zones) -> np.ndarray:
    """Each feature minus the earlier features of the same zone that it overlaps."""
    out = features.copy()
    tree = shapely.STRtree(features)
    left, right = tree.query(features, predicate="intersects")
    earlier = (right < left) & (zones[left] == zones[right])
    for i in np.unique(left[earlier]):
        others = right[earlier & (left == i)]
        overlap = shapely.area(shapely.intersection(features[i], features[others]))
        if np.any(overlap > 0):
            out[i] = polygonal(shapely.difference(features[i], shapely.union_all(features[others])))
    return out


def _subdivide(geom, max_vertices: int = MAX_VERTICES) -> list:
    """Split a polygon by halving its bounding box until every piece has few vertices."""
    if geom is None or geom.is_empty:
        return []
    if shapely.get_num_coordinates(geom) <= max_vertices:
        return [p for p in shapely.get_parts(geom) if not p.is_empty]
    minx, miny, maxx, maxy = geom.bounds
    if maxx - minx >= maxy - miny:
        mid = (minx + maxx) / 2
        boxes = [(minx, miny, mid, maxy), (mid, miny, maxx, maxy)]
    else:
        mid = (miny + maxy) / 2
        boxes = [(minx, miny, maxx, mid), (minx, mid, maxx, maxy)]
    out = []
    for b in boxes:
        piece = polygonal(shapely.clip_by_rect(geom, *b))
        if piece is not None and not piece.is_empty and piece.area > 0:
            out += _subdivide(piece, max_vertices)
    return out


def _segment(geom) -> float:
    """Densify a coverage box before reprojection so that its edges follow the curved projected lines."""
    minx, miny, maxx, maxy = geom.bounds
    return max(max(maxx - minx, maxy - miny) / 64, 1e-9)
