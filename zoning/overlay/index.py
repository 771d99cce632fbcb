"""A layer reprojected into one analysis CRS and cut into small indexed parts, in two views.

- The **zone view** (`parts`): features of one zone made disjoint (an overlap is kept by the first feature), so
  a zone's overlap is the sum of its parts' overlaps: unions per zone stay exact without a union per site.
- The **feature view** (`own_parts`): every feature on its own geometry, whatever other feature shares its
  ground, for what is judged per feature (corridor severance and width, adjacency, the features of a finding).
  It is the zone view itself where no feature of a zone overlaps an earlier one (the usual case); only the
  features that lost ground to an earlier one get parts of their own.

Features are split into parts of at most MAX_VERTICES vertices (like PostGIS ST_Subdivide) so that the STRtree
is tight and most sites fall inside one part, the cheap case. Parts are valid and complete by construction (an
exact intersection wherever the fast clip is invalid or loses area) and by check: `verify` compares every
feature with its parts before the parts are used or stored, and a layer that fails is not used. A built layer is
kept in a prepared store (`layers/store.py`); checks read windows of it (`window.py`).
"""
from __future__ import annotations

from typing import Any
from dataclasses import dataclass, field

import numpy as np
import shapely

from ..errors import LayerError
from ..geometry.project import reproject
from ..geometry.repair import polygonal
from .. import messages

MAX_VERTICES = 256   # as PostGIS ST_Subdivide's default
REL = 1e-9          # relative area agreement of parts and their feature


@dataclass
class IndexedLayer:
    layer: Any                  # LoadedLayer
    epsg: int
    features: np.ndarray        # projected features (as loaded, repaired)
    parts: np.ndarray           # zone view: disjoint-per-zone parts of the features
    part_feature: np.ndarray    # feature index of each part
    part_zone: np.ndarray       # zone code of each part
    tree: shapely.STRtree       # over the parts
    coverage: object            # projected coverage polygon, or None = unbounded
    intact: np.ndarray          # per feature: its zone-view parts cover all of it (no earlier feature overlaps it)
    own_parts: np.ndarray | None = None     # feature view (None: the zone view, every feature intact)
    own_feature: np.ndarray | None = None
    own_tree: shapely.STRtree | None = None
    changed: np.ndarray | None = None       # features whose feature view differs from their zone view
    site_bound: tuple | None = None         # (sites, per-site distance to some zone-view part) of a window
    _chains: tuple | None = field(default=None, repr=False)
    _vertices: tuple | None = field(default=None, repr=False)
    derived: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        if self.own_parts is None:
            self.own_parts, self.own_feature, self.own_tree = self.parts, self.part_feature, self.tree

    @property
    def own_zone(self) -> np.ndarray:
        own = self.own_feature
        return self.layer.zones[own] if own is not None and len(own) else np.array([], dtype=object)

    def derive(self, key, make):
        """A value its users derive from the layer (a corridor's erosions, the features' name order), made once
        per process and kept with the layer."""
        if key not in self.derived:
            self.derived[key] = make()
        return self.derived[key]

    def name_rank(self) -> np.ndarray:
        """Rank of each feature's name as text, so that features sort by name in numpy."""
        def rank():
            order = np.argsort(self.layer.names.astype(str), kind="stable")
            out = np.empty(len(order), dtype=np.int64)
            out[order] = np.arange(len(order))
            return out
        return self.derive("name_rank", rank)

    def segments(self):
        """(boundary chains of the zone-view parts, their feature, STRtree): the nearest-zone search of a whole
        layer held in memory. Each ring is cut into chains of at most CHAIN segments, small enough for tight
        boxes; parts' cut lines lie inside the zone, so they are never nearer than its boundary."""
        if self._chains is None:        # this layer's own (a window's `derived` is shared with its store)
            self._chains = _chains(self.parts, self.part_feature)
        return self._chains

    def vertices(self):
        """(STRtree of the chains' vertices, their coordinates): a near boundary point for large batches."""
        if self._vertices is None:
            xy = shapely.get_coordinates(self.segments()[0])
            self._vertices = shapely.STRtree(shapely.points(xy)), xy
        return self._vertices

    @classmethod
    def build(cls, layer, epsg: int) -> IndexedLayer:
        dst = f"EPSG:{epsg}"
        features = reproject(layer.geoms, layer.crs, dst)
        disjoint = _disjoint_per_zone(features, layer.zones)
        changed = _changed(features, disjoint)
        built = _parts(features, disjoint, changed)
        verify(features, disjoint, *built, where=f"layer '{layer.spec.id}'", changed=changed)
        parts, owner, own_parts, own_owner = built
        shapely.prepare(parts)
        shapely.prepare(features)
        if own_parts is not None:
            shapely.prepare(own_parts)
        coverage = None
        if layer.coverage is not None:
            coverage = reproject(shapely.segmentize(layer.coverage, _segment(layer.coverage)), layer.crs, dst)
            shapely.prepare(coverage)
        return cls(layer=layer, epsg=epsg, features=features, parts=parts, part_feature=owner,
                   part_zone=layer.zones[owner] if len(owner) else np.array([], dtype=object),
                   tree=shapely.STRtree(parts), coverage=coverage, intact=_intact(features, parts, owner),
                   own_parts=own_parts, own_feature=own_owner,
                   own_tree=None if own_parts is None else shapely.STRtree(own_parts), changed=changed)


