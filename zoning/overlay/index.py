"""A layer reprojected into one analysis CRS and cut into small indexed parts.

Features of one zone are made disjoint (an overlap is kept by the first feature), so a zone's overlap is the
sum of its parts' overlaps: unions per zone stay exact without a union per site. Each feature is then split
into parts of at most MAX_VERTICES vertices (like PostGIS ST_Subdivide) so that the STRtree is tight and
most sites fall inside one part, which is the cheap case.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

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
    intact: np.ndarray          # per feature: its parts cover all of it (no earlier feature of its zone overlaps it)
    _segments: tuple | None = None
    _vertices: tuple | None = None
    derived: dict = field(default_factory=dict, repr=False)

    def derive(self, key, make):
        """A value its users derive from the layer (a corridor's erosions, the features' name order), made once
        per process and kept with the layer."""
        if key not in self.derived:
            self.derived[key] = make()
        return self.derived[key]

    def segments(self):
        """(boundary chains of the parts, their feature, STRtree): what nearest-zone distances search.

        Each ring is cut into chains of at most CHAIN segments: small enough for tight bounding boxes, few
        enough to index quickly. Parts' cut lines are included: they lie inside the zone, so they are never
        nearer than its boundary."""
        if self._segments is None:
            self._segments = _chains(self.parts, self.part_feature)
        return self._segments

    def vertices(self):
        """(STRtree of the chains' vertices, their coordinates): a near boundary point found by point-to-point
        distances, faster than the chain tree's own nearest search once a batch is large enough to pay for it."""
        if self._vertices is None:
            xy = shapely.get_coordinates(self.segments()[0])
            self._vertices = shapely.STRtree(shapely.points(xy)), xy
        return self._vertices

    @classmethod
    def build(cls, layer, epsg: int) -> "IndexedLayer":
        dst = f"EPSG:{epsg}"
        features = reproject(layer.geoms, layer.crs, dst)
        cached = _cache_path(layer, epsg)
        try:
            with np.load(cached, allow_pickle=False) as z:
                blob, ends, owner = z["blob"].tobytes(), z["ends"], z["owner"]
            parts = shapely.from_wkb(np.array([blob[a:b] for a, b in zip(np.r_[0, ends[:-1]], ends)], dtype=object))
        except (OSError, KeyError, ValueError):
            parts, owner = _parts(features, layer.zones)
            _save(cached, parts, owner)
        shapely.prepare(parts)
        shapely.prepare(features)
        coverage = None
        if layer.coverage is not None:
            coverage = reproject(shapely.segmentize(layer.coverage, _segment(layer.coverage)), layer.crs, dst)
            shapely.prepare(coverage)
        kept = np.bincount(owner, weights=shapely.area(parts), minlength=len(features)) if len(owner) \
            else np.zeros(len(features))
        return cls(layer=layer, epsg=epsg, features=features, parts=parts, part_feature=owner,
                   part_zone=layer.zones[owner] if len(owner) else np.array([], dtype=object),
                   tree=shapely.STRtree(parts), coverage=coverage,
                   intact=np.isclose(kept, shapely.area(features), rtol=1e-9, atol=0.0))


CACHE_VERSION = 1
CHAIN = 8


def _chains(parts, part_feature):
    if len(parts) == 0:
        empty = np.array([], dtype=object)
        return empty, np.array([], dtype=np.int64), shapely.STRtree(empty)
    pieces, piece_part = shapely.get_parts(parts, return_index=True)
    rings, ring_piece = shapely.get_rings(pieces, return_index=True)
    xy, ring_of = shapely.get_coordinates(rings, return_index=True)
    same = ring_of[1:] == ring_of[:-1]
    start, stop, seg_ring = xy[:-1][same], xy[1:][same], ring_of[:-1][same]
    first = np.r_[0, np.flatnonzero(seg_ring[1:] != seg_ring[:-1]) + 1]
    pos = np.arange(len(seg_ring)) - np.repeat(first, np.diff(np.r_[first, len(seg_ring)]))
    key = seg_ring.astype(np.int64) * (1 << 32) + pos // CHAIN
    chain = np.r_[0, np.cumsum(key[1:] != key[:-1])]
    ends = np.r_[np.flatnonzero(chain[1:] != chain[:-1]) + 1, len(chain)]
    coords = np.insert(start, ends, stop[ends - 1], axis=0)
    owner = np.insert(chain, ends, chain[ends - 1])
    lines = shapely.linestrings(coords, indices=owner)
    feature = part_feature[piece_part[ring_piece[seg_ring[ends - 1]]]]
    return lines, feature, shapely.STRtree(lines)


def _cache_path(layer, epsg: int) -> Path:
    root = Path(os.environ.get("ZONING_CACHE") or Path.home() / ".cache" / "zoning")
    return root / f"parts-v{CACHE_VERSION}-{layer.sha256[:32]}-{epsg}-{MAX_VERTICES}.npz"


def _save(path: Path, parts, owner) -> None:
    """Keep the parts for the next process; a cache that cannot be written is simply not kept."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
        wkb = shapely.to_wkb(parts)
        np.savez(tmp, blob=np.frombuffer(b"".join(wkb), dtype=np.uint8),
                 ends=np.cumsum([len(w) for w in wkb]), owner=owner)
        os.replace(tmp, path)
    except OSError:
        pass


def _parts(features, zones):
    disjoint = _disjoint_per_zone(features, zones)
    parts, owner = [], []
    for i, g in enumerate(disjoint):
        for p in _subdivide(g):
            parts.append(p)
            owner.append(i)
    return np.array(parts, dtype=object), np.array(owner, dtype=np.int64)


def _disjoint_per_zone(features, zones) -> np.ndarray:
    """Each feature minus the earlier features of the same zone whose interior it shares."""
    out = features.copy()
    left, right = shapely.STRtree(features).query(features, predicate="intersects")
    earlier = (right < left) & (zones[left] == zones[right])
    left, right = left[earlier], right[earlier]
    inner = shapely.relate_pattern(features[left], features[right], "T********")   # not merely touching
    left, right = left[inner], right[inner]
    for i in np.unique(left):
        others = right[left == i]
        out[i] = polygonal(shapely.difference(features[i], shapely.union_all(features[others])))
    return out


def _subdivide(geom, max_vertices: int | None = None) -> list:
    """Split a polygon by halving its bounding box until every piece has few vertices."""
    max_vertices = max_vertices or MAX_VERTICES
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
