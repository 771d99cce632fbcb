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
feature with its parts before the parts are used or cached, and a layer that fails is not used.
"""
from __future__ import annotations

import hashlib
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely

from ..errors import LayerError
from ..geometry.project import reproject
from ..geometry.repair import polygonal

MAX_VERTICES = 128
REL = 1e-9          # relative area agreement of parts and their feature


@dataclass
class IndexedLayer:
    layer: object               # LoadedLayer
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
    _segments: tuple | None = None
    _vertices: tuple | None = None
    derived: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        if self.own_parts is None:
            self.own_parts, self.own_feature, self.own_tree = self.parts, self.part_feature, self.tree

    @property
    def own_zone(self) -> np.ndarray:
        return self.layer.zones[self.own_feature] if len(self.own_feature) else np.array([], dtype=object)

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
        """(boundary chains of the zone-view parts, their feature, STRtree): what nearest-zone distances search.

        Each ring is cut into chains of at most CHAIN segments: small enough for tight bounding boxes, few
        enough to index quickly. Parts' cut lines are included: they lie inside the zone, so they are never
        nearer than its boundary. The union's boundary is what a nearest distance measures, so the zone view
        gives every feature's true distance at the minimum."""
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

    def ready(self) -> "IndexedLayer":
        """Build everything a request may use (chains, vertex tree, trees' internals) now, so that threads that
        share this layer only read it."""
        self.segments()
        self.vertices()
        self.name_rank()
        for t in (self.tree, self.own_tree, self.segments()[2], self.vertices()[0]):
            t.query(shapely.Point(0, 0))
        return self

    @classmethod
    def build(cls, layer, epsg: int) -> "IndexedLayer":
        dst = f"EPSG:{epsg}"
        features = reproject(layer.geoms, layer.crs, dst)
        cached = _cache_path(layer, epsg)
        where = f"layer '{layer.spec.id}'"
        loaded = _load(cached, features)
        if loaded is None:
            disjoint = _disjoint_per_zone(features, layer.zones)
            built = _parts(features, disjoint)
            verify(features, disjoint, *built, where=where)
            _save(cached, *built)
            loaded = built
        parts, owner, own_parts, own_owner = loaded
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
                   own_tree=None if own_parts is None else shapely.STRtree(own_parts))


def _intact(features, parts, owner) -> np.ndarray:
    kept = np.bincount(owner, weights=shapely.area(parts), minlength=len(features)) if len(owner) \
        else np.zeros(len(features))
    return np.isclose(kept, shapely.area(features), rtol=REL, atol=0.0)


CACHE_VERSION = 2   # 1 kept parts of the unchecked fast clip: never read again
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
    """Keyed by the format version, the source content, the zone of every feature (a changed `zone_values`
    changes the parts) and the analysis CRS."""
    root = Path(os.environ.get("ZONING_CACHE") or Path.home() / ".cache" / "zoning")
    zones = hashlib.sha256("\x1f".join(map(str, layer.zones.tolist())).encode("utf-8")).hexdigest()[:16]
    return root / f"parts-v{CACHE_VERSION}-{layer.sha256[:32]}-{zones}-{epsg}-{MAX_VERTICES}.npz"


def _pack(geoms):
    wkb = shapely.to_wkb(geoms)
    return np.frombuffer(b"".join(wkb), dtype=np.uint8), np.cumsum([len(w) for w in wkb], dtype=np.int64)


def _unpack(blob, ends):
    raw = blob.tobytes()
    return shapely.from_wkb(np.array([raw[a:b] for a, b in zip(np.r_[0, ends[:-1]], ends)], dtype=object))


def _save(path: Path, parts, owner, own_parts, own_owner) -> None:
    """Keep the verified parts for the next process, with the area each feature's parts add up to; a cache that
    cannot be written is simply not kept."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
        blob, ends = _pack(parts)
        extra = {}
        if own_parts is not None:
            extra["own_blob"], extra["own_ends"] = _pack(own_parts)
            extra["own_owner"] = own_owner
        np.savez(tmp, blob=blob, ends=ends, owner=owner, areas=shapely.area(parts), **extra)
        os.replace(tmp, path)
    except OSError:
        pass


def _load(path: Path, features):
    """The cached parts, or None when there are none or they do not add up to what was verified when written
    (a truncated, corrupt or foreign file is rebuilt, never used)."""
    try:
        with np.load(path, allow_pickle=False) as z:
            parts, owner, areas = _unpack(z["blob"], z["ends"]), z["owner"], z["areas"]
            own = (_unpack(z["own_blob"], z["own_ends"]), z["own_owner"]) if "own_blob" in z else (None, None)
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile, shapely.errors.GEOSException):
        return None
    if len(parts) != len(owner) or len(areas) != len(parts) or (len(owner) and owner.max() >= len(features)):
        return None
    if not np.array_equal(shapely.area(parts), areas) or not shapely.is_valid(parts).all():
        return None
    return parts, owner, *own


def _parts(features, disjoint):
    """(zone-view parts, their feature, feature-view parts or None, their feature) of the features and their
    disjoint-per-zone remainders."""
    parts, owner = _subdivide_all(disjoint)
    changed = np.flatnonzero([d is not f for d, f in zip(disjoint, features)])   # lost ground to an earlier one
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


def verify(features, disjoint, parts, owner, own_parts, own_owner, *, where: str) -> None:
    """Raise LayerError unless every part is valid and each feature's parts are exactly its ground.

    Zone view: the parts of feature i, made disjoint from the earlier features of its zone, are checked against
    that difference D_i; feature view: against the feature itself. For each, the parts' areas add up to the area
    of their union (no overlap) and to the area of D_i ∩ union (nothing outside D_i), which equals |D_i| (nothing
    missing), to REL relative: the parts tile D_i. The D_i of a zone are disjoint by construction, so a zone's
    parts add up to the area of the zone's union."""
    _verify_view(disjoint, parts, owner, where, "zone")
    if own_parts is not None:
        changed = np.unique(own_owner)
        sel = np.isin(own_owner, changed)
        _verify_view(features, own_parts[sel], own_owner[sel], where, "feature", only=changed)


def _verify_view(ground, parts, owner, where, view, only=None):
    bad = ~shapely.is_valid(parts) if len(parts) else np.zeros(0, dtype=bool)
    if bad.any():
        raise LayerError(f"{int(bad.sum())} subdivided part(s) are invalid ({view} view, feature "
                         f"{int(owner[np.flatnonzero(bad)[0]])}): {shapely.is_valid_reason(parts[bad][0])}",
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
            raise LayerError(f"feature {i}: its subdivided parts cover {total[i]:.3f} m² of {want[i]:.3f} m² "
                             f"({view} view)", source=where, expected="parts that tile each feature exactly")
        if len(got) > 1:
            union = shapely.union_all(got)
            inside = shapely.area(shapely.intersection(union, ground[i]))
            if abs(shapely.area(union) - total[i]) > scale or abs(inside - want[i]) > scale:
                raise LayerError(f"feature {i}: its subdivided parts overlap or leave its ground ({view} view)",
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