def _intact(features, parts, owner) -> np.ndarray:
    kept = np.bincount(owner, weights=shapely.area(parts), minlength=len(features)) if len(owner) \
        else np.zeros(len(features))
    return np.isclose(kept, shapely.area(features), rtol=REL, atol=0.0)


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


def _changed(features, disjoint) -> np.ndarray:
    """The features that lost ground to an earlier one of their zone (their remainder is a new geometry)."""
    return np.flatnonzero([d is not f for d, f in zip(disjoint, features, strict=False)])


def _parts(features, disjoint, changed):
    """(zone-view parts, their feature, feature-view parts or None, their feature) of the features and their
    disjoint-per-zone remainders; `changed` are the features whose remainder is not all of them."""
    parts, owner = _subdivide_all(disjoint)
    if len(changed) == 0:
        return parts, owner, None, None
    keep = ~np.isin(owner, changed)
    mine, mine_owner = _subdivide_all(features[changed])
    return (parts, owner, np.concatenate([parts[keep], mine]),
            np.concatenate([owner[keep], changed[mine_owner]]))


def _subdivide_all(geoms):
    parts, owner = [], []
    for i, g in enumerate(geoms):
        for p in _subdivide(g):
            parts.append(p)
            owner.append(i)
    return np.array(parts, dtype=object), np.array(owner, dtype=np.int64)


def verify(features, disjoint, parts, owner, own_parts, own_owner, *, where: str, changed) -> None:
    """Raise LayerError unless every part is valid and each feature's parts are exactly its ground.

    Zone view: the parts of feature i, made disjoint from the earlier features of its zone, are checked against
    that difference D_i; feature view: against the feature itself. For each, the parts' areas add up to the area
    of their union (no overlap) and to the area of D_i ∩ union (nothing outside D_i), which equals |D_i| (nothing
    missing), to REL relative: the parts tile D_i. The D_i of a zone are disjoint by construction, so a zone's
    parts add up to the area of the zone's union."""
    _verify_view(disjoint, parts, owner, where, "zone")
    if own_parts is not None:       # the features that lost ground to an earlier one have parts of their own
        sel = np.isin(own_owner, changed)
        _verify_view(features, own_parts[sel], own_owner[sel], where, "feature", only=changed)


def _verify_view(ground, parts, owner, where, view, only=None):
    bad = ~shapely.is_valid(parts) if len(parts) else np.zeros(0, dtype=bool)
    if bad.any():
        raise LayerError(messages.error("parts_invalid", count=int(bad.sum()), view=view,
                                        feature=int(owner[np.flatnonzero(bad)[0]]),
                                        why=shapely.is_valid_reason(parts[bad][0])),
                         source=where, expected="valid parts; report this layer with the message")
    n = len(ground)
    total = np.bincount(owner, weights=shapely.area(parts), minlength=n) if len(owner) else np.zeros(n)
    want = shapely.area(ground)
    order = np.argsort(owner, kind="stable")
    starts = np.searchsorted(owner[order], np.arange(n))
    stops = np.searchsorted(owner[order], np.arange(n), side="right")
    for i in (range(n) if only is None else only):
        got = parts[order[starts[i]:stops[i]]]
        scale = max(want[i], 1.0) * REL
        if abs(total[i] - want[i]) > scale:
            raise LayerError(messages.error("parts_area", feature=i, got=total[i], want=want[i], view=view),
                             source=where, expected="parts that tile each feature exactly")
        if len(got) > 1:
            union = shapely.union_all(got)
            inside = shapely.area(shapely.intersection(union, ground[i]))
            if abs(shapely.area(union) - total[i]) > scale or abs(inside - want[i]) > scale:
                raise LayerError(messages.error("parts_overlap", feature=i, view=view),
                                 source=where, expected="parts that tile each feature exactly")


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


def _halves(geom, boxes):
    """`geom` clipped to each box: GEOS's fast rectangle clip where its pieces are valid and add up to the whole
    (it is documented to return invalid geometry, and near-degenerate hole edges can lose area), else the exact
    intersection."""
    fast = [polygonal(shapely.clip_by_rect(geom, *b)) for b in boxes]
    areas = [0.0 if p is None or p.is_empty else p.area for p in fast]
    whole = geom.area
    if all(p is None or p.is_empty or p.is_valid for p in fast) and abs(sum(areas) - whole) <= whole * REL / 16:
        return fast
    return [polygonal(shapely.intersection(geom, shapely.box(*b))) for b in boxes]


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
    for piece in _halves(geom, boxes):
        if piece is not None and not piece.is_empty and piece.area > 0:
            out += _subdivide(piece, max_vertices)
    return out


def _segment(geom) -> float:
    """Densify a coverage box before reprojection so that its edges follow the curved projected lines."""
    minx, miny, maxx, maxy = geom.bounds
    return max(max(maxx - minx, maxy - miny) / 64, 1e-9)
